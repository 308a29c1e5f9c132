import {describe, expect, it} from 'vitest'
import {loadEngine} from '../../src/io/engines.js'
import {loadSimInputs} from '../../src/io/inputs.js'
import {simulateServing} from '../../src/serving/simulate.js'
import {DEFAULT_DEPLOYMENT} from '../../src/sim/deployment.js'

function serve(model: string, gpu: string, tp: number, moeEp: number, fp8Gemm: boolean) {
  const inputs = loadSimInputs({model, gpu, profile: 'default'})
  const d = {...DEFAULT_DEPLOYMENT, worldSize: tp, tp, fp8Gemm, isl: 2048, osl: 512}
  return simulateServing(inputs.model, d, inputs.gpu, inputs.tables, inputs.profile, {concurrency: 32, engine: loadEngine('sglang'), moeEp})
}

describe('serving for every kind of attention', () => {
  it.each([
    ['deepseek-v3', 'H200-SXM', 8, 8, true, 'MLA'],
    ['deepseek-v3.2', 'H200-SXM', 8, 8, true, 'MLA with DSA sparse attention'],
    ['qwen3-next-80b-a3b', 'H200-SXM', 4, 4, false, 'hybrid GDN + full attention, MoE'],
    ['qwen3.5-27b', 'H200-SXM', 2, 1, false, 'hybrid GDN + full attention, dense'],
  ] as const)('%s on %s (%s) gives finite, consistent figures', (model, gpu, tp, ep, fp8, _kind) => {
    const s = serve(model, gpu, tp, ep, fp8)
    expect(s.converged).toBe(true)
    for (const v of [s.ttftMs, s.tpotMs, s.requestsPerSecond, s.outputTokensPerGpuPerSecond]) {
      expect(Number.isFinite(v)).toBe(true)
      expect(v).toBeGreaterThan(0)
    }
    expect(s.requestsPerSecond * (s.ttftMs + 511 * s.tpotMs)).toBeCloseTo(32_000, -1)
  })
})
