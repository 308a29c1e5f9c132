/** Speculative decoding in the static phases (simulate --mtp without --serving): the verify's attention, the draft, TPOT over the acceptance length. */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {calibrate} from '../../src/api/calibrate.js'
import {simulate as simulateApi} from '../../src/api/simulate.js'
import {loadEngine} from '../../src/io/engines.js'
import {loadSimInputs} from '../../src/io/inputs.js'
import {DEFAULT_DEPLOYMENT, type Deployment} from '../../src/sim/deployment.js'
import {simulate} from '../../src/sim/simulate.js'
import {acceptLengthOf} from '../../src/serving/speculative.js'

const llama = loadSimInputs({model: 'llama-3.1-70b', gpu: 'H200-SXM', profile: 'default'})
// Llama-3.1-70B at tp 8: 8 query heads over 1 KV head of 128 on each GPU. 32 requests at 2048 + 4096 / 2 = 4096 keys.
const tp8: Deployment = {...DEFAULT_DEPLOYMENT, worldSize: 8, tp: 8, decodeBatch: 32, isl: 2048, osl: 4096, mode: 'decode'}
const THREE = {draftTokens: 3, acceptLength: acceptLengthOf(3, 0.7), acceptLengthFrom: 'assumed' as const}
const ONE = {draftTokens: 1, acceptLength: acceptLengthOf(1, 0.7), acceptLengthFrom: 'assumed' as const}

const decodeOf = (inputs: typeof llama, d: Deployment) => simulate(inputs.model, d, inputs.gpu, inputs.tables, inputs.profile).decode!
const stepUs = (inputs: typeof llama, d: Deployment, id: string) => decodeOf(inputs, d).steps.find((s) => s.id === id)!.seconds * 1e6

describe("the verify step's attention", () => {
  it("reads each request's KV once for its k + 1 queries: the table of k + 1 times the query heads", () => {
    // AIConfigurator generation_attention_perf, H200, BF16 KV, 32 requests at 4,096 keys: 8 query heads over 1 KV
    // head of 128 take 27.96 us (8-1-128), 32 over 1 take 28.92 us (32-1-128); 128 requests of 8 heads, 72.15 us.
    expect(stepUs(llama, tp8, 'attn-core')).toBeCloseTo(27.96, 1)
    expect(stepUs(llama, {...tp8, speculative: THREE}, 'attn-core')).toBeCloseTo(28.92, 1)
    expect(stepUs(llama, {...tp8, decodeBatch: 128}, 'attn-core')).toBeCloseTo(72.15, 1)
  })

  it('where that many heads were not measured, takes the time of the fewest more that were', () => {
    // 8 x 3 = 24 query heads over 1: no H200 table; 32 over 1 take 28.92 us at 32 requests and 4,096 keys.
    const TWO = {draftTokens: 2, acceptLength: acceptLengthOf(2, 0.7), acceptLengthFrom: 'assumed' as const}
    expect(stepUs(llama, {...tp8, speculative: TWO}, 'attn-core')).toBeCloseTo(28.92, 1)
  })

  it('where the GPU has no table of that many heads, reads it as k + 1 requests a request (the KV read each time)', () => {
    // DeepSeek-R1 on one GPU's worth of heads (tp 1: 128 MLA heads); 256 were not measured.
    const r1 = loadSimInputs({model: 'deepseek-r1', gpu: 'H200-SXM', profile: 'default'})
    const dp: Deployment = {...DEFAULT_DEPLOYMENT, worldSize: 8, tp: 1, fp8Gemm: true, decodeBatch: 16, isl: 1024, osl: 1024, mode: 'decode'}
    expect(stepUs(r1, {...dp, speculative: ONE}, 'attn-core')).toBe(stepUs(r1, {...dp, decodeBatch: 32}, 'attn-core'))
  })
})

describe('a static decode step under speculative decoding', () => {
  const plain = decodeOf(llama, tp8)
  const mtp = decodeOf(llama, {...tp8, speculative: THREE})
  const s = mtp.speculative!

  it('runs the model over k + 1 tokens a request: its matrix work is that of (k + 1) times the batch', () => {
    expect(stepUs(llama, {...tp8, speculative: THREE}, 'ffn')).toBe(stepUs(llama, {...tp8, decodeBatch: 128}, 'ffn'))
    expect(mtp.batch).toBe(32)
  })

  it('adds the draft: k forwards of one layer and the LM head, so three draft tokens cost three times one', () => {
    const one = decodeOf(llama, {...tp8, speculative: ONE}).speculative!
    expect(s.draftMs).toBeCloseTo(3 * one.draftMs, 9)
    // One forward of one of the 80 layers and the LM head, beside the model's 80 at four times the tokens.
    expect(one.draftMs).toBeGreaterThan((plain.latencyMs - plain.overheadMs) / 80)
    expect(one.draftMs).toBeLessThan((s.verifyMs / 80) * 4)
  })

  it('gives each request L tokens a step: TPOT is the step over L, and tokens/GPU/s count L a request', () => {
    expect(s.stepMs).toBeCloseTo(s.verifyMs + s.draftMs + mtp.overheadMs, 9)
    expect(mtp.latencyMs).toBeCloseTo(s.stepMs / 2.533, 9)
    expect(mtp.tgs).toBeCloseTo((32 * 2.533) / 8 / (s.stepMs / 1000), 6)
    expect(mtp.latencyMs).toBeLessThan(plain.latencyMs)
    expect(s).toMatchObject({draftTokens: 3, draft: 'one-layer-head', acceptLengthFrom: 'assumed'})
    expect(plain.speculative).toBeUndefined()
  })

  it("counts the draft's forwards in the engine's per-layer overhead", () => {
    const engine = loadEngine('sglang')
    const withEngine = (d: Deployment) => simulate(llama.model, d, llama.gpu, llama.tables, llama.profile, {engine}).decode!.overheadMs
    // Three forwards of one layer more, at the engine's time a layer (a dense model: no MoE layers).
    expect(withEngine({...tp8, speculative: THREE}) - withEngine(tp8)).toBeCloseTo((3 * engine.params.layer_overhead_us) / 1000, 9)
  })
})

describe("the draft layer's memory", () => {
  it("adds one of Llama-3.1-70B's 80 layers to the weights and to the KV cache per token, as serving counts it", () => {
    const run = (d: Deployment) => simulate(llama.model, d, llama.gpu, llama.tables, llama.profile)
    const plain = run(tp8)
    const mtp = run({...tp8, speculative: ONE})
    expect(mtp.kvCache.kvBytesPerToken / plain.kvCache.kvBytesPerToken).toBeCloseTo(81 / 80, 12)
    expect(plain.kvCache.spaceGiB - mtp.kvCache.spaceGiB).toBeCloseTo(plain.weights.perGpuBytes / 80 / 1024 ** 3, 9)
    // --decode-batch max: the largest batch that fits shrinks with them.
    const max = (d: Deployment) => run({...d, decodeBatch: 'max'}).deployment.decodeBatch
    expect(max({...tp8, speculative: ONE})).toBeLessThan(max(tp8))
    expect(max({...tp8, speculative: ONE})).toBeGreaterThanOrEqual(Math.floor(max(tp8) * (80 / 81) * 0.99))
  })
})

describe("a hybrid model's draft layer", () => {
  // Qwen3.5-397B-A17B: 60 layers, 15 of them full attention with 2 KV heads of 256; at tp 8 each GPU keeps one
  // KV head (K and V in BF16): 2 x 256 x 2 = 1,024 bytes a full-attention layer per token, 15,360 over the 15.
  // The draft is a full-attention layer: 1,024 bytes more, a fifteenth, where an average layer would add a sixtieth.
  const qwen = loadSimInputs({model: 'qwen3.5-397b-a17b', gpu: 'H200-SXM', profile: 'default'})
  const d: Deployment = {...DEFAULT_DEPLOYMENT, worldSize: 8, tp: 8, decodeBatch: 16, isl: 4096, osl: 1024, mode: 'decode'}
  it('adds one full-attention layer to the KV cache per token, and keeps the recurrent state as it is', () => {
    const run = (x: Deployment) => simulate(qwen.model, x, qwen.gpu, qwen.tables, qwen.profile).kvCache
    const plain = run(d)
    const mtp = run({...d, speculative: ONE})
    expect(plain.kvBytesPerToken).toBe(15_360)
    expect(mtp.kvBytesPerToken).toBe(16_384)
    expect(mtp.perRequestKvBytes).toBe(16_384 * 5120)
    expect(mtp.perRequestStateBytes).toBe(plain.perRequestStateBytes)
  })
  it('sizes the serving KV pool the same way', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'infersim-hybrid-mtp-'))
    try {
      const serve = async (mtp?: number) => (await simulateApi({model: 'qwen3.5-397b-a17b', gpu: 'H200-SXM', worldSize: 8, tp: 8, isl: 4096, osl: 1024, serving: true, concurrency: 16, engine: 'sglang', engineDir: home, ...(mtp ? {mtp} : {})})).serving!
      const plain = await serve()
      const mtp = await serve(1)
      // A request holds isl + osl / 2 = 4,608 tokens on average (SGLang grows its pages) beside its recurrent state.
      const state = (bytesPerRequest: number, s: typeof plain) => (s.kvPoolGiB * 1024 ** 3) / s.kvCapacity - bytesPerRequest
      // What is left of a request's share of the pool is its recurrent state, the same with the draft or without
      // (to the pool's rounding to whole requests); an average layer's KV (256 bytes) would leave 3.5 MB less of it.
      expect(state(15_360 * 4608, plain)).toBeGreaterThan(1e6)
      expect(Math.abs(state(16_384 * 4608, mtp) / state(15_360 * 4608, plain) - 1)).toBeLessThan(0.01)
    } finally {
      rmSync(home, {recursive: true, force: true})
    }
  })
})

describe('simulate --mtp without --serving', () => {
  it('prefills through the draft layer too: one layer more over the prompts', () => {
    const d: Deployment = {...tp8, mode: 'prefill', maxPrefillTokens: 4096, isl: 4096}
    const prefill = simulate(llama.model, {...d, speculative: ONE}, llama.gpu, llama.tables, llama.profile).prefill!
    const s = prefill.speculative!
    // A dense model's layers are all alike: the draft's is one eightieth of the model's (LM head aside).
    const lmHeadMs = prefill.steps.find((x) => x.id === 'lm-head')!.seconds * 1000
    expect(s.draftMs).toBeCloseTo((s.verifyMs - lmHeadMs) / 80, 2)
    expect(prefill.latencyMs).toBeCloseTo(s.stepMs, 12)
  })

  it('reports the step of draft and verify, and takes --mtp in every mode', async () => {
    const r = await simulateApi({model: 'llama-3.1-70b', gpu: 'H200-SXM', worldSize: 8, tp: 8, decodeBatch: 32, isl: 2048, osl: 4096, mtp: 3, acceptLength: 3})
    expect(r.decode!.speculative).toMatchObject({draftTokens: 3, acceptLength: 3, acceptLengthFrom: 'given'})
    expect(r.decode!.latencyMs).toBeCloseTo(r.decode!.speculative!.stepMs / 3, 9)
    expect(r.prefill!.speculative!.draftMs).toBeGreaterThan(0)
    const prefillOnly = await simulateApi({model: 'llama-3.1-70b', gpu: 'H200-SXM', worldSize: 8, tp: 8, prefillOnly: true, mtp: 1})
    expect(prefillOnly.prefill!.speculative).toBeDefined()
  })
})

describe('a measured decode row with columns mtp and accept_length', () => {
  it('is predicted as simulate --decode-only --mtp predicts it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'infersim-mtp-decode-'))
    try {
      const file = path.join(dir, 'decode.csv')
      const head = 'id,model,gpu,world_size,nodes,tp,fp8_gemm,fp8_kv,deepep,tbo,isl,osl,phase,max_prefill_tokens,decode_batch,metric,actual,source,notes,mtp,accept_length'
      const row = (id: string, mtp: string, accept: string) => `${id},llama-3.1-70b,H200-SXM,8,1,8,0,0,0,0,2048,4096,decode,,32,tpot_ms,20,test,,${mtp},${accept}`
      writeFileSync(file, [head, row('plain', '', ''), row('mtp', '3', '3')].join('\n') + '\n')
      const rows = (await calibrate({measurements: [file], profile: 'default'})).rows
      const at = (id: string) => rows.find((r) => r.id === id)!.simulated!
      const sim = (await simulateApi({model: 'llama-3.1-70b', gpu: 'H200-SXM', worldSize: 8, tp: 8, decodeBatch: 32, isl: 2048, osl: 4096, decodeOnly: true, mtp: 3, acceptLength: 3})).decode!
      expect(at('mtp')).toBe(sim.latencyMs)
      expect(at('mtp')).toBeLessThan(at('plain'))
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
})
