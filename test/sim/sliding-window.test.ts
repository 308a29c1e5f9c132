/** Sliding-window layers (gpt-oss: 18 of 36 at 128 tokens) timed by the measured sliding-window kernels. */
import {describe, expect, it} from 'vitest'
import {loadSimInputs} from '../../src/io/inputs.js'
import {DEFAULT_DEPLOYMENT} from '../../src/sim/deployment.js'
import {simulate} from '../../src/sim/simulate.js'
import {summarizeModel} from '../../src/report/model-summary.js'

const run = (profile: 'default' | 'infersim', gpu = 'H200-SXM') => {
  const i = loadSimInputs({model: 'gpt-oss-120b', gpu, profile})
  // one GPU (64 heads, 8 KV heads, head_dim 64), 8 requests decoding at 4096 + 2048/2 = 5120 tokens, 4096-token prompts
  return simulate(i.model, {...DEFAULT_DEPLOYMENT, worldSize: 1, tp: 1, decodeBatch: 8, isl: 4096, osl: 2048}, i.gpu, i.tables, i.profile)
}
const cores = (steps: readonly {id: string; part: string; count?: number; seconds: number}[]) =>
  Object.fromEntries(steps.filter((s) => s.part === 'attention').map((s) => [s.id, {us: s.seconds * 1e6, count: s.count ?? 1}]))

describe('sliding-window attention', () => {
  it('half the layers decode over their 128-token window at the measured sliding-window kernel time', () => {
    const c = cores(run('default').decode!.steps)
    // AIConfigurator generation_attention_perf, H200, 64-8-64, batch 8, window 128:
    // 10.4 us at 4096 tokens and 10.7 at 8192; full attention 29.7 and 45.5.
    expect(c['attn-core-window'].us).toBeGreaterThan(10.3)
    expect(c['attn-core-window'].us).toBeLessThan(10.8)
    expect(c['attn-core'].us).toBeGreaterThan(29.7)
    expect(c['attn-core'].us).toBeLessThan(45.5)
    expect(c['attn-core'].count).toBe(0.5)
    expect(c['attn-core-window'].count).toBe(0.5)
  })

  it('half the layers prefill over the window: 105.9 us against 375.4 for the full causal kernel at 4096 tokens', () => {
    // context_attention_perf, H200, 64-8-64, one 4096-token prompt: window 128 0.1059 ms, full 0.3754 ms
    const c = cores(run('default').prefill!.steps)
    expect(c['attn-core-window'].us).toBeCloseTo(105.9, 0)
    expect(c['attn-core'].us).toBeCloseTo(375.4, 0)
  })

  it("the FLOPs summary counts a sliding layer's window: 4*64*64 x (5120 + 128) / 2 per layer at the mean context", () => {
    const f = run('default').flops
    expect(f.perLayer.attentionCore).toBeCloseTo((16384 * (5120 + 128)) / 2 / 1e9, 12)
    expect(f.perToken.attentionCore).toBeCloseTo((36 * 16384 * (5120 + 128)) / 2 / 1e9, 12)
    expect(run('infersim').flops.perLayer.attentionCore).toBeCloseTo((16384 * 5120) / 1e9, 12)
  })

  it("the model listing names the sliding layers (config layer_types: 18 of 36 'sliding_attention', sliding_window 128)", () => {
    expect(summarizeModel(run('default').inputs.model).attention).toBe('GQA 64/8x64 + SWA 128 (18/36 layers)')
  })

  it('the compat profile times every layer over the whole context, as the reference does', () => {
    const c = cores(run('infersim').decode!.steps)
    expect(c['attn-core-window']).toBeUndefined()
    expect(c['attn-core'].count).toBe(1)
  })

  it('a GPU without sliding-window measurements times the full-attention kernel over the window in decode', () => {
    // A100: AIConfigurator measured no sliding-window kernel (and no head_dim 64 at all)
    const steps = run('default', 'A100-SXM').decode!.steps
    const w = steps.find((s) => s.id === 'attn-core-window')!
    const full = steps.find((s) => s.id === 'attn-core')!
    expect(w.shape).toEqual({batch: 8, kv_len: 128})
    // A100 measured head_dim 128 only: its 64-8-128 table stands in, and says so
    expect(w.mfu).toMatchObject({kind: 'borrowed', table: 'mha/decode/a100-sxm/64-8-128.csv'})
    expect(w.mfu!.note).toMatch(/head_dim 128 for 64/)
    // prefill: 64-8-128's measured MFU at 4,096 tokens, 0.6458 (a flat 0.9 before)
    const p = run('default', 'A100-SXM').prefill!.steps.find((s) => s.id === 'attn-core')!
    expect(p.mfu).toMatchObject({kind: 'borrowed', table: 'mha/prefill/a100-sxm/64-8-128.csv'})
    expect(p.mfu!.value).toBeCloseTo(0.6458, 3)
    expect(w.memorySeconds! / full.memorySeconds!).toBeCloseTo(128 / 5120, 6)
  })
})
