/** Running `simulate --serving` with an engine file of the test's own. */
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {tempDir} from '../calibrate/helpers.js'
import {expect} from 'vitest'
import {ROOT, runCli, type CliResult} from './cli.js'

/** The bundled engine file of `engine`, parsed. */
export const bundledEngineFile = (engine: string) => JSON.parse(readFileSync(path.join(ROOT, 'data', 'engines', `${engine}.json`), 'utf8'))

/**
 * A fresh engine folder and a runner: each call writes `content` as its
 * vllm.json and runs Qwen3-32B on two H100s (tp 2) through `simulate --serving --engine vllm` with that folder.
 */
export function vllmFileRun(): (content: unknown) => Promise<CliResult> {
  const dir = path.join(tempDir(), 'engines')
  mkdirSync(dir)
  const args = ['simulate', '--model', 'qwen3-32b', '--gpu', 'H100-SXM', '--world-size', '2', '--tp', '2', '--serving', '--engine', 'vllm', '--engine-dir', dir]
  return (content) => {
    writeFileSync(path.join(dir, 'vllm.json'), JSON.stringify(content))
    return runCli(args)
  }
}

/** A refused engine file: the exit code, each of `says` in stderr, no stack trace. */
export function expectRefused(r: CliResult, exitCode: number, ...says: string[]): void {
  expect(r.exitCode).toBe(exitCode)
  for (const text of says) expect(r.stderr).toContain(text)
  expect(r.stderr).not.toContain('    at ')
}
