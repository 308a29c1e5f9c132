/** The exit code of an error (usage 2, other 1), shared by the oclif commands and the fast start. No oclif here. */
import {InfersimError} from '../errors.js'

export type CaughtError = Error & {oclif?: {exit?: number}}

/** oclif's own flag-parsing failures are usage errors. */
const PARSE_ERROR = /Unexpected argument|Nonexistent flag|Expected .*(to be|but received|one of)|Missing required flag|must be one of|Parsing --|cannot also be provided|expects a/i

export function exitCodeOf(err: CaughtError): number {
  if (err instanceof InfersimError) return err.exitCode
  if (PARSE_ERROR.test(err.message)) return 2
  return err.oclif?.exit ?? 1
}

/** The one-line message of an error: its own for errors meant for the user, else marked unexpected. */
export const errorMessage = (err: Error, known: boolean) => (known ? err.message : `unexpected error: ${err.message}`)
