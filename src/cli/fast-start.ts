/**
 * The fast start (bundled to dist/fast.cjs, and with the serving model to
 * dist/fast-serving.cjs; run by bin/run.js): a plain
 * `infersim simulate ...` runs here without loading oclif, whose start-up
 * costs more than the simulation. Only a command line readArgv reads whole
 * is run here; anything else (--help, an unknown or bad flag, oclif's own
 * settings in the environment) returns false and oclif runs the command, so
 * help, parse errors and flags behave exactly as they do there. Output and
 * exit codes are the oclif command's: the text or --json result on stdout,
 * errors as src/cli/base.ts prints them.
 */
import {writeSync} from 'node:fs'
import {format} from 'node:util'
import {simulate} from '../api/simulate.js'
import {InfersimError} from '../errors.js'
import {simulateOptions} from '../options/shared.js'
import {servingInBundle} from '../serving/in-bundle.js'
import {camelCase, flagDefault, type OptionSpecs} from '../options/spec.js'
import {readArgv} from './argv.js'
import {errorMessage, exitCodeOf} from './exit-code.js'
import {renderSimulateText} from './simulate-text.js'

/**
 * Environment variables that change what oclif does (its debug output, JSON by default, ...): with any of them,
 * oclif runs. infersim's own (INFERSIM_HOME, INFERSIM_CACHE_DIR, INFERSIM_FAST_START) are read alike on both paths.
 */
const OCLIF_SETTINGS = /^(DEBUG|OCLIF_.*|INFERSIM_(?!CACHE_DIR$|FAST_START$|HOME$).*)$/

/**
 * Prints a line as console.log (fd 1) or console.error (fd 2) would, with a
 * plain write: creating process.stdout's stream costs more than the
 * simulation. A pipe that is momentarily full is waited for; one whose
 * reader has gone (EPIPE) takes no more output. Windows consoles keep console.log.
 */
function printLine(fd: 1 | 2, text: string): void {
  const line = `${format(text)}\n`
  if (process.platform === 'win32') return void (fd === 1 ? process.stdout : process.stderr).write(line)
  const bytes = Buffer.from(line)
  for (let done = 0; done < bytes.length; ) {
    try {
      done += writeSync(fd, bytes, done)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'EPIPE') return
      if (code !== 'EAGAIN') throw error
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1)
    }
  }
}

/** Whether the command line was run here (false: run it with oclif). */
export async function runFastStart(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, print: typeof printLine = printLine): Promise<boolean> {
  if (argv[0] !== 'simulate' || Object.keys(env).some((k) => OCLIF_SETTINGS.test(k))) return false
  const read = readArgv(simulateOptions, argv.slice(1))
  // The plain fast start holds no serving model (src/cli/serving-left-out.ts).
  if (!read || (read.flags.serving === true && !servingInBundle)) return false
  const options: Record<string, unknown> = {}
  const specs: OptionSpecs = simulateOptions
  for (const [name, value] of Object.entries(read.flags)) if (!specs[name].cliOnly) options[camelCase(name)] = value
  const json = (value: unknown) => print(1, JSON.stringify(value, undefined, 2))
  try {
    const result = await simulate(options)
    if (read.json) json(result)
    else print(1, renderSimulateText(result, (read.flags.breakdown ?? flagDefault(simulateOptions.breakdown)) as boolean))
  } catch (error) {
    const err = error as Error
    const exitCode = exitCodeOf(err)
    const message = errorMessage(err, err instanceof InfersimError)
    const data = err instanceof InfersimError ? err.data : undefined
    if (read.json) json({error: {message, exitCode, ...data}})
    else print(2, `Error: ${message}`)
    process.exitCode = exitCode
  }
  return true
}
