/** The embedding and LM head take memory from a serving engine's KV pool (switch lmHead). */
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
