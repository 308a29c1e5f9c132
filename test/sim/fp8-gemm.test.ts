/** Compute-bound FP8 GEMMs timed by the tables' own kernel, or by an engine's that reaches the BF16 kernel's share of the peak. */
import {describe, expect, it} from 'vitest'
import {loadEngine} from '../../src/io/engines.js'
import {loadSimInputs} from '../../src/io/inputs.js'
import {servingProblem, simulateServing} from '../../src/serving/simulate.js'
import {renderServing} from '../../src/report/serving.js'
import {makeContext, makeResolver, gemmStep} from '../../src/sim/context.js'
import {valueWithout} from '../helpers/engine-file.js'
import {DEFAULT_DEPLOYMENT, type Deployment, type EngineFp8Gemm} from '../../src/sim/deployment.js'
import {engineGemmKernel} from '../../src/sim/fp8-gemm.js'
import {resolveWeightFormat} from '../../src/sim/weight-format.js'

// AIConfigurator gemm_perf, SGLang 0.5.14 (bench_data/gemm/<gpu>/data.csv and bf16.csv, latency in us):
// H200, 8,192 tokens x 8,192 by 8,192 x 51,200: FP8 6,501 us, BF16 10,020 us; 64 tokens: FP8 110.1 us, BF16 214 us.
// B200, 2,048 tokens x 7,168 by 7,168 x 2,048: FP8 37.52 us, BF16 41.5 us.
// Peaks (data/gpus.json, datasheets): H200 BF16 989, FP8 1,978 TFLOP/s; B200 2,250 and 4,500.

function gemmUs(model: string, gpu: string, d: Partial<Deployment>, m: number, k: number, n: number) {
  const inputs = loadSimInputs({model, gpu, profile: 'default'})
  const deployment: Deployment = {...DEFAULT_DEPLOYMENT, worldSize: 1, tp: 1, ...d}
  const weights = resolveWeightFormat(inputs.model, deployment, inputs.gpu, inputs.profile.switches)
  const resolver = makeResolver(inputs.tables, inputs.gpu, inputs.profile.switches, weights)
  const ctx = makeContext(inputs.model, deployment, inputs.gpu, inputs.profile.switches, resolver, weights)
  return gemmStep(ctx, 'gemm', m, k, n).seconds * 1e6
}

describe('FP8 GEMM kernel', () => {
  it('reads the FP8 row as measured by default', () => {
    expect(gemmUs('llama-3.1-70b-fp8', 'H200-SXM', {}, 8192, 8192, 51200)).toBeCloseTo(6501, -1)
    expect(gemmUs('llama-3.1-70b-fp8', 'H200-SXM', {fp8GemmKernel: 'measured'}, 8192, 8192, 51200)).toBeCloseTo(6501, -1)
  })

  it("an engine's own FP8 kernel runs a compute-bound GEMM at the BF16 row's share of the peak: the BF16 time over the peaks' ratio", () => {
    // 10,020 us x 989 / 1,978 = 5,010 us.
    expect(gemmUs('llama-3.1-70b-fp8', 'H200-SXM', {fp8GemmKernel: 'bf16-efficiency'}, 8192, 8192, 51200)).toBeCloseTo(5010, -1)
    // B200: 41.5 us x 2,250 / 4,500 = 20.75 us, against 37.52 us for the FP8 row.
    expect(gemmUs('llama-3.1-70b-fp8', 'B200-SXM', {fp8GemmKernel: 'bf16-efficiency'}, 2048, 7168, 2048)).toBeCloseTo(20.75, 1)
  })

  it('leaves a memory-bound GEMM (decode) at its FP8 row', () => {
    // 64 tokens: 2 x 64 x 8192 x 51200 FLOPs take 27 us at the FP8 peak, 419 MB of FP8 weights 109 us at 3.84 TB/s.
    expect(gemmUs('llama-3.1-70b-fp8', 'H200-SXM', {fp8GemmKernel: 'bf16-efficiency'}, 64, 8192, 51200)).toBeCloseTo(110.1, 0)
  })

  it('leaves BF16 weights, a GPU without FP8 tensor cores and one before Hopper as they are', () => {
    const bf16 = gemmUs('llama-3.1-70b', 'H200-SXM', {}, 8192, 8192, 51200)
    expect(gemmUs('llama-3.1-70b', 'H200-SXM', {fp8GemmKernel: 'bf16-efficiency'}, 8192, 8192, 51200)).toBe(bf16)
    // The row's 10,020 us, to the rounding of its MFU column (0.6931).
    expect(Math.abs(bf16 / 10020 - 1)).toBeLessThan(0.001)
    const a100 = (d: Partial<Deployment>) => gemmUs('llama-3.1-70b-fp8', 'A100-SXM', d, 8192, 8192, 8192)
    expect(a100({fp8GemmKernel: 'bf16-efficiency'})).toBe(a100({}))
    // Ada is left to the tables as well: L40S, 2,048 tokens x 7,168 by 7,168 x 2,048, FP8 row 40% of its peak, BF16 row 68% of its.
    const l40s = (d: Partial<Deployment>) => gemmUs('llama-3.1-70b-fp8', 'L40S', d, 2048, 7168, 2048)
    expect(l40s({fp8GemmKernel: 'bf16-efficiency'})).toBe(l40s({}))
  })

  it("serving takes the engine file's kernel: vLLM's own FP8 GEMMs in prefill, the tables' in decode and for SGLang", () => {
    const gemmMs = (model: string, engine: string, fp8Gemm?: EngineFp8Gemm) => {
      const inputs = loadSimInputs({model, gpu: 'H200-SXM', profile: 'default'})
      const e = loadEngine(engine)
      const withKernel = fp8Gemm ? {...e, params: {...e.params, fp8_gemm: fp8Gemm}} : e
      const d: Deployment = {...DEFAULT_DEPLOYMENT, worldSize: 1, tp: 1, isl: 8192, osl: 1024}
      const p = servingProblem(inputs.model, d, inputs.gpu, inputs.tables, inputs.profile, {concurrency: 8, engine: withKernel})
      return {prefill: p.cost.gemmSeconds(8192) * 1e3, decode: p.cost.gemmSeconds(8) * 1e3}
    }
    expect(loadEngine('vllm').params.fp8_gemm).toBe('bf16-efficiency')
    expect(loadEngine('sglang').params.fp8_gemm).toBe('measured')
    expect(loadEngine('trtllm').params.fp8_gemm).toBe('per-tensor-checkpoint')
    const own = gemmMs('llama-3.1-70b-fp8', 'vllm'), tables = gemmMs('llama-3.1-70b-fp8', 'vllm', 'measured')
    // The FP8 rows reach 53-67% of the FP8 peak at these prefill shapes, the BF16 rows 69-78% of theirs.
    expect(own.prefill / tables.prefill).toBeLessThan(0.95)
    expect(own.prefill / tables.prefill).toBeGreaterThan(0.7)
    expect(own.decode).toBe(tables.decode)
    expect(gemmMs('llama-3.1-70b-fp8', 'sglang').prefill).toBe(gemmMs('llama-3.1-70b-fp8', 'sglang', 'measured').prefill)
    expect(gemmMs('llama-3.1-70b', 'vllm').prefill).toBe(gemmMs('llama-3.1-70b', 'vllm', 'measured').prefill)
  })

  it("'per-tensor-checkpoint' (TensorRT-LLM): its own kernels for a checkpoint that ships FP8 scaled per tensor, the tables' for any other", () => {
    const model = (name: string) => loadSimInputs({model: name, gpu: 'H200-SXM', profile: 'default'}).model
    // NVIDIA's Llama-3.1-70B FP8 is a ModelOpt export (quant_algo FP8, no weight_block_size).
    expect(engineGemmKernel('per-tensor-checkpoint', model('llama-3.1-70b-fp8'))).toBe('bf16-efficiency')
    // DeepSeek-R1 ships weight_block_size [128, 128]; Qwen3-32B's config ships BF16, whatever FP8 checkpoint a run served.
    expect(engineGemmKernel('per-tensor-checkpoint', model('deepseek-r1'))).toBe('measured')
    expect(engineGemmKernel('per-tensor-checkpoint', model('qwen3-32b'))).toBe('measured')
    for (const k of ['measured', 'bf16-efficiency'] as const) expect(engineGemmKernel(k, model('qwen3-32b'))).toBe(k)
    const gemmMs = (name: string, fp8Gemm: EngineFp8Gemm) => {
      const inputs = loadSimInputs({model: name, gpu: 'H200-SXM', profile: 'default'})
      const e = loadEngine('trtllm')
      const d: Deployment = {...DEFAULT_DEPLOYMENT, worldSize: 1, tp: 1, isl: 8192, osl: 1024, fp8Gemm: true}
      return servingProblem(inputs.model, d, inputs.gpu, inputs.tables, inputs.profile, {concurrency: 4, engine: {...e, params: {...e.params, fp8_gemm: fp8Gemm}}}).cost.gemmSeconds(8192)
    }
    expect(gemmMs('llama-3.1-70b-fp8', 'per-tensor-checkpoint')).toBe(gemmMs('llama-3.1-70b-fp8', 'bf16-efficiency'))
    expect(gemmMs('llama-3.1-70b-fp8', 'per-tensor-checkpoint')).toBeLessThan(0.95 * gemmMs('llama-3.1-70b-fp8', 'measured'))
    expect(gemmMs('qwen3-32b', 'per-tensor-checkpoint')).toBe(gemmMs('qwen3-32b', 'measured'))
    expect(gemmMs('qwen3-32b', 'bf16-efficiency')).toBeLessThan(0.95 * gemmMs('qwen3-32b', 'measured'))
  })

  it('leaves a checkpoint whose FP8 weights are scaled per block to the tables (the block-scaled kernels they time)', () => {
    // DeepSeek-R1 ships weight_block_size [128, 128]; NVIDIA's Llama-3.1-70B FP8 is scaled per tensor.
    expect(loadSimInputs({model: 'deepseek-r1', gpu: 'H200-SXM', profile: 'default'}).model.shippedFp8BlockScaled).toBe(true)
    expect(loadSimInputs({model: 'minimax-m2.5', gpu: 'H200-SXM', profile: 'default'}).model.shippedFp8BlockScaled).toBe(true)
    expect(loadSimInputs({model: 'llama-3.1-70b-fp8', gpu: 'H200-SXM', profile: 'default'}).model.shippedFp8BlockScaled).toBeUndefined()
    // The same B200 shape as above: DeepSeek-R1 keeps the FP8 row's 37.52 us where the per-tensor checkpoint takes 20.75 us.
    const own = {fp8GemmKernel: 'bf16-efficiency' as const, fp8Gemm: true}
    expect(gemmUs('deepseek-r1', 'B200-SXM', own, 2048, 7168, 2048)).toBeCloseTo(37.52, 1)
    expect(gemmUs('deepseek-r1', 'B200-SXM', own, 2048, 7168, 2048)).toBe(gemmUs('deepseek-r1', 'B200-SXM', {fp8Gemm: true}, 2048, 7168, 2048))
  })

  it('a user engine file written before the parameter existed takes the bundled value', () => {
    expect(valueWithout('vllm', 'fp8_gemm')).toBe('bf16-efficiency')
  })

  it('the serving result and report say where the engine runs its own FP8 GEMMs', () => {
    const serve = (model: string, gpu: string, engine: string, worldSize: number) => {
      const inputs = loadSimInputs({model, gpu, profile: 'default'})
      const d: Deployment = {...DEFAULT_DEPLOYMENT, worldSize, tp: worldSize, isl: 2048, osl: 256}
      return simulateServing(inputs.model, d, inputs.gpu, inputs.tables, inputs.profile, {concurrency: 4, engine: loadEngine(engine)})
    }
    const vllm = serve('llama-3.1-70b-fp8', 'H200-SXM', 'vllm', 1)
    expect(vllm.fp8GemmKernel).toBe('bf16-efficiency')
    expect(renderServing(vllm).some((l) => /^FP8 GEMMs +vllm's own kernels in prefill/.test(l))).toBe(true)
    expect(renderServing(serve('llama-3.1-70b-fp8', 'H200-SXM', 'trtllm', 1)).some((l) => /^FP8 GEMMs +trtllm's own kernels in prefill/.test(l))).toBe(true)
    // The tables' own kernels (SGLang), BF16 weights, and a GPU before Hopper: nothing to say.
    for (const r of [serve('llama-3.1-70b-fp8', 'H200-SXM', 'sglang', 1), serve('llama-3.1-70b', 'H200-SXM', 'vllm', 2), serve('llama-3.1-70b-fp8', 'L40S', 'vllm', 4)]) {
      expect(r.fp8GemmKernel).toBeUndefined()
      expect(renderServing(r).some((l) => l.startsWith('FP8 GEMMs'))).toBe(false)
    }
  })
})
