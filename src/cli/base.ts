/**
 * Base command: InfersimError becomes one message and its exit code
 * (usage 2, other 1), with or without --json, never a stack trace.
 * oclif ignores the exit code given to this.error under --json, hence this catch.
 */
import {Command, Errors} from '@oclif/core'
import {InfersimError} from '../errors.js'
import {errorMessage, exitCodeOf, type CaughtError} from './exit-code.js'

export {exitCodeOf}

export abstract class BaseCommand extends Command {
  static enableJsonFlag = true

  protected async catch(err: CaughtError): Promise<unknown> {
    if (err instanceof Errors.ExitError) throw err
    const exitCode = exitCodeOf(err)
    const message = errorMessage(err, err instanceof InfersimError || err instanceof Errors.CLIError)
    const data = err instanceof InfersimError ? err.data : undefined
    if (this.jsonEnabled()) this.logJson({error: {message, exitCode, ...data}})
    else this.logToStderr(`Error: ${message}`)
    this.exit(exitCode)
  }
}
