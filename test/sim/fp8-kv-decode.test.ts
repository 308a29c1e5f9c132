/** FP8-KV decode attention timed by the tables' own kernel, or by an engine's that reads FP8 at the BF16 kernel's bandwidth. */
import {describe, expect, it} from 'vitest'
import {loadEngine} from '../../src/io/engines.js'
import {loadSimInputs} from '../../src/io/inputs.js'
import {servingProblem} from '../../src/serving/simulate.js'
import {valueWithout} from '../helpers/engine-file.js'
import {DEFAULT_DEPLOYMENT, type Deployment, type Fp8KvDecode} from '../../src/sim/deployment.js'
import {simulate} from '../../src/sim/simulate.js'

// AIConfigurator generation_attention_perf, SGLang 0.5.14 on H200, 64 query / 8 KV heads of 128 (Llama-3.1-70B on one GPU),
// 8 requests at 4,096 keys: 0.04262 ms with a BF16 KV cache, 0.04263 ms with an FP8 one (no faster for half the bytes).
const BF16_US = 42.62
const FP8_US = 42.63

// 8 requests decoding at 2048 + 4096 / 2 = 4096 keys.
const deployment: Deployment = {...DEFAULT_DEPLOYMENT, worldSize: 1, tp: 1, decodeBatch: 8, isl: 2048, osl: 4096, mode: 'decode'}
const inputs = loadSimInputs({model: 'llama-3.1-70b', gpu: 'H200-SXM', profile: 'default'})

const coreUs = (d: Partial<Deployment>) => {
  const r = simulate(inputs.model, {...deployment, ...d}, inputs.gpu, inputs.tables, inputs.profile)
  return r.decode!.steps.find((s) => s.id === 'attn-core')!.seconds * 1e6
}

describe('FP8-KV decode attention', () => {
  it('reads the FP8-KV row as measured by default, and the BF16 row for a BF16 cache', () => {
    expect(coreUs({fp8Kv: false})).toBeCloseTo(BF16_US, 1)
    expect(coreUs({fp8Kv: true})).toBeCloseTo(FP8_US, 1)
    expect(coreUs({fp8Kv: true, fp8KvDecode: 'measured'})).toBeCloseTo(FP8_US, 1)
  })

  it("an engine's native FP8 kernel takes half the BF16 row's time: the same bandwidth over half the bytes", () => {
    expect(coreUs({fp8Kv: true, fp8KvDecode: 'bf16-bandwidth'})).toBeCloseTo(BF16_US / 2, 1)
    // A BF16 cache is unchanged by the engine's FP8 kernel.
    expect(coreUs({fp8Kv: false, fp8KvDecode: 'bf16-bandwidth'})).toBeCloseTo(BF16_US, 1)
  })

  it("no faster than reading the FP8 bytes at the GPU's bandwidth", () => {
    const step = (d: Partial<Deployment>) =>
      simulate(inputs.model, {...deployment, ...d}, inputs.gpu, inputs.tables, inputs.profile).decode!.steps.find((s) => s.id === 'attn-core')!
    const fp8 = step({fp8Kv: true, fp8KvDecode: 'bf16-bandwidth'})
    // The bytes' floor: 8 requests x 4096 keys x 8 KV heads x 128 x (K and V) x 1 byte, half the BF16 cache's.
    expect(fp8.memorySeconds! / step({fp8Kv: false}).memorySeconds!).toBeCloseTo(0.5, 12)
    expect(fp8.seconds).toBeGreaterThan(fp8.memorySeconds!)
    // 64 requests: half the BF16 row (252.5 / 2 us) would beat 8x those bytes, which then set the time.
    const at64 = step({decodeBatch: 64, fp8Kv: true, fp8KvDecode: 'bf16-bandwidth'})
    expect(at64.seconds).toBeCloseTo(8 * fp8.memorySeconds!, 12)
    expect(at64.seconds * 1e6).toBeGreaterThan(252.5 / 2)
  })

  it("an MLA model keeps the FP8 rows capped at the BF16 time whichever engine: TensorRT-LLM's FP8 DeepSeek runs fit the BF16 pace", () => {
    const r1 = loadSimInputs({model: 'deepseek-r1', gpu: 'H200-SXM', profile: 'default'})
    const mla = {...DEFAULT_DEPLOYMENT, worldSize: 8, tp: 8, decodeBatch: 64, isl: 2048, osl: 4096, mode: 'decode' as const}
    const core = (d: Partial<Deployment>) =>
      simulate(r1.model, {...mla, ...d}, r1.gpu, r1.tables, r1.profile).decode!.steps.find((s) => s.id === 'attn-core')!.seconds
    expect(core({fp8Kv: true, fp8KvDecode: 'bf16-bandwidth'})).toBe(core({fp8Kv: true, fp8KvDecode: 'measured'}))
    expect(core({fp8Kv: true})).toBeCloseTo(core({fp8Kv: false}), 12)
  })

  it("serving takes the engine file's kernel: TensorRT-LLM's FP8 checkpoint at half the BF16 time, SGLang asked for FP8 KV at its own rows", () => {
    const fp8 = loadSimInputs({model: 'llama-3.1-70b-fp8', gpu: 'H200-SXM', profile: 'default'})
    const attentionUs = (engine: string, d: Partial<Deployment>) => {
      const p = servingProblem(fp8.model, {...deployment, ...d}, fp8.gpu, fp8.tables, fp8.profile, {concurrency: 8, engine: loadEngine(engine)})
      return (p.cost.decodeAttentionSeconds(8) * 1e6) / fp8.model.layers
    }
    const kernel = (engine: string) => loadEngine(engine).params.fp8_kv_decode as Fp8KvDecode
    expect(kernel('trtllm')).toBe('bf16-bandwidth')
    expect(kernel('sglang')).toBe('measured')
    expect(attentionUs('trtllm', {})).toBeCloseTo(BF16_US / 2, 1)
    expect(attentionUs('sglang', {fp8Kv: true})).toBeCloseTo(FP8_US, 1)
    expect(attentionUs('sglang', {})).toBeCloseTo(BF16_US, 1)
  })

  it('a user engine file written before the parameter existed takes the bundled value', () => {
    expect(valueWithout('trtllm', 'fp8_kv_decode')).toBe('bf16-bandwidth')
  })
})
