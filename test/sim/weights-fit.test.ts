/**
 * Weights that do not fit say so, with the figures. Llama-3.1-70B in BF16 per GPU, by hand:
 * 80 layers x (q and o 2 x 8192 x 8192 + k and v 2 x 8192 x 1024 + gate, up, down 3 x 8192 x 28672)
 * = 68.45e9 parameters x 2 bytes = 127.5 GiB (the report's "GB"); FP8 halves it (63.8). A serving engine also holds
 * the embedding and LM head, 2 x 128,256 x 8,192 x 2 bytes = 3.9 GiB: 131.4 GiB.
 * L40S: 48 GB = 44.99 GiB (data/gpus.json).
 */
import {describe, expect, it} from 'vitest'
import {loadEngine} from '../../src/io/engines.js'
import {loadSimInputs} from '../../src/io/inputs.js'
import {simulateServing} from '../../src/serving/simulate.js'
import {DEFAULT_DEPLOYMENT} from '../../src/sim/deployment.js'
import {simulate} from '../../src/sim/simulate.js'
import {runBin, runCli, runJson} from '../helpers/cli.js'

describe('weights that do not fit', () => {
  it('simulate: Llama-3.1-70B on one L40S says the weights do not fit, with the figures, before "need smaller kvcache"', async () => {
    const r = await runCli(['simulate', '--model', 'llama-3.1-70b', '--gpu', 'L40S'])
    expect(r.exitCode).toBe(0)
    expect(r.stdout).toMatch(/!Error: the weights do not fit: 127\.5 GB per GPU, 45\.0 GB available \(L40S memory\); use more GPUs[^\n]*\n!Error: need smaller kvcache/)
    const {json} = await runJson(['simulate', '--model', 'llama-3.1-70b', '--gpu', 'L40S'])
    expect(json.warnings.find((w: {code: string}) => w.code === 'weights-do-not-fit').message).toMatch(/^the weights do not fit: 127\.5 GB per GPU, 45\.0 GB available/)
  })

  it('simulate --serving: the serving model cannot run it and says why, with the memory the engine uses', async () => {
    const r = await runCli(['simulate', '--model', 'llama-3.1-70b', '--gpu', 'L40S', '--serving', '--json'])
    expect(r.exitCode).toBe(1)
    // SGLang's share: 0.88 x 44.99 GiB less its 7 GiB reserve = 32.6 GiB
    const {error} = JSON.parse(r.stdout)
    expect(error.message).toMatch(/the weights do not fit: 131\.4 GB per GPU, 32\.6 GB available \(the engine's memory: gpu_memory_fraction 0\.88 of the total memory of 44\.99 GB, 7 GiB kept for activations\); use more GPUs \(--world-size with --tp\) or a smaller weight format/)
    expect(error.code).toBe('weights-do-not-fit')
    // The same error from the fast start (bin/run.js) as from oclif's path.
    const fast = await runBin(['simulate', '--model', 'llama-3.1-70b', '--gpu', 'L40S', '--serving', '--json'])
    expect(fast.exitCode).toBe(1)
    expect(JSON.parse(fast.stdout).error).toEqual(error)
  })

  it('simulate --serving: weights that leave no room for one request say so, and what to change', async () => {
    // Llama-2-70B in BF16 at tp 4: its layers as Llama-3.1-70B's (68.45e9 parameters) and a 32,000-token vocabulary,
    // (68.45e9 + 2 x 32,000 x 8,192) x 2 bytes / 4 = 32.1 GiB per GPU. SGLang: 0.88 x 44.99 - 32.1 - 7 = 0.5 GiB of pool.
    // One request at 8,192 in and 1,024 out holds 8,192 + 512 tokens as it grows, each 80 layers x 8 KV heads x 128 x
    // 2 (K and V) x 2 bytes / 4 GPUs = 80 KiB: 0.66 GiB, more than the pool.
    const r = await runCli(['simulate', '--model', 'llama-2-70b', '--gpu', 'L40S', '--tp', '4', '--world-size', '4', '--isl', '8192', '--osl', '1024', '--serving'])
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toMatch(/^Error: no request fits: the weights take 32\.1 GiB per GPU of the 44\.99 GiB, .* leaves 0\.5 GiB: not one request's KV cache at 8704 tokens; use more GPUs .*an FP8 KV cache \(--fp8-kv\) or shorter requests \(--isl, --osl\)\n/)
    const {json} = await runJson(['simulate', '--model', 'llama-2-70b', '--gpu', 'L40S', '--tp', '4', '--world-size', '4', '--isl', '8192', '--osl', '1024', '--serving'])
    expect(json.error.code).toBe('no-request-fits')
  })

  it('weights that fit the GPU but not beside the 20 GB reserve: a warning naming both figures', () => {
    const inputs = loadSimInputs({model: 'llama-3.1-70b', gpu: 'H100-SXM', profile: 'default'})
    const r = simulate(inputs.model, {...DEFAULT_DEPLOYMENT, fp8Gemm: true, decodeBatch: 1}, inputs.gpu, inputs.tables, inputs.profile)
    const w = r.warnings.find((x) => x.code === 'weights-over-reserve')
    expect(w?.message).toMatch(/the weights do not fit beside the runtime reserve: 63\.8 GB per GPU, 60\.0 GB available \(80 GB of H100-SXM memory less the 20 GB runtime reserve\)/)
  })

  it('serving: weights over the memory the engine uses name both figures', () => {
    // A 60 GiB GPU: 0.88 x 60 - 7 = 45.8 GiB for the engine, less than Qwen3-32B's 61.0 GiB of BF16 weights (its layers'
    // 58.1 GiB and the embedding and LM head's 2 x 151,936 x 5,120 x 2 bytes = 2.9 GiB).
    const inputs = loadSimInputs({model: 'qwen3-32b', gpu: 'H100-SXM', profile: 'default'})
    const gpu = {...inputs.gpu, memGiB: 60}
    const engine = loadEngine('sglang')
    expect(engine.params.gpu_memory_fraction).toBe(0.88)
    expect(engine.params.activation_reserve_gib).toBe(7)
    const d = {...DEFAULT_DEPLOYMENT, isl: 1024, osl: 128}
    expect(() => simulateServing(inputs.model, d, gpu, inputs.tables, inputs.profile, {concurrency: 4, engine})).toThrow(
      /the weights do not fit: 61\.0 GB per GPU, 45\.8 GB available \(the engine's memory: gpu_memory_fraction 0\.88 of the total memory of 60 GB/,
    )
  })

  it('serving: an engine whose share is of the free memory names the memory less its reserve as available, not more than the GPU has', async () => {
    // TensorRT-LLM takes 0.9 of the memory left after the weights, less its 3 GiB reserve: weights up to 80 - 3 = 77 GiB
    // leave a pool. Llama-3.1-70B in BF16 on one H100: 131.4 GiB (above).
    const engine = loadEngine('trtllm')
    expect([engine.params.memory_fraction_of, engine.params.activation_reserve_gib]).toEqual(['free', 3])
    const {json} = await runJson(['simulate', '--model', 'llama-3.1-70b', '--gpu', 'H100-SXM', '--serving', '--engine', 'trtllm'])
    expect(json.error.code).toBe('weights-do-not-fit')
    expect(json.error.message).toMatch(/the weights do not fit: 131\.4 GB per GPU, 77\.0 GB available \(the engine's memory: gpu_memory_fraction 0\.9 of the free memory of 80 GB, 3 GiB kept for activations\)/)
  })
})

describe('sweep: why layouts are skipped', () => {
  it('weights that do not fit: the reason and figures of the closest layout', async () => {
    const {json, exitCode} = await runJson(['sweep', '--model', 'llama-3.1-70b', '--gpu', 'L40S', '--max-gpus', '1', '--workers', '0'])
    expect(exitCode).toBe(0)
    expect(json.counts.skipped.weights).toBe(json.counts.skipped.memory)
    expect(json.counts.skipped.weights).toBeGreaterThan(0)
    expect(json.binding[0].constraint).toBe('memory')
    expect(json.binding[0].message).toMatch(/the weights do not fit: 63\.8 GB per GPU, 25\.0 GB available \(44\.99 GB less the 20 GB runtime reserve\)/)
  })

  it('--tp 3: no world size is 3, said so instead of blaming memory', async () => {
    const {json} = await runJson(['sweep', '--model', 'qwen3-8b', '--gpu', 'H20', '--tp', '3', '--max-gpus', '8', '--workers', '0'])
    expect(json.binding.map((b: {constraint: string}) => b.constraint)).toEqual(['layout'])
    expect(json.binding[0].message).toMatch(/tp 3 equals no world size searched \(1, 2, 4, 8\)/)
    expect(json.binding[0].message).not.toMatch(/memory/)
  })

  it('--tp 3 --world-sizes 3: the heads do not divide, said so', async () => {
    const r = await runCli(['sweep', '--model', 'qwen3-8b', '--gpu', 'H20', '--tp', '3', '--world-sizes', '3', '--max-gpus', '8', '--workers', '0'])
    expect(r.exitCode).toBe(0)
    expect(r.stdout).toMatch(/layout: no layout to simulate: attention heads \(32\) are not divisible by tp 3/)
    expect(r.stdout).not.toMatch(/memory/)
  })
})
