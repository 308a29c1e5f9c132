/**
 * SGLang keeps a DSA model's KV cache (DeepSeek-V3.2, GLM-5) in FP8 on GPUs
 * of compute capability 10 and up (its server arguments,
 * _set_default_nsa_kv_cache_dtype: fp8_e4m3 there, bfloat16 below), in the
 * FlashMLA sparse layout: 512 FP8 latent values, an FP32 scale per 128, the
 * 64-value rope key in BF16, 656 bytes a layer and token.
 */
import {describe, expect, it} from 'vitest'
import {serve} from '../../src/api/simulate.js'
import type {GpuDefaultRule} from '../../src/engine.js'
import {ruleApplies} from '../../src/serving/engine-on-gpu.js'

const rule: GpuDefaultRule = {when: {compute_capability_at_least: 10, sparse_attention: true}, values: {kv_cache_fp8: true}, source: 'test'}

const glm5 = (gpu: string, engine: 'sglang' | 'vllm', model = 'glm-5') =>
  serve({model, gpu, tp: 8, worldSize: 8, weightFormat: 'fp8', engine, concurrency: 64, isl: 8192, osl: 1024})

describe("SGLang's DSA KV cache on Blackwell", () => {
  it('applies where the GPU is compute capability 10 or more and the model has sparse attention', () => {
    const dsa = {sparseAttention: true}
    expect(ruleApplies(rule, {name: 'B200-SXM', memGiB: 180, computeCapability: 10}, undefined, dsa)).toBe(true)
    expect(ruleApplies(rule, {name: 'B300', memGiB: 288, computeCapability: 10.3}, undefined, dsa)).toBe(true)
    expect(ruleApplies(rule, {name: 'H200-SXM', memGiB: 141, computeCapability: 9}, undefined, dsa)).toBe(false)
    // Unknown: a GPU spec without it, or a caller that does not know the model.
    expect(ruleApplies(rule, {name: 'mine', memGiB: 180}, undefined, dsa)).toBe(false)
    expect(ruleApplies(rule, {name: 'B200-SXM', memGiB: 180, computeCapability: 10})).toBe(false)
    expect(ruleApplies(rule, {name: 'B200-SXM', memGiB: 180, computeCapability: 10}, undefined, {sparseAttention: false})).toBe(false)
  })

  it('GLM-5 on 8 B200s with SGLang: FP8, 656 + 132 bytes a layer and token', async () => {
    const s = (await glm5('B200-SXM', 'sglang')).serving
    expect(s.kvDtype).toBe('fp8')
    expect(s.kvFp8Reason).toBe('engine-default')
    // 78 layers x (656 latent and rope + 132 indexer key) bytes a token, isl + osl / 2 tokens a request.
    const perRequest = 78 * (656 + 132) * (8192 + 1024 / 2)
    expect(s.kvCapacity).toBe(Math.floor((s.kvPoolGiB * 1024 ** 3) / perRequest))
  })

  it('in the model dtype on H200, with vLLM, and for MLA without sparse attention', async () => {
    const h200 = (await glm5('H200-SXM', 'sglang')).serving
    expect(h200.kvDtype).toBe('model')
    // 78 x (576 x 2 + 132) bytes a token in BF16.
    expect(h200.kvCapacity).toBe(Math.floor((h200.kvPoolGiB * 1024 ** 3) / (78 * (576 * 2 + 132) * (8192 + 512))))
    expect((await glm5('B200-SXM', 'vllm')).serving.kvDtype).toBe('model')
    expect((await glm5('B200-SXM', 'sglang', 'deepseek-r1')).serving.kvDtype).toBe('model')
  })
})
