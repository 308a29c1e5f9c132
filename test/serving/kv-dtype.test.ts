import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {engineFilePath, loadEngine} from '../../src/io/engines.js'
import {loadSimInputs} from '../../src/io/inputs.js'
import {checkpointKvFp8, nearKvCapacityWarning, servingProblem, simulateServing} from '../../src/serving/simulate.js'
import {DEFAULT_DEPLOYMENT} from '../../src/sim/deployment.js'

// nvidia/Llama-3.1-70B-Instruct-FP8: 80 layers, 8 KV heads of 128 (config.json); its hf_quant_config.json
// names kv_cache_quant_algo FP8. K and V per token and layer: 2 x 8 x 128 values.
const FP8_KV_BYTES = 80 * 2 * 8 * 128 * 1
const BF16_KV_BYTES = 80 * 2 * 8 * 128 * 2

function problem(model: string, engine: 'trtllm' | 'vllm', fp8Kv = false, fp8Gemm = true, followsCheckpoint?: boolean | 'named') {
  const inputs = loadSimInputs({model, gpu: 'H200-SXM', profile: 'default'})
  const d = {...DEFAULT_DEPLOYMENT, fp8Gemm, fp8Kv, isl: 1024, osl: 8192}
  const e = loadEngine(engine)
  const opts = {concurrency: 64, engine: followsCheckpoint === undefined ? e : {...e, params: {...e.params, kv_dtype_from_checkpoint: followsCheckpoint}}}
  return {
    problem: servingProblem(inputs.model, d, inputs.gpu, inputs.tables, inputs.profile, opts),
    result: simulateServing(inputs.model, d, inputs.gpu, inputs.tables, inputs.profile, opts),
  }
}

describe("the KV cache dtype an engine picks for a checkpoint", () => {
  it("reads kv_cache_quant_algo from the checkpoint's hf_quant_config.json", () => {
    expect(loadSimInputs({model: 'llama-3.1-70b-fp8', gpu: 'H200-SXM', profile: 'default'}).model.shippedKvQuant).toBe('fp8')
    expect(loadSimInputs({model: 'llama-3.1-70b', gpu: 'H200-SXM', profile: 'default'}).model.shippedKvQuant).toBeUndefined()
  })

  it('TensorRT-LLM and vLLM follow the checkpoint (FP8 KV); SGLang keeps the model dtype unless --fp8-kv', () => {
    const trt = problem('llama-3.1-70b-fp8', 'trtllm')
    expect(trt.problem.cost.kvBytesPerToken).toBe(FP8_KV_BYTES)
    expect(trt.result.kvDtype).toBe('fp8')
    expect(trt.result.kvFp8Reason).toBe('checkpoint')

    // vLLM resolves kv_cache_dtype auto to the kv_cache_quant_algo the checkpoint names.
    const vllm = problem('llama-3.1-70b-fp8', 'vllm')
    expect(loadEngine('vllm').params.kv_dtype_from_checkpoint).toBe('named')
    expect(vllm.problem.cost.kvBytesPerToken).toBe(FP8_KV_BYTES)
    expect(vllm.result.kvFp8Reason).toBe('checkpoint')
    // An engine that never follows it keeps the model's dtype.
    const never = problem('llama-3.1-70b-fp8', 'vllm', false, true, false)
    expect(never.problem.cost.kvBytesPerToken).toBe(BF16_KV_BYTES)
    expect(never.result.kvDtype).toBe('model')

    const asked = problem('llama-3.1-70b-fp8', 'vllm', true, true, false)
    expect(asked.problem.cost.kvBytesPerToken).toBe(FP8_KV_BYTES)
    expect(asked.result.kvFp8Reason).toBe('flag')

  })

  it('TensorRT-LLM serving FP8 weights reads them from a checkpoint quantized with its KV cache', () => {
    // The BF16 release names no KV format, but TensorRT-LLM runs FP8 weights from a checkpoint quantized for it.
    const fp8Weights = problem('llama-3.1-70b', 'trtllm')
    expect(fp8Weights.problem.cost.kvBytesPerToken).toBe(FP8_KV_BYTES)
    expect(fp8Weights.result.kvFp8Reason).toBe('fp8-weights')
    // The same result as the FP8 checkpoint itself, which names FP8 KV.
    expect(fp8Weights.result.kvCapacity).toBe(problem('llama-3.1-70b-fp8', 'trtllm').result.kvCapacity)
    // BF16 weights, or an engine that keeps the model's dtype: BF16 KV.
    expect(problem('llama-3.1-70b', 'trtllm', false, false).problem.cost.kvBytesPerToken).toBe(BF16_KV_BYTES)
    // vLLM quantizes BF16 weights to FP8 itself too: FP8 weights alone leave its KV cache in BF16 ('named').
    expect(problem('llama-3.1-70b', 'vllm').problem.cost.kvBytesPerToken).toBe(BF16_KV_BYTES)
    expect(checkpointKvFp8(loadSimInputs({model: 'llama-3.1-70b', gpu: 'H200-SXM', profile: 'default'}).model, 'fp8', loadEngine('vllm').params)).toBeUndefined()
    // NVFP4 weights of a release that does not ship them come from a ModelOpt export, which names FP8 KV, on vLLM too.
    expect(checkpointKvFp8(loadSimInputs({model: 'deepseek-r1', gpu: 'B200-SXM', profile: 'default'}).model, 'nvfp4', loadEngine('vllm').params)).toBe('fp4-weights')
    // A release that ships FP8 weights of its own (DeepSeek-V3) and names no KV format: the same for FP8 weights.
    const deepseek = loadSimInputs({model: 'deepseek-v3', gpu: 'H200-SXM', profile: 'default'}).model
    expect(checkpointKvFp8(deepseek, 'fp8', loadEngine('trtllm').params)).toBe('fp8-weights')
    expect(checkpointKvFp8(deepseek, 'bf16', loadEngine('trtllm').params)).toBeUndefined()
    expect(checkpointKvFp8(deepseek, 'fp8', loadEngine('sglang').params)).toBeUndefined()
    // Its shipped FP8 weights count without --fp8-gemm, as the serving sweep counts them.
    const ds = loadSimInputs({model: 'deepseek-v3', gpu: 'H200-SXM', profile: 'default'})
    const eight = {...DEFAULT_DEPLOYMENT, worldSize: 8, tp: 8, fp8Gemm: false, isl: 1024, osl: 1024}
    expect(servingProblem(ds.model, eight, ds.gpu, ds.tables, ds.profile, {concurrency: 16, engine: loadEngine('trtllm')}).kvFp8Reason).toBe('fp8-weights')
  })

  it('TensorRT-LLM serving NVFP4 weights reads them from a ModelOpt checkpoint, whose recipe quantizes the KV cache to FP8', () => {
    // DeepSeek-R1 (config.json): 61 layers, one latent of kv_lora_rank 512 + qk_rope_head_dim 64 values per token and layer.
    const MLA_FP8_BYTES = 61 * (512 + 64) * 1
    const r1 = loadSimInputs({model: 'deepseek-r1', gpu: 'B200-SXM', profile: 'default'})
    const eight = {...DEFAULT_DEPLOYMENT, worldSize: 8, tp: 8, weightFormat: 'nvfp4' as const, isl: 1024, osl: 1024}
    const serve = (engine: 'trtllm' | 'sglang') => servingProblem(r1.model, eight, r1.gpu, r1.tables, r1.profile, {concurrency: 64, engine: loadEngine(engine), moeEp: 8})
    expect(serve('trtllm').kvFp8Reason).toBe('fp4-weights')
    expect(serve('trtllm').cost.kvBytesPerToken).toBe(MLA_FP8_BYTES)
    // SGLang keeps the model's dtype unless asked.
    expect(serve('sglang').kvFp8Reason).toBeUndefined()
    expect(serve('sglang').cost.kvBytesPerToken).toBe(2 * MLA_FP8_BYTES)
    const trt = loadEngine('trtllm').params
    expect(checkpointKvFp8(r1.model, 'nvfp4', trt)).toBe('fp4-weights')
    // 4-bit formats that bring no KV format: weight-only int4, and MXFP4 as gpt-oss's own release ships it.
    expect(checkpointKvFp8(r1.model, 'int4', trt)).toBeUndefined()
    expect(checkpointKvFp8(loadSimInputs({model: 'gpt-oss-120b', gpu: 'B200-SXM', profile: 'default'}).model, 'mxfp4', trt)).toBeUndefined()
  })

  it('an FP8 KV cache holds twice the requests in the same pool', () => {
    const fp8 = problem('llama-3.1-70b-fp8', 'trtllm').result
    // The same engine and weights, told not to follow the checkpoint: BF16 KV in the same pool.
    const bf16 = problem('llama-3.1-70b-fp8', 'trtllm', false, true, false).result
    expect(bf16.kvDtype).toBe('model')
    expect(fp8.kvPoolGiB).toBeCloseTo(bf16.kvPoolGiB, 6)
    // floor(scale x pool / (bytes x 9216 tokens)): halving the bytes doubles the count, give or take the floor.
    expect(Math.abs(fp8.kvCapacity - 2 * bf16.kvCapacity)).toBeLessThanOrEqual(1)
  })

  it('an engine file written before the parameter existed takes the bundled value', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'infersim-kv-dtype-'))
    const f = JSON.parse(readFileSync(engineFilePath('trtllm'), 'utf8'))
    delete f.parameters.kv_dtype_from_checkpoint
    writeFileSync(path.join(dir, 'trtllm.json'), JSON.stringify(f))
    expect(loadEngine('trtllm', dir).params.kv_dtype_from_checkpoint).toBe(true)
  })
})

describe('a concurrency near what the KV pool holds', () => {
  const wait = {...loadEngine('trtllm').params}
  it('warns within a quarter either side, and says what the engine does beyond it', () => {
    // 100 requests held: 80 (= 100 / 1.25) and 125 in flight are at the edges of the band, 79 and 126 outside it.
    expect(nearKvCapacityWarning(100, 79, wait)).toBeUndefined()
    expect(nearKvCapacityWarning(100, 80, wait)?.code).toBe('near-kv-capacity')
    expect(nearKvCapacityWarning(100, 125, wait)?.message).toMatch(/holds 100 requests and 125 are in flight: within 25% .*new requests wait for whole requests to finish/)
    expect(nearKvCapacityWarning(100, 126, wait)).toBeUndefined()
    expect(nearKvCapacityWarning(100, 110, {...wait, kv_pool_full: 'preempt'})?.message).toMatch(/paused and recomputed/)
  })

  it('simulate --serving reports it', () => {
    const far = serveAt(8)
    expect(far.kvCapacity).toBeGreaterThan(8 * 1.25)
    const near = serveAt(Math.round(far.kvCapacity * 1.1))
    expect(far.warnings.map((w) => w.code)).not.toContain('near-kv-capacity')
    expect(near.warnings.map((w) => w.code)).toContain('near-kv-capacity')
  })
})

function serveAt(concurrency: number) {
  const inputs = loadSimInputs({model: 'llama-3.1-70b-fp8', gpu: 'H200-SXM', profile: 'default'})
  const d = {...DEFAULT_DEPLOYMENT, fp8Gemm: true, isl: 1024, osl: 8192}
  return simulateServing(inputs.model, d, inputs.gpu, inputs.tables, inputs.profile, {concurrency, engine: loadEngine('trtllm')})
}
