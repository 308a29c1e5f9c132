/** Weights narrower than the table a lookup reads stream fewer bytes (switch weightOnlyBytes). */
import {describe, expect, it} from 'vitest'
import {loadSimInputs} from '../../src/io/inputs.js'
import {getProfile} from '../../src/profile.js'
import {DEFAULT_DEPLOYMENT, type Deployment} from '../../src/sim/deployment.js'
import {simulate} from '../../src/sim/simulate.js'

// Llama-3.1-70B in FP8 on two A100s (no FP8 tensor cores: weight-only FP8, activations in BF16), one request
// decoding. Per GPU the QKV projection is 8192 x 5120. A100's only GEMM table is BF16 (AIConfigurator's
// A100 gemm_perf, SGLang 0.5.10): bench_data/gemm/a100-sxm/data.csv line 13679 times m = 1, k = 8192,
// n = 5120 in 57.08 us. Weight-only FP8 streams 8192 x 5120 x 1 B of weights and 2 x (8192 + 5120) B of
// activations where the BF16 kernel streams 8192 x 5120 x 2 B and the same: 0.50016 of the bytes.
const BF16_ROW_US = 57.08
const SHARE = (8192 * 5120 + 2 * (8192 + 5120)) / (8192 * 5120 * 2 + 2 * (8192 + 5120))

const deployment: Deployment = {...DEFAULT_DEPLOYMENT, worldSize: 2, tp: 2, decodeBatch: 1, isl: 1024, osl: 1024, mode: 'decode'}

const decode = (model: string, gpu: string, on: boolean, d: Deployment = deployment) => {
  const inputs = loadSimInputs({model, gpu, profile: 'default'})
  return simulate(inputs.model, d, inputs.gpu, inputs.tables, getProfile('default', {weightOnlyBytes: on})).decode!
}
const stepUs = (r: ReturnType<typeof decode>, id: string) => r.steps.find((s) => s.id === id)!.seconds * 1e6

describe('weightOnlyBytes', () => {
  it("times weight-only FP8 on A100 by the BF16 row's achieved bandwidth over its own bytes", () => {
    expect(SHARE).toBeCloseTo(0.50016, 5)
    const on = decode('llama-3.1-70b-fp8', 'A100-SXM', true)
    expect(stepUs(on, 'qkv-proj')).toBeCloseTo(BF16_ROW_US * SHARE, 2)
    const off = decode('llama-3.1-70b-fp8', 'A100-SXM', false)
    expect(stepUs(off, 'qkv-proj')).toBeCloseTo(BF16_ROW_US, 2)
    // The same bytes a GPU as BF16 weights at tp 4 (35 GB each): about the same decode step, not 1.8x it.
    const bf16 = decode('llama-3.1-70b', 'A100-SXM', true, {...deployment, worldSize: 4, tp: 4})
    expect(on.latencyMs / bf16.latencyMs).toBeGreaterThan(0.9)
    expect(on.latencyMs / bf16.latencyMs).toBeLessThan(1.1)
    expect(off.latencyMs / bf16.latencyMs).toBeGreaterThan(1.6)
  })

  it('leaves weights as wide as their table alone (FP8 on H100 reads its FP8 table)', () => {
    const at = (on: boolean) => decode('llama-3.1-70b-fp8', 'H100-SXM', on).latencyMs
    expect(at(true)).toBe(at(false))
  })

  it("keeps gpt-oss's attention in BF16, as its checkpoint's quantization config leaves it", () => {
    // modules_to_not_convert: model.layers.*.self_attn; the MXFP4 covers the experts.
    const inputs = loadSimInputs({model: 'gpt-oss-120b', gpu: 'H100-SXM', profile: 'default'})
    expect(inputs.model.shippedAttentionUnquantized).toBe(true)
    const r = decode('gpt-oss-120b', 'H100-SXM', true, {...deployment, worldSize: 1, tp: 1})
    const at = (on: boolean) => stepUs(decode('gpt-oss-120b', 'H100-SXM', on, {...deployment, worldSize: 1, tp: 1}), 'qkv-proj')
    // Read from the BF16 table as BF16 weights: the switch has nothing to narrow.
    expect(at(true)).toBe(at(false))
    expect(r.steps.find((s) => s.id === 'qkv-proj')!.mfu!.table).toBe('gemm/h100-sxm/bf16.csv')
  })

  it("reads the LM head as BF16 in an FP8 checkpoint, as its recipe leaves lm_head out and the pool's memory counts it", () => {
    // Llama-3.1-70B FP8 on one H200, one request: the LM head is 8192 x 128256, 2.1 GB in BF16, at least
    // 437.8 us at 4.8 TB/s; the QKV projection reads the FP8 table.
    const r = decode('llama-3.1-70b-fp8', 'H200-SXM', true, {...deployment, worldSize: 1, tp: 1})
    const head = r.steps.find((s) => s.id === 'lm-head')!
    expect(head.mfu!.table).toBe('gemm/h200-sxm/bf16.csv')
    expect(head.seconds * 1e6).toBeGreaterThanOrEqual((8192 * 128256 * 2) / 4.8e6)
    expect(r.steps.find((s) => s.id === 'qkv-proj')!.mfu!.table).toBe('gemm/h200-sxm/data.csv')
  })

  it('is on by default and off in the compat profile', () => {
    expect(getProfile('default').switches.weightOnlyBytes).toBe(true)
    expect(getProfile('infersim').switches.weightOnlyBytes).toBe(false)
  })
})
