/** Running `simulate --serving` with an engine file of the test's own. */
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {tempDir} from '../calibrate/helpers.js'
import {expect} from 'vitest'
import type {EngineParamName} from '../../src/engine.js'
import {loadEngine} from '../../src/io/engines.js'
import {ROOT, runCli, type CliResult} from './cli.js'

/** The bundled engine file of `engine`, parsed. */
export const bundledEngineFile = (engine: string) => JSON.parse(readFileSync(path.join(ROOT, 'data', 'engines', `${engine}.json`), 'utf8'))

/** The value `param` takes when a user's file of `engine` (the bundled one, as an earlier fit wrote it) leaves it out. */
export function valueWithout(engine: string, param: EngineParamName): unknown {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'infersim-engine-file-'))
  try {
    const f = bundledEngineFile(engine)
    delete f.parameters[param]
    writeFileSync(path.join(dir, `${engine}.json`), JSON.stringify(f))
    return loadEngine(engine, dir).params[param]
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

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
