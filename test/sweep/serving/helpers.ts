/** Shared pieces of the serving-sweep tests: a folder of engine files with accuracy blocks, and a small sweep. */
import {copyFileSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type {EngineAccuracy} from '../../../src/engine.js'
import {engineFilePath} from '../../../src/io/engines.js'
import {loadServingInputs} from '../../../src/sweep/serving/inputs.js'
import {runServingSweep, type ServingSweepRequest} from '../../../src/sweep/serving/run.js'
import type {ServingPoint, ServingSpace, ServingTargets} from '../../../src/sweep/serving/types.js'

/** Made-up held-out errors for the fixture engines (not measured: they only exercise the band arithmetic). */
export const FIXTURE_ACCURACY: Record<string, EngineAccuracy> = {
  sglang: {heldOut: 'fixture: leave-one-GPU-out', rows: 40, ttft: {mape: 0.25, median: 0.2, p90: 0.5}, tpot: {mape: 0.12, median: 0.1, p90: 0.3}},
  trtllm: {heldOut: 'fixture: configuration folds', rows: 12, ttft: {mape: 0.3, median: 0.04, p90: 0.6}, tpot: {mape: 0.05, median: 0.02, p90: 0.1}},
}

/** A temp --engine-dir: the bundled engine files, with the accuracy blocks of FIXTURE_ACCURACY (vllm gets none). */
export function fixtureEngineDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'infersim-engines-'))
  for (const name of ['trtllm', 'vllm', 'sglang']) {
    const file = path.join(dir, `${name}.json`)
    copyFileSync(engineFilePath(name), file)
    const accuracy = FIXTURE_ACCURACY[name]
    const {accuracy: _bundled, ...rest} = JSON.parse(readFileSync(file, 'utf8'))
    writeFileSync(file, JSON.stringify(accuracy ? {...rest, accuracy} : rest, null, 2))
  }
  return dir
}

export const smallSpace = (over: Partial<ServingSpace> = {}): ServingSpace => ({
  gpus: ['H100-SXM'],
  engines: ['sglang', 'vllm', 'trtllm'],
  minGpus: 1,
  maxGpus: 2,
  fp8Kv: 'off',
  deepep: 'auto',
  weightFormats: ['fp8'],
  stepTokens: [8192],
  concurrencies: [1, 4, 16, 64],
  maxConcurrency: 1024,
  refine: true,
  aggregated: true,
  disaggregated: false,
  ...over,
})

export async function servingSweep(model: string, over: Partial<ServingSweepRequest> & {space?: ServingSpace; targets?: ServingTargets; engineDir?: string} = {}) {
  const space = over.space ?? smallSpace()
  const inputs = loadServingInputs({model, gpus: space.gpus, profile: 'default', engines: space.engines, engineDir: over.engineDir})
  const points: ServingPoint[] = []
  const outcome = await runServingSweep({
    ...inputs,
    space,
    targets: {isl: 1024, osl: 256, ttftMax: 2000, tpotMax: 40, sustain: {kind: 'none'}},
    workers: 0,
    top: 50,
    command: {model, engineDir: over.engineDir},
    onPoint: (p) => points.push(p),
    ...over,
  })
  return {...outcome, inputs, points}
}
