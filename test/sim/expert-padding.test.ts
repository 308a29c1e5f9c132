/**
 * Grouped expert GEMMs that pad each expert's tokens to a block of rows
 * (DeepGEMM's contiguous layout, 128 rows): at decode every active expert
 * costs a whole block. Worked by hand for Qwen3-235B-A22B (hidden 4,096,
 * expert width 1,536, 128 experts, top 8; its config.json) at MoE TP 2:
 * one GPU holds all 128 experts at width 768.
 */
import {describe, expect, it} from 'vitest'
import {loadSimInputs} from '../../src/io/inputs.js'
import {makeContext, makeResolver} from '../../src/sim/context.js'
import {DEFAULT_DEPLOYMENT, type Deployment} from '../../src/sim/deployment.js'
import {expertBlockRows} from '../../src/sim/expert-padding.js'
import {paddedExpertRows, routedFfn} from '../../src/sim/ffn.js'
import {resolveWeightFormat} from '../../src/sim/weight-format.js'

/** FLOPs of one (token, expert) row at width 768: up/gate 2 x 4,096 x 1,536 and down 2 x 768 x 4,096. */
const FLOPS_PER_ROW = 2 * 4096 * 768 * 3

function expertStep(m: number, d: Partial<Deployment>, phase: 'decode' | 'prefill' = 'decode') {
  const inputs = loadSimInputs({model: 'qwen3-235b-a22b', gpu: 'H200-SXM', profile: 'default'})
  const deployment: Deployment = {...DEFAULT_DEPLOYMENT, worldSize: 2, tp: 2, fp8Gemm: true, ...d}
  const weights = resolveWeightFormat(inputs.model, deployment, inputs.gpu, inputs.profile.switches)
  const ctx = makeContext(inputs.model, deployment, inputs.gpu, inputs.profile.switches, makeResolver(inputs.tables, inputs.gpu, inputs.profile.switches, weights), weights)
  const step = routedFfn(ctx, phase, m)
  // The step's FLOPs, from its compute floor at the FP8 peak (1,978 TFLOP/s).
  return {step, flops: (step.computeFloorSeconds ?? 0) * 1978e12}
}

describe('padded expert rows', () => {
  it('a whole block for every active expert while they get under half a block, then the pairs and half a block each', () => {
    // 4 tokens x 8 = 32 pairs; active experts 128 x (1 - (120/128)^4) = 29.123046875.
    expect(paddedExpertRows(32, 29.123046875, 128)).toBeCloseTo(3727.75, 6)
    // 8,192 tokens: 65,536 pairs over all 128 experts, 512 each, plus 64 rows of padding each.
    expect(paddedExpertRows(65536, 128, 128)).toBe(73728)
    // At half a block an expert the two readings meet: 64 x 128 pairs over 128 experts.
    expect(paddedExpertRows(8192, 128, 128)).toBe(16384)
    expect(paddedExpertRows(32, 29, 0)).toBe(32)
  })

  it('the expert GEMMs of 4 decode tokens run 3,727.75 rows instead of 32, and the table is read there', () => {
    const plain = expertStep(4, {})
    const padded = expertStep(4, {moeExpertBlockRows: 128})
    expect(plain.flops / FLOPS_PER_ROW).toBeCloseTo(32, 6)
    expect(padded.flops / FLOPS_PER_ROW).toBeCloseTo(3727.75, 4)
    expect(padded.step.shape).toMatchObject({tokens: 4, paddedRows: 3727.75})
    // Each active expert's 128 rows at the grouped GEMM's MFU for 3,727.75 / 8 tokens: about 4x the unpadded step, which streams the same 29 experts.
    expect(padded.step.seconds / plain.step.seconds).toBeGreaterThan(3)
    expect(padded.step.seconds).toBeCloseTo(padded.flops / (1978e12 * padded.step.mfu!.value), 9)
  })

  it('not where the wide-EP tables (DeepEP + DeepGEMM) time the experts: they hold the padding already', () => {
    // DeepSeek-R1 (hidden 7,168, expert width 2,048, 256 experts, top 8) on 8 GPUs, MoE EP 8: 32 experts a GPU.
    // 4 tokens: 4 x 8 / 8 = 4 pairs on a GPU; padded, 32 x (1 - (248/256)^4) = 3.8167 active experts of 128 rows.
    const perRow = 2 * 7168 * 2048 * 3
    const step = (deepep: boolean) => {
      const inputs = loadSimInputs({model: 'deepseek-r1', gpu: 'H200-SXM', profile: 'default'})
      const deployment: Deployment = {...DEFAULT_DEPLOYMENT, worldSize: 8, tp: 8, moeEp: 8, fp8Gemm: true, deepep, moeExpertBlockRows: 128}
      const weights = resolveWeightFormat(inputs.model, deployment, inputs.gpu, inputs.profile.switches)
      const ctx = makeContext(inputs.model, deployment, inputs.gpu, inputs.profile.switches, makeResolver(inputs.tables, inputs.gpu, inputs.profile.switches, weights), weights)
      return ((routedFfn(ctx, 'decode', 4).computeFloorSeconds ?? 0) * 1978e12) / perRow
    }
    expect(step(true)).toBeCloseTo(4, 6)
    expect(step(false)).toBeCloseTo(32 * (1 - (248 / 256) ** 4) * 128, 3)
  })

  it('a prompt of 8,192 tokens pays half a block an expert: 73,728 rows for 65,536 pairs', () => {
    const padded = expertStep(8192, {moeExpertBlockRows: 128}, 'prefill')
    expect(padded.flops / FLOPS_PER_ROW).toBeCloseTo(73728, 3)
  })
})

describe('where an engine pads its expert GEMMs', () => {
  const qwen = {ffn: {isMoe: true}, modelType: 'qwen3_moe'} as Parameters<typeof expertBlockRows>[1]
  it("FP8 experts a checkpoint ships scaled per block, or a Qwen MoE's BF16 config served in FP8 (Qwen's block-FP8 release)", () => {
    expect(expertBlockRows(128, qwen, 'fp8')).toBe(128)
    expect(expertBlockRows(128, {...qwen, modelType: 'qwen3_5_moe'}, 'fp8')).toBe(128)
    expect(expertBlockRows(128, {...qwen, modelType: 'deepseek_v3', shippedQuant: 'fp8', shippedFp8BlockScaled: true}, 'fp8')).toBe(128)
  })

  it('not per-tensor FP8, BF16 or 4-bit experts, another BF16 MoE config served in FP8, a dense model, or an engine that does not pad', () => {
    expect(expertBlockRows(128, {...qwen, shippedQuant: 'fp8'}, 'fp8')).toBeUndefined()
    for (const f of ['bf16', 'nvfp4', 'mxfp4', 'int4'] as const) expect(expertBlockRows(128, qwen, f)).toBeUndefined()
    for (const t of ['mixtral', 'llama4', 'glm_moe_dsa']) expect(expertBlockRows(128, {...qwen, modelType: t}, 'fp8')).toBeUndefined()
    expect(expertBlockRows(128, {...qwen, ffn: {isMoe: false}} as typeof qwen, 'fp8')).toBeUndefined()
    expect(expertBlockRows(0, qwen, 'fp8')).toBeUndefined()
  })
})
