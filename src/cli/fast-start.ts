/**
 * The fast start (bundled to dist/fast.cjs, run by bin/run.js): a plain
 * `infersim simulate ...` runs here without loading oclif, whose start-up
 * costs more than the simulation. Only a command line readArgv reads whole
 * is run here; anything else (--help, an unknown or bad flag, oclif's own
 * settings in the environment) returns false and oclif runs the command, so
 * help, parse errors and flags behave exactly as they do there. Output and
 * exit codes are the oclif command's: the text or --json result on stdout,
 * errors as src/cli/base.ts prints them.
 */
import {format} from 'node:util'
import {simulate} from '../api/simulate.js'
import {InfersimError} from '../errors.js'
import {simulateOptions} from '../options/shared.js'
import {camelCase, flagDefault, type OptionSpecs} from '../options/spec.js'
import {readArgv} from './argv.js'
import {errorMessage, exitCodeOf} from './exit-code.js'
import {renderSimulateText} from './simulate-text.js'

/** Environment variables that change what oclif does (its debug output, JSON by default, ...): with any of them, oclif runs. */
const OCLIF_SETTINGS = /^(DEBUG|OCLIF_.*|INFERSIM_(?!CACHE_DIR$|FAST_START$).*)$/

/** Whether the command line was run here (false: run it with oclif). */
export async function runFastStart(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  if (argv[0] !== 'simulate' || Object.keys(env).some((k) => OCLIF_SETTINGS.test(k))) return false
  const read = readArgv(simulateOptions, argv.slice(1))
  if (!read) return false
  const options: Record<string, unknown> = {}
  const specs: OptionSpecs = simulateOptions
  for (const [name, value] of Object.entries(read.flags)) if (!specs[name].cliOnly) options[camelCase(name)] = value
  const json = (value: unknown) => console.log(format(JSON.stringify(value, undefined, 2)))
  try {
    const result = await simulate(options)
    if (read.json) json(result)
    else console.log(format(renderSimulateText(result, (read.flags.breakdown ?? flagDefault(simulateOptions.breakdown)) as boolean)))
  } catch (error) {
    const err = error as Error
    const exitCode = exitCodeOf(err)
    const message = errorMessage(err, err instanceof InfersimError)
    if (read.json) json({error: {message, exitCode}})
    else console.error(format(`Error: ${message}`))
    process.exitCode = exitCode
  }
  return true
}
