import {describe, expect, it} from 'vitest'
import {loadSimInputs} from '../../src/io/inputs.js'
import {servingContext} from '../../src/serving/context.js'
import {buildStepCost} from '../../src/serving/step-cost.js'
import {DEFAULT_DEPLOYMENT, type Deployment} from '../../src/sim/deployment.js'

function costOf(model: string, tp: number, moeEp = 1, over: Partial<Deployment> = {}) {
  const inputs = loadSimInputs({model, gpu: 'H100-SXM', profile: 'default'})
  const d: Deployment = {...DEFAULT_DEPLOYMENT, worldSize: tp, tp, isl: 2048, osl: 512, moeEp, ...over}
  const {ctx} = servingContext(inputs.model, d, inputs.gpu, inputs.tables, inputs.profile)
  return {cost: buildStepCost(ctx, {isl: 2048, osl: 512}), model: inputs.model}
}

describe('the step cost of a mixed batch', () => {
  const {cost} = costOf('llama-3.1-8b', 2)

  it('grows with the tokens of a step, and a token costs less in a big step than alone', () => {
    const ts = [1, 8, 64, 512, 4096, 16384].map((t) => cost.gemmSeconds(t))
    for (let i = 1; i < ts.length; i++) expect(ts[i]).toBeGreaterThan(ts[i - 1])
    expect(ts[5] / 16384).toBeLessThan(ts[0])
  })

  it('interpolates between grid points', () => {
    const [a, b, c] = [cost.gemmSeconds(64), cost.gemmSeconds(80), cost.gemmSeconds(96)]
    expect(b).toBeGreaterThanOrEqual(Math.min(a, c))
    expect(b).toBeLessThanOrEqual(Math.max(a, c))
  })

  it('reads TP all-reduce time from the measured table, and none without TP', () => {
    expect(cost.commSource).toBe('comm/h100-sxm/allreduce.csv')
    expect(cost.commSeconds(256)).toBeGreaterThan(0)
    expect(costOf('llama-3.1-8b', 1).cost.commSeconds(256)).toBe(0)
  })

  it('charges decode attention per decoding request and prefill attention per prompt', () => {
    expect(cost.decodeAttentionSeconds(64)).toBeGreaterThan(cost.decodeAttentionSeconds(8))
    expect(cost.decodeAttentionSeconds(0)).toBe(0)
    expect(cost.prefillAttentionSeconds).toBeGreaterThan(0)
    expect(cost.meanKvLength).toBe(2048 + 256)
  })

  it('keeps KV bytes per token of the TP shard', () => {
    // Llama 3.1 8B: 32 layers x 8 KV heads / tp 2 x 128 x (K and V) x 2 bytes
    expect(cost.kvBytesPerToken).toBe(32 * 4 * 128 * 2 * 2)
  })
})

describe('MoE inside a TP replica', () => {
  it('costs the same order with expert parallelism as with MoE tensor parallelism, and loads fewer experts at small batches', () => {
    const tpMoe = costOf('qwen3-235b-a22b', 4, 1, {fp8Gemm: true}).cost
    const epMoe = costOf('qwen3-235b-a22b', 4, 4, {fp8Gemm: true}).cost
    const work = (c: typeof tpMoe, t: number) => c.gemmSeconds(t) + c.moeSeconds(t)
    for (const t of [8, 512, 8192]) {
      const ratio = work(epMoe, t) / work(tpMoe, t)
      expect(ratio).toBeGreaterThan(0.3)
      expect(ratio).toBeLessThan(3)
    }
    // one token activates 8 of 128 experts: far cheaper than 64 tokens, which activate most of them
    expect(epMoe.moeSeconds(1)).toBeLessThan(epMoe.moeSeconds(64) * 0.6)
    expect(epMoe.weightBytesPerGpu).toBeCloseTo(tpMoe.weightBytesPerGpu, -3)
  })
})
