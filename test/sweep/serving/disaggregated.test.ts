import {describe, expect, it} from 'vitest'
import {loadGpus, resolveGpu} from '../../../src/io/gpus.js'
import {loadModel} from '../../../src/io/models.js'
import {disaggregatedPlans, type DisaggInput} from '../../../src/sweep/serving/disaggregated.js'
import type {ServingTargets} from '../../../src/sweep/serving/types.js'
import type {Layout, SweepPoint} from '../../../src/sweep/types.js'

/**
 * Hand-made phase points for Qwen3-32B on H100-SXM (ISL 1024, OSL 256):
 * - prefill on 1 GPU at 10,000 tokens/GPU/s: 10000 / 1024 = 9.765625 requests/s per instance, 500 ms;
 * - decode on a TP2 pair at 1,000 tokens/GPU/s: 1000 x 2 / 256 = 7.8125 requests/s, 20 ms TPOT,
 *   1000 x 2 x 0.020 = 40 requests in flight.
 * KV of one request at tp 1, BF16: 64 layers x 8 KV heads x 128 x (K, V) x 2 bytes = 262,144 bytes/token,
 * x 1024 = 0.25 GiB; over NVLink (900 GB/s x 0.8 x 0.5 = 360) 0.25 / 360 s = 0.6944 ms, over RDMA (50 x 0.8 = 40) 6.25 ms.
 */
const bf16 = {fp8Gemm: false, resolved: 'bf16' as const}
const LAYOUTS: Layout[] = [
  {gpu: 0, worldSize: 1, nodes: 1, tp: 1, weights: bf16, fp8Kv: false, deepep: false, tbo: false, maxBatch: 100},
  {gpu: 0, worldSize: 2, nodes: 1, tp: 2, weights: bf16, fp8Kv: false, deepep: false, tbo: false, maxBatch: 100},
]
const POINTS: SweepPoint[] = [
  {layout: 0, phase: 'prefill', value: 8192, latencyMs: 500, tgs: 10_000},
  {layout: 1, phase: 'decode', value: 64, latencyMs: 20, tgs: 1000},
]
const NVLINK_MS = (0.25 / 360) * 1000
const RDMA_MS = (0.25 / 40) * 1000

function input(targets: Partial<ServingTargets>, maxGpus = 8, gpusPerNode = 8): DisaggInput {
  return {
    model: loadModel('qwen3-32b', {publishedConfigs: true}),
    gpus: [resolveGpu(loadGpus(), 'H100-SXM')],
    gpusPerNode: [gpusPerNode],
    layouts: LAYOUTS,
    points: POINTS,
    targets: {isl: 1024, osl: 256, ttftMax: 1000, tpotMax: 30, sustain: {kind: 'none'}, ...targets},
    budget: {minGpus: 1, maxGpus},
  }
}

describe('disaggregated plans', () => {
  it('nothing to sustain: the whole-instance counts within the budget that serve the most per GPU, KV over NVLink inside a node', () => {
    // nd 1: np 1, 3 GPUs, min(9.77, 7.81) = 7.8125 req/s -> 7.8125 x 256 / 3 = 666.67; nd 2: np 2 (6 GPUs) as good, np 1 worse; nd 3: np 2 -> 625.
    const {bests} = disaggregatedPlans(input({}))
    expect(bests.length).toBe(1)
    const p = bests[0]
    expect([p.prefill.instances, p.decode.instances, p.gpus]).toEqual([1, 1, 3])
    expect(p.requestsPerSecond).toBeCloseTo(7.8125, 9)
    expect(p.tgs).toBeCloseTo((7.8125 * 256) / 3, 9)
    expect(p.kvTransfer.bytesPerRequest).toBe(268_435_456)
    expect(p.kvTransfer.link).toBe('nvlink')
    expect(p.kvTransfer.ms).toBeCloseTo(NVLINK_MS, 9)
    expect(p.ttftMs).toBeCloseTo(500 + NVLINK_MS, 9)
    expect(p.tpotMs).toBe(20)
  })

  it('a request rate: the fewest instances of each side; over RDMA when the deployment spans nodes', () => {
    const p = disaggregatedPlans(input({sustain: {kind: 'rate', requestsPerSecond: 15}})).bests[0]
    expect([p.prefill.instances, p.decode.instances, p.gpus]).toEqual([2, 2, 6])
    expect(p.tgs).toBeCloseTo((15 * 256) / 6, 9)
    const spanning = disaggregatedPlans(input({sustain: {kind: 'rate', requestsPerSecond: 15}}, 8, 4)).bests[0]
    expect(spanning.kvTransfer.link).toBe('rdma')
    expect(spanning.ttftMs).toBeCloseTo(500 + RDMA_MS, 9)
    expect(disaggregatedPlans(input({sustain: {kind: 'rate', requestsPerSecond: 20}})).bests).toEqual([]) // 3 + 3 x 2 = 9 GPUs
  })

  it('a total concurrency: decode instances enough to hold it, prefill to match', () => {
    const p = disaggregatedPlans(input({sustain: {kind: 'concurrency', requests: 70}})).bests[0]
    expect([p.prefill.instances, p.decode.instances]).toEqual([2, 2]) // 70 / 40 -> 2; 2 x 7.8125 / 9.77 = 1.6 -> 2
    expect(p.tgs).toBeCloseTo((15.625 * 256) / 6, 9)
    expect(disaggregatedPlans(input({sustain: {kind: 'concurrency', requests: 100}})).bests).toEqual([]) // 3 decode + 3 prefill = 9 GPUs
  })

  it('TTFT counts the KV transfer: a prefill that meets it only over NVLink cannot serve a deployment spanning nodes', () => {
    const tight = 500 + (NVLINK_MS + RDMA_MS) / 2
    expect(disaggregatedPlans(input({ttftMax: tight, sustain: {kind: 'rate', requestsPerSecond: 15}})).bests.length).toBe(1)
    const out = disaggregatedPlans(input({ttftMax: tight, sustain: {kind: 'rate', requestsPerSecond: 15}}, 8, 4))
    expect(out.bests).toEqual([])
    expect(out.fastestPrefillMs).toBeCloseTo(500 + NVLINK_MS, 9)
    expect(disaggregatedPlans(input({tpotMax: 10})).bests).toEqual([])
  })
})
