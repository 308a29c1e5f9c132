/**
 * With the imported AIConfigurator tables, every bundled model simulates on
 * H100-SXM, H200-SXM and B200-SXM with measured MFU (table rows, exact or
 * interpolated/borrowed from them) for GEMM, attention and MoE: no fallback.
 * DeepSeek V3.2-style sparse attention (DSA), for which AIConfigurator
 * publishes no tables, borrows from the MLA and GEMM tables (src/sim/dsa.ts).
 */
import {describe, expect, it} from 'vitest'
import {gpuTableKey} from '../../../src/hardware/gpu.js'
import {loadGpus, resolveGpu} from '../../../src/io/gpus.js'
import {bundledModelNames, loadModel} from '../../../src/io/models.js'
import {bundled} from '../../../src/io/paths.js'
import {loadTableSet} from '../../../src/io/tables.js'
import {getProfile} from '../../../src/profile.js'
import {DEFAULT_DEPLOYMENT, type Deployment} from '../../../src/sim/deployment.js'
import {simulate} from '../../../src/sim/simulate.js'
import type {TableSet} from '../../../src/tables/types.js'
import {runJson} from '../../helpers/cli.js'

const profile = getProfile('default')

function fallbacks(modelName: string, gpuName: string, tables: TableSet, deployment: Deployment): string[] {
  const model = loadModel(modelName, {publishedConfigs: profile.switches.publishedConfigs})
  const r = simulate(model, deployment, resolveGpu(loadGpus(), gpuName), tables, profile)
  const out: string[] = []
  for (const phase of [r.prefill, r.decode]) {
    for (const s of phase?.steps ?? []) {
      if (s.mfu?.kind === 'fallback') out.push(`${phase!.phase} ${s.id}: ${s.mfu.note ?? ''}`)
    }
  }
  return out
}

const models = bundledModelNames()

describe.each(['H100-SXM', 'H200-SXM', 'B200-SXM'])('measured MFU on %s', (gpu) => {
  it.each([
    ['one GPU', {...DEFAULT_DEPLOYMENT}],
    ['tp 8', {...DEFAULT_DEPLOYMENT, worldSize: 8, tp: 8}],
  ])('every bundled model, %s: no GEMM, attention or MoE step falls back', (_label, deployment) => {
    expect(models.length).toBeGreaterThan(5)
    const tables = loadTableSet(bundled.benchData, [gpuTableKey(gpu)])
    const found = models.flatMap((m) => fallbacks(m, gpu, tables, deployment).map((f) => `${m}: ${f}`))
    expect(found).toEqual([])
  })
})

describe('infersim simulate on an imported GPU', () => {
  it('qwen3-8b on H100-SXM reads its GEMM and attention MFU from the H100-SXM tables', async () => {
    const {json, exitCode} = await runJson(['simulate', '--model', 'qwen3-8b', '--gpu', 'H100-SXM'])
    expect(exitCode).toBe(0)
    for (const phase of [json.prefill, json.decode]) {
      for (const id of ['attn-core', 'qkv-proj', 'o-proj']) {
        const step = phase.steps.find((s: {id: string}) => s.id === id)
        expect(step.mfu.kind, `${phase.phase} ${id}`).not.toBe('fallback')
        expect(step.mfu.table).toMatch(/\/h100-sxm\//)
      }
    }
  })
})
