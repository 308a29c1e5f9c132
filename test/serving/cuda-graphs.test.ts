/**
 * CUDA graph padding: a decode-only step replays the graph of the next captured
 * batch, its GEMMs, experts and collectives at the padded batch, its attention
 * at the real one. Figures worked out by hand on a step cost of plain arithmetic.
 */
import {describe, expect, it} from 'vitest'
import {graphBatchOf, parseGraphSizes} from '../../src/serving/cuda-graphs.js'
import {stepSeconds} from '../../src/serving/mean-field.js'
import {serve} from '../../src/index.js'
import {runCli} from '../helpers/cli.js'
import {BARE, linearCost} from '../helpers/serving.js'

const TRTLLM_BENCH = [1, 2, 4, 8, 16, 32, 64, 128, 256, 384, 512, 1024, 2048, 4096, 8192]

describe('graphBatchOf', () => {
  it('takes the smallest captured batch at or above the step\'s, in any order; none above the largest', () => {
    expect(graphBatchOf(TRTLLM_BENCH, 700)).toBe(1024)
    expect(graphBatchOf(TRTLLM_BENCH, 384)).toBe(384)
    expect(graphBatchOf([896, 512, 256], 300)).toBe(512)
    expect(graphBatchOf([1, 2, 4, 8], 9)).toBeUndefined()
    expect(graphBatchOf([], 9)).toBeUndefined()
    expect(graphBatchOf(undefined, 9)).toBeUndefined()
  })
})

describe('parseGraphSizes', () => {
  it('reads whole numbers apart by spaces, commas or semicolons, ascending and once each', () => {
    expect(parseGraphSizes('1 2 4 8', 'x')).toEqual([1, 2, 4, 8])
    expect(parseGraphSizes('896,512, 256;256', 'x')).toEqual([256, 512, 896])
  })

  it('refuses what is not a list of batch sizes, naming where it came from', () => {
    expect(() => parseGraphSizes('1 2 lots', 'column "cuda_graph_batch_sizes"')).toThrow(/column "cuda_graph_batch_sizes": "lots" is not a list of batch sizes/)
    expect(() => parseGraphSizes('0 8', '--cuda-graph-batches')).toThrow(/"0" is not a list of batch sizes/)
    expect(() => parseGraphSizes(' , ', '--cuda-graph-batches')).toThrow(/is not a list of batch sizes/)
  })
})

describe('a decode-only step with CUDA graphs', () => {
  // GEMMs 1 ms + 0.01 ms a token; attention 0.02 ms a request; no engine overhead.
  const cost = linearCost()

  it('runs its GEMMs at the padded batch and its attention at the real one', () => {
    // 5 requests padded to 8: GEMMs 1 + 0.08 ms, attention 5 x 0.02 ms = 1.18 ms (unpadded: 1.15 ms).
    expect(stepSeconds(cost, BARE, 1000, 5, 0) * 1e3).toBeCloseTo(1.15, 9)
    expect(stepSeconds(cost, {...BARE, cuda_graph_batch_sizes: [4, 8]}, 1000, 5, 0) * 1e3).toBeCloseTo(1.18, 9)
  })

  it('is not padded at a captured batch, above the largest, or with a prompt in the step', () => {
    const e = {...BARE, cuda_graph_batch_sizes: [4, 8]}
    expect(stepSeconds(cost, e, 1000, 8, 0)).toBeCloseTo(stepSeconds(cost, BARE, 1000, 8, 0), 12)
    expect(stepSeconds(cost, e, 1000, 9, 0)).toBeCloseTo(stepSeconds(cost, BARE, 1000, 9, 0), 12)
    expect(stepSeconds(cost, e, 1000, 5, 100)).toBeCloseTo(stepSeconds(cost, BARE, 1000, 5, 100), 12)
  })

  it('pads the other attention groups\' tokens in the experts alike', () => {
    // Experts 0.001 ms a token: 5 own and 15 other tokens padded x 8/5 = 32 tokens, 0.032 ms more than none.
    const moe = linearCost({moeSeconds: (t) => 1e-6 * t, moeGroups: 4})
    const padded = stepSeconds(moe, {...BARE, cuda_graph_batch_sizes: [8]}, 1000, 5, 0, 15)
    const plain = stepSeconds(moe, BARE, 1000, 5, 0, 15)
    // GEMMs 0.03 ms more (3 tokens), experts 0.012 ms more (32 - 20 tokens).
    expect((padded - plain) * 1e3).toBeCloseTo(0.03 + 0.012, 9)
  })
})

describe('--cuda-graph-batches', () => {
  const run = {model: 'llama-3.1-8b', gpu: 'B200-SXM', worldSize: 1, tp: 1, isl: 1024, osl: 1024, engine: 'trtllm' as const, concurrency: 450}

  it('slows a decode step of about 450 requests padded to 512, and says so', async () => {
    const plain = (await serve(run)).serving!
    const padded = (await serve({...run, cudaGraphBatches: '1,2,4,8,16,32,64,128,256,384,512,1024'})).serving!
    expect(padded.meanDecodeBatch).toBeGreaterThan(384)
    expect(padded.cudaGraphBatch).toBe(512)
    expect(plain.cudaGraphBatch).toBeUndefined()
    expect(padded.decodeStepMs).toBeGreaterThan(plain.decodeStepMs)
    const r = await runCli(['simulate', '--serving', '-m', 'llama-3.1-8b', '-g', 'B200-SXM', '--engine', 'trtllm', '--concurrency', '450', '--isl', '1024', '--osl', '1024', '--cuda-graph-batches', '384,512'])
    expect(r.exitCode).toBe(0)
    expect(r.stdout).toMatch(/decode-only step \(ms\) +[\d.]+ \(a CUDA graph of 512: GEMMs, experts and collectives at 512 requests, attention at \d+\)/)
  })

  it('refuses a list that is not one, as a usage error', async () => {
    const r = await runCli(['simulate', '--serving', '-m', 'llama-3.1-70b', '-g', 'B200-SXM', '--cuda-graph-batches', '8,x'])
    expect(r.exitCode).toBe(2)
    expect(r.stderr).toMatch(/--cuda-graph-batches: "x" is not a list of batch sizes/)
  })
})
