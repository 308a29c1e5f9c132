/**
 * The breakdown's share column is each step's part of the forward: a step that
 * only some layers run (a MoE model's leading dense layers, a hybrid model's
 * full-attention layers) weighs by the layers that run it. DeepSeek-V3 has 61
 * layers, the first 3 dense (first_k_dense_replace); Qwen3-Next-80B-A3B 48, one
 * in four full attention (full_attention_interval 4).
 */
import {describe, expect, it} from 'vitest'
import {loadSimInputs} from '../../src/io/inputs.js'
import {breakdown} from '../../src/report/breakdown.js'
import {DEFAULT_DEPLOYMENT} from '../../src/sim/deployment.js'
import {simulate} from '../../src/sim/simulate.js'

function decodeBreakdown(model: string) {
  const i = loadSimInputs({model, gpu: 'H200-SXM', profile: 'default'})
  const r = simulate(i.model, {...DEFAULT_DEPLOYMENT, mode: 'decode', worldSize: 8, tp: 8, isl: 1024, osl: 1024, decodeBatch: 64, fp8Gemm: true}, i.gpu, i.tables, i.profile)
  return breakdown(r.decode!)
}

/** Each row's share as the layers that run it weigh it: `layers` of the model's `total` (all where not given). */
function expectedShares(rows: ReturnType<typeof breakdown>, total: number, layers: Record<string, number>): Record<string, number> {
  const weight = (id: string) => (layers[id] ?? total) / total
  const sum = rows.reduce((a, r) => a + r.microseconds * weight(r.id), 0)
  return Object.fromEntries(rows.map((r) => [r.id, (r.microseconds * weight(r.id)) / sum]))
}

describe('breakdown shares', () => {
  it("DeepSeek-V3: the dense FFN weighs 3 of 61 layers, the routed and shared experts and the MoE collectives 58", () => {
    const rows = decodeBreakdown('deepseek-v3')
    const moe = Object.fromEntries(['ffn', 'shared-expert', 'comm-before', 'comm-after'].map((id) => [id, 58]))
    const want = expectedShares(rows, 61, {'dense-ffn': 3, ...moe})
    for (const r of rows) expect(r.share, r.id).toBeCloseTo(want[r.id], 12)
    expect(rows.reduce((a, r) => a + r.share, 0)).toBeCloseTo(1, 12)
    // Read per layer, the dense FFN is the largest step; over the forward it is a small one.
    const dense = rows.find((r) => r.id === 'dense-ffn')!
    expect(dense.share).toBeLessThan(0.05)
  })

  it('Qwen3-Next: full attention weighs 12 of 48 layers, linear attention 36', () => {
    const rows = decodeBreakdown('qwen3-next-80b-a3b')
    const full = rows.filter((r) => ['attn-core', 'qkv-proj', 'o-proj'].includes(r.id)).map((r) => r.id)
    const linear = rows.filter((r) => ['linear-core', 'qkvzba-proj', 'linear-o-proj'].includes(r.id)).map((r) => r.id)
    expect(full.length).toBeGreaterThan(0)
    expect(linear.length).toBeGreaterThan(0)
    const want = expectedShares(rows, 48, Object.fromEntries([...full.map((id) => [id, 12]), ...linear.map((id) => [id, 36])]))
    for (const r of rows) expect(r.share, r.id).toBeCloseTo(want[r.id], 12)
  })
})
