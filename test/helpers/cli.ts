/** Runs infersim commands in-process (captures stdout/stderr/exit code) or as a child process. */
import {Config, Errors} from '@oclif/core'
import {execa} from 'execa'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
export const BIN = path.join(ROOT, 'bin', 'run.js')

let config: Config | undefined

export interface CliResult {
  stdout: string
  stderr: string
  exitCode: number
}

/** In-process run of one command with captured output. */
export async function runCli(argv: string[]): Promise<CliResult> {
  config ??= await Config.load({root: ROOT})
  let stdout = ''
  let stderr = ''
  const outWrite = process.stdout.write.bind(process.stdout)
  const errWrite = process.stderr.write.bind(process.stderr)
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += chunk.toString()
    return true
  }) as typeof process.stdout.write
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += chunk.toString()
    return true
  }) as typeof process.stderr.write
  let exitCode = 0
  try {
    const [id, ...args] = argv
    await config.runCommand(id, args)
  } catch (error) {
    if (error instanceof Errors.ExitError) exitCode = error.oclif.exit ?? 1
    else {
      exitCode = (error as {oclif?: {exit?: number}}).oclif?.exit ?? 1
      stderr += String((error as Error).message)
    }
  } finally {
    process.stdout.write = outWrite
    process.stderr.write = errWrite
  }
  return {stdout, stderr, exitCode}
}

/** Runs a command and parses its --json output. */
export async function runJson<T = any>(argv: string[]): Promise<{json: T; exitCode: number; stderr: string}> {
  const r = await runCli([...argv, '--json'])
  return {json: JSON.parse(r.stdout) as T, exitCode: r.exitCode, stderr: r.stderr}
}

/** A real child process of bin/run.js, as a user runs it. */
export async function runBin(args: string[], opts: {cwd?: string; input?: string} = {}): Promise<CliResult> {
  const r = await execa('node', [BIN, ...args], {cwd: opts.cwd ?? ROOT, reject: false, input: opts.input})
  return {stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode ?? 1}
}
