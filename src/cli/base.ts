/**
 * Base command: InfersimError becomes one message and its exit code
 * (usage 2, other 1), with or without --json, never a stack trace.
 * oclif ignores the exit code given to this.error under --json, hence this catch.
 */
import {Command, Errors} from '@oclif/core'
import {InfersimError} from '../errors.js'

type CaughtError = Error & {oclif?: {exit?: number}}

/** oclif's own flag-parsing failures are usage errors. */
const PARSE_ERROR = /Unexpected argument|Nonexistent flag|Expected .*(to be|but received|one of)|Missing required flag|must be one of|Parsing --|cannot also be provided|expects a/i

export function exitCodeOf(err: CaughtError): number {
  if (err instanceof InfersimError) return err.exitCode
  if (PARSE_ERROR.test(err.message)) return 2
  return err.oclif?.exit ?? 1
}

export abstract class BaseCommand extends Command {
  static enableJsonFlag = true

  protected async catch(err: CaughtError): Promise<unknown> {
    if (err instanceof Errors.ExitError) throw err
    const exitCode = exitCodeOf(err)
    const known = err instanceof InfersimError || err instanceof Errors.CLIError
    const message = known ? err.message : `unexpected error: ${err.message}`
    const data = err instanceof InfersimError ? err.data : undefined
    if (this.jsonEnabled()) this.logJson({error: {message, exitCode, ...data}})
    else this.logToStderr(`Error: ${message}`)
    this.exit(exitCode)
  }
}
