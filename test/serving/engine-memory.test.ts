/** What a serving engine holds beside the KV pool (the embedding and LM head, switch lmHead) and in it (a DSA indexer's keys). */
import {describe, expect, it} from 'vitest'
import {embeddingBytesPerGpu} from '../../src/cost/weights.js'
import {loadEngine} from '../../src/io/engines.js'
import {loadSimInputs} from '../../src/io/inputs.js'
import {getProfile} from '../../src/profile.js'
import {servingProblem} from '../../src/serving/simulate.js'
import {DEFAULT_DEPLOYMENT} from '../../src/sim/deployment.js'

// Qwen3-32B (config.json): vocab_size 151,936, hidden_size 5,120, tie_word_embeddings false. Embedding and LM head in
// BF16: 2 x 151,936 x 5,120 x 2 B = 3,111,714,816 B on one GPU, a quarter of it on each of 4.
const QWEN3_32B_EMBEDDING = 2 * 151936 * 5120 * 2

describe('embeddingBytesPerGpu', () => {
  it('is the BF16 embedding and LM head, split by vocabulary over tp; a tied LM head counts once', () => {
    expect(embeddingBytesPerGpu({vocab: 151936, hidden: 5120, tiedEmbeddings: false}, 1)).toBe(QWEN3_32B_EMBEDDING)
    expect(embeddingBytesPerGpu({vocab: 151936, hidden: 5120, tiedEmbeddings: false}, 4)).toBe(QWEN3_32B_EMBEDDING / 4)
    expect(embeddingBytesPerGpu({vocab: 151936, hidden: 5120, tiedEmbeddings: true}, 1)).toBe(QWEN3_32B_EMBEDDING / 2)
  })
})

describe("a serving engine's memory", () => {
  const inputs = loadSimInputs({model: 'qwen3-32b', gpu: 'H100-SXM', profile: 'default'})
  const weights = (tp: number, lmHead: boolean) => {
    const d = {...DEFAULT_DEPLOYMENT, worldSize: tp, tp, isl: 1024, osl: 1024}
    const profile = getProfile('default', {lmHead})
    return servingProblem(inputs.model, d, inputs.gpu, inputs.tables, profile, {concurrency: 8, engine: loadEngine('sglang')}).cost.weightBytesPerGpu
  }

  it('holds the embedding and LM head beside the layers, with the LM head counted', () => {
    expect(weights(1, true) - weights(1, false)).toBe(QWEN3_32B_EMBEDDING)
    expect(weights(4, true) - weights(4, false)).toBe(QWEN3_32B_EMBEDDING / 4)
  })
})

describe('the KV cache a DSA (sparse attention) model keeps per token', () => {
  it("counts each layer's indexer key (FP8, with its FP32 scale) beside the MLA latent", () => {
    // DeepSeek-V3.2 (config.json): 61 layers, kv_lora_rank 512 + qk_rope_head_dim 64 in BF16 = 1,152 B, and an
    // index_head_dim of 128 in FP8 + 4 B of scale = 132 B: 61 x 1,284 = 78,324 B a token on every GPU.
    const inputs = loadSimInputs({model: 'deepseek-v3.2', gpu: 'H200-SXM', profile: 'default'})
    const d = {...DEFAULT_DEPLOYMENT, worldSize: 8, tp: 8, isl: 1024, osl: 1024}
    const cost = servingProblem(inputs.model, d, inputs.gpu, inputs.tables, inputs.profile, {concurrency: 8, engine: loadEngine('sglang')}).cost
    expect(cost.kvBytesPerToken).toBe(61 * (576 * 2 + 132))
    // DeepSeek-V3, the same latent without an indexer.
    const v3 = loadSimInputs({model: 'deepseek-v3', gpu: 'H200-SXM', profile: 'default'})
    expect(servingProblem(v3.model, d, v3.gpu, v3.tables, v3.profile, {concurrency: 8, engine: loadEngine('sglang')}).cost.kvBytesPerToken).toBe(61 * 576 * 2)
  })
})
