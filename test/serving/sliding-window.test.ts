/**
 * gpt-oss attends over a sliding window of 128 tokens in every other layer
 * (config: layer_types, sliding_window). Those layers keep at most 128
 * tokens of a request's KV cache, which sizes the serving KV pool.
 */
import {describe, expect, it} from 'vitest'
import {loadModel} from '../../src/io/models.js'
import {loadSimInputs} from '../../src/io/inputs.js'
import {loadEngine} from '../../src/io/engines.js'
import {DEFAULT_DEPLOYMENT} from '../../src/sim/deployment.js'
import {servingProblem} from '../../src/serving/simulate.js'
import {attentionDpRanks, servingRun} from '../../src/calibrate/serving.js'
import {findGpu} from '../../src/hardware/gpu.js'
import {loadGpus} from '../../src/io/gpus.js'
import type {MeasurementRow} from '../../src/calibrate/types.js'

describe('sliding-window layers', () => {
  it('are read from layer_types in the default profile: gpt-oss-120b has 18 of its 36 layers at 128 tokens', () => {
    const m = loadModel('gpt-oss-120b', {publishedConfigs: true})
    expect(m.layers).toBe(36)
    expect(m.attention.kind === 'mha' && m.attention.slidingWindow).toEqual({window: 128, layers: 18})
    const compat = loadModel('gpt-oss-120b', {publishedConfigs: false})
    expect(compat.attention.kind === 'mha' && compat.attention.slidingWindow).toBeUndefined()
    expect(loadModel('llama-3.1-70b', {publishedConfigs: true}).attention).not.toHaveProperty('slidingWindow')
  })

  it('keep 128 tokens a request in the serving KV pool; the full-attention layers keep the whole context', () => {
    const i = loadSimInputs({model: 'gpt-oss-120b', gpu: 'H100-SXM', profile: 'default'})
    const d = {...DEFAULT_DEPLOYMENT, worldSize: 1, tp: 1, isl: 4000, osl: 1000, mode: 'both' as const}
    const {cost} = servingProblem(i.model, d, i.gpu, i.tables, i.profile, {concurrency: 8, engine: loadEngine('trtllm')})
    // One layer, one token: K and V of 8 KV heads of 64 dims in bf16 = 2 x 8 x 64 x 2 = 2,048 bytes.
    expect(cost.kvBytesPerToken).toBe(18 * 2048)
    expect(cost.stateBytesPerRequest).toBe(18 * 128 * 2048)
  })
})

describe('attention data-parallel ranks named by the id', () => {
  const row = (id: string, tp: number, decodeBatch: number) =>
    ({id, model: 'gpt-oss-120b', gpu: 'H100-SXM', world_size: tp, nodes: 1, tp, fp8_gemm: 1, fp8_kv: 0, deepep: 0, tbo: 0, isl: 4000, osl: 1000, phase: 'serving',
      max_prefill_tokens: null, decode_batch: decodeBatch, metric: 'tpot_ms', actual: 48.8, source: 'test', notes: '', file: 't.csv', line: 2, baseDir: '.',
      extra: {moe_tp: String(tp), moe_ep: '1', backend: 'trtllm'}}) as MeasurementRow

  it("reads the id's concurrency over decode_batch as tp ranks of attention", () => {
    expect(attentionDpRanks(row('openai_gpt_oss_120b_h100_sxm_trtllm_agg_4000x1000_c192_tp4_epnone_1-tpot', 4, 48))).toBe(4)
    expect(attentionDpRanks(row('qwen3_32b_h100_sxm_trtllm_agg_1024x128_c16_tp2_epnone_1-tpot', 2, 16))).toBeUndefined()
    expect(attentionDpRanks(row('no_concurrency_token-tpot', 4, 48))).toBeUndefined()
  })

  it('lays such a row out as tp ranks of tp 1, each with decode_batch requests', () => {
    const gpu = findGpu(loadGpus(), 'H100-SXM')!
    const r = servingRun(row('openai_gpt_oss_120b_h100_sxm_trtllm_agg_4000x1000_c192_tp4_epnone_1-tpot', 4, 48), loadModel('gpt-oss-120b', {publishedConfigs: true}), gpu)
    expect(r.deployment).toMatchObject({worldSize: 4, tp: 1})
    expect(r.concurrency).toBe(48)
    expect(r.notes.join(' ')).toMatch(/attention data-parallel: the id's concurrency \(192\) is decode_batch \(48\) per rank over tp 4 ranks/)
  })
})
