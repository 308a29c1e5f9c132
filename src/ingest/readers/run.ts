/**
 * `infersim ingest --run -- <command ...>`: runs a benchmark, reads its JSONL
 * stdout as it arrives, and appends every line to a raw file under
 * <out>/raw/ before anything is validated, so nothing measured is lost.
 */
import {closeSync, mkdirSync, openSync, rmSync, unlinkSync, writeSync} from 'node:fs'
import path from 'node:path'
import {inputError, usageError} from '../../errors.js'
import {displayPath} from '../../io/paths.js'

export interface RunCapture {
  rawFile: string
  lines: number
  exitCode: number
}

export function rawCapturePath(out: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[:.]/g, '-')
  return path.join(out, 'raw', `run-${stamp}-${process.pid}.jsonl`)
}

/**
 * The benchmark command, word for word: everything after the first "--" of
 * the raw arguments. oclif's non-strict parse of the same words reorders
 * flags that share a value ("--tp 2 --world-size 2" came back as "--tp 2 2 --world-size").
 */
export function commandAfterDashes(rawArgv: readonly string[]): string[] | undefined {
  const i = rawArgv.indexOf('--')
  return i < 0 ? undefined : rawArgv.slice(i + 1)
}

export async function captureRun(command: readonly string[], rawFile: string, progress: (message: string) => void): Promise<RunCapture> {
  if (command.length === 0) throw usageError('--run needs a command after "--", e.g. infersim ingest --run -- python bench.py')
  // The first folder this run creates (undefined when <out>/raw existed): removed again when nothing is kept.
  const madeDir = mkdirSync(path.dirname(rawFile), {recursive: true})
  const discard = () => {
    unlinkSync(rawFile)
    if (madeDir) rmSync(madeDir, {recursive: true, force: true})
  }
  const fd = openSync(rawFile, 'a')
  let lines = 0
  let records = 0
  // execa costs ~100 ms to load: only `ingest --run` pays for it.
  const {execa} = await import('execa')
  const child = execa(command[0], command.slice(1), {stdout: 'pipe', stderr: 'pipe', stdin: 'ignore', reject: false, buffer: false})
  // The benchmark's own messages go to our stderr as they come.
  child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk))
  try {
    for await (const line of child.iterable({from: 'stdout'})) {
      writeSync(fd, `${line}\n`)
      lines++
      if (line.trim().startsWith('{')) records++
      if (records > 0 && records % 50 === 0) progress(`${records} records so far (saved to ${displayPath(rawFile)})`)
    }
  } finally {
    closeSync(fd)
  }
  const result = await child
  if (result.failed && result.exitCode === undefined) {
    const why = String(result.shortMessage ?? result.message).split('\n')[0]
    if (lines === 0) {
      discard()
    }
    throw inputError(`cannot run "${command[0]}": ${why}${lines > 0 ? `; its ${lines} lines of output are saved in ${displayPath(rawFile)}` : ''}`)
  }
  if (records === 0 && lines === 0) {
    discard()
    const status = result.exitCode === 0 ? 'finished' : `exited with code ${result.exitCode}`
    throw inputError(`"${command.join(' ')}" ${status} without printing any measurement record (JSON Lines on stdout); nothing was saved or ingested. Is it a benchmark, e.g. kernel_benchmark/run.py?`)
  }
  progress(`benchmark finished (exit code ${result.exitCode}): ${records} records saved to ${displayPath(rawFile)}`)
  return {rawFile, lines, exitCode: result.exitCode ?? 1}
}
