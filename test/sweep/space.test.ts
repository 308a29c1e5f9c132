import {describe, expect, it} from 'vitest'
import {loadSweepInputs} from '../../src/sweep/inputs.js'
import {decodeGrid, defaultWorldSizes, enumerateLayouts} from '../../src/sweep/space.js'
import type {SweepSpace} from '../../src/sweep/types.js'
import {kvCacheFit} from '../../src/cost/kvcache.js'
import {shardShapes} from '../../src/cost/shapes.js'
import {paramsPerGpu} from '../../src/cost/weights.js'

const space = (over: Partial<SweepSpace> = {}): SweepSpace => ({
  gpus: ['H20'],
  minGpus: 1,
  maxGpus: 8,
  fp8Kv: 'auto',
  deepep: 'auto',
  tbo: 'auto',
  prefillTokens: [4096],
  maxDecodeBatch: 1024,
  refine: {prefill: true, decode: true},
  ...over,
})
const workload = {isl: 4096, osl: 2048}

describe('sweep space', () => {
  it('world sizes are powers of two and whole nodes within the budget', () => {
    expect(defaultWorldSizes(1, 40, 8)).toEqual([1, 2, 4, 8, 16, 24, 32, 40])
    expect(defaultWorldSizes(8, 256, 8).length).toBe(32)
    expect(defaultWorldSizes(3, 6, 4)).toEqual([4])
  })

  it('a dense model runs tensor parallel (W = tp) or on one GPU; a MoE model also DP+EP over W GPUs', () => {
    const dense = loadSweepInputs({model: 'qwen3-8b', gpus: ['H20'], profile: 'default'})
    const d = enumerateLayouts(dense.model, dense.gpus, dense.profile, space(), workload)
    expect(d.layouts.length).toBeGreaterThan(0)
    for (const l of d.layouts) expect(l.tp === l.worldSize).toBe(true)
    const moe = loadSweepInputs({model: 'qwen3-30b-a3b', gpus: ['H20'], profile: 'default'})
    const m = enumerateLayouts(moe.model, moe.gpus, moe.profile, space(), workload)
    expect(m.layouts.some((l) => l.tp === 1 && l.worldSize === 8)).toBe(true)
    for (const l of m.layouts) expect(l.tp === 1 || l.tp === l.worldSize).toBe(true)
  })

  it('DeepEP only with expert parallelism across nodes by default, TBO only with DeepEP', () => {
    const moe = loadSweepInputs({model: 'qwen3-30b-a3b', gpus: ['H20'], profile: 'default'})
    const s = enumerateLayouts(moe.model, moe.gpus, moe.profile, space({minGpus: 8, maxGpus: 16}), workload)
    for (const l of s.layouts) {
      if (l.deepep) expect(l.tp === 1 && l.nodes > 1).toBe(true)
      if (l.tbo) expect(l.deepep).toBe(true)
    }
    const multi = s.layouts.filter((l) => l.worldSize === 16 && l.tp === 1 && l.weights.resolved === 'fp8' && !l.fp8Kv)
    expect(multi.map((l) => [l.deepep, l.tbo])).toEqual([
      [false, false],
      [true, false],
      [true, true],
    ])
  })

  it('counts layouts whose heads do not divide, without listing them', () => {
    const m = loadSweepInputs({model: 'qwen3-8b', gpus: ['H20'], profile: 'default'})
    // 32 heads: tp 3 does not divide them; tp 2 does.
    const s = enumerateLayouts(m.model, m.gpus, m.profile, space({worldSizes: [2, 3], tps: [2, 3], fp8Kv: 'off', weightFormats: ['bf16']}), workload)
    expect(s.layouts.map((l) => l.tp)).toEqual([2])
    expect(s.skipped.divisibility).toBe(1)
  })

  it('counts layouts that do not fit in memory, and every kept layout fits one request at its largest batch', () => {
    const m = loadSweepInputs({model: 'deepseek-v3', gpus: ['H20'], profile: 'default'})
    const s = enumerateLayouts(m.model, m.gpus, m.profile, space({maxGpus: 16}), workload)
    expect(s.skipped.memory).toBeGreaterThan(0)
    expect(s.layouts.every((l) => l.worldSize >= 8)).toBe(true)
    for (const l of s.layouts) {
      const shapes = shardShapes(m.model, {tp: l.tp, fp8Gemm: l.weights.resolved === 'fp8', fp8Kv: l.fp8Kv, weightBits: l.weights.resolved === 'bf16' ? 16 : 8})
      const params = paramsPerGpu(m.model, shapes, l.tp, l.worldSize).perGpuBytes
      expect(kvCacheFit(m.model, shapes, params, m.gpus[0].memGiB, l.maxBatch, 6144).fits).toBe(true)
      expect(kvCacheFit(m.model, shapes, params, m.gpus[0].memGiB, l.maxBatch + 1, 6144).fits).toBe(false)
    }
    const none = enumerateLayouts(m.model, m.gpus, m.profile, space({maxGpus: 4}), workload)
    expect(none.layouts).toEqual([])
    expect(none.closestMemory!.freeGiB).toBeLessThan(0)
  })

  it('weight formats that resolve to the same thing are tried once; formats the GPU lacks are counted', () => {
    // DeepSeek-V3 ships fp8: the checkpoint's format and --fp8-gemm are the same layout.
    const m = loadSweepInputs({model: 'deepseek-v3', gpus: ['H800'], profile: 'default'})
    const s = enumerateLayouts(m.model, m.gpus, m.profile, space({minGpus: 16, maxGpus: 16, fp8Kv: 'off', weightFormats: ['auto', 'fp8', 'nvfp4']}), workload)
    expect(new Set(s.layouts.map((l) => l.weights.resolved))).toEqual(new Set(['fp8']))
    expect(s.skipped.format).toBe(1)
  })

  it('decode grid: powers of two up to the largest batch that fits, that batch included', () => {
    const l = {gpu: 0, worldSize: 1, nodes: 1, tp: 1, weights: {fp8Gemm: false, resolved: 'bf16' as const}, fp8Kv: false, deepep: false, tbo: false, maxBatch: 100}
    expect(decodeGrid(l, {maxDecodeBatch: 1024})).toEqual([1, 2, 4, 8, 16, 32, 64, 100])
    expect(decodeGrid(l, {maxDecodeBatch: 16})).toEqual([1, 2, 4, 8, 16])
    expect(decodeGrid(l, {maxDecodeBatch: 1024, decodeBatches: [3, 50, 200]})).toEqual([3, 50])
  })
})

describe('sweep space: FP8', () => {
  it('FP8 GEMM is tried by default only on GPUs with FP8 tensor cores', () => {
    const h20 = loadSweepInputs({model: 'qwen3-8b', gpus: ['H20', 'A100-SXM'], profile: 'default'})
    const s = enumerateLayouts(h20.model, h20.gpus, h20.profile, space({maxGpus: 1}), workload)
    const formats = (gpu: number) => new Set(s.layouts.filter((l) => l.gpu === gpu).map((l) => l.weights.resolved))
    expect(formats(0)).toEqual(new Set(['bf16', 'fp8']))
    expect(formats(1)).toEqual(new Set(['bf16']))
  })
})
