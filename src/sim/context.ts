/** Everything the layer formulas need, derived once per simulation. */
import {moeLayout, type MoeLayout} from '../cost/moe-layout.js'
import {shardShapes, type ShardShapes} from '../cost/shapes.js'
import {computeSeconds, datasheetStreamSeconds, gemmFlops, transferSeconds} from '../cost/units.js'
import type {ModelSpec} from '../model/types.js'
import type {ProfileSwitches} from '../profile.js'
import {MfuResolver, type GemmDtype, type Interpolator} from '../tables/resolver.js'
import {effectiveRates, gpuTableKey, type GpuRates, type GpuSpec} from '../hardware/gpu.js'
import {defaultInterpolator} from '../tables/interpolate/index.js'
import type {MfuLookup, TableSet} from '../tables/types.js'
import type {Deployment} from './deployment.js'
import type {Step} from './result.js'
import type {WeightFormat} from './weight-format.js'
import {narrowWeightsSeconds} from './narrow-weights.js'
import {gemmMfu} from './fp8-gemm.js'

/** What times a GEMM: the tables (by dtype), the peak and the bytes per weight of its format. */
export interface GemmReading {
  mfu: MfuResolver
  gemmPeak: number
  weightBytes: number
  /** The tables' dtype it reads (fp8: an engine's own FP8 kernel may beat them, src/sim/fp8-gemm.ts). */
  dtype: GemmDtype
}

export interface SimContext {
  model: ModelSpec
  d: Deployment
  gpu: GpuRates
  gpuKey: string
  shapes: ShardShapes
  switches: ProfileSwitches
  mfu: MfuResolver
  /** How a GEMM in the weights' format is read (its peak: fp8 with FP8 GEMM). */
  gemm: GemmReading
  /** How the attention projections' GEMMs are read: as `gemm`, unless the checkpoint keeps them in another format (WeightFormat.attention). */
  attentionGemm: GemmReading
  /**
   * How the LM head's GEMM is read: BF16 in every checkpoint format (FP8 and 4-bit recipes leave
   * lm_head out: ModelOpt's exclude_modules, the modules_to_not_convert of Qwen's FP8 and gpt-oss's
   * MXFP4 configs), as the serving pool's memory counts it (embeddingBytesPerGpu).
   */
  lmHeadGemm: GemmReading
  /** How the routed experts are spread over the GPUs. */
  moe: MoeLayout
}

/**
 * The MoE layout of a deployment: its --moe-ep with the layout switch, the
 * reference's reading (expert parallelism across attention groups) without.
 */
export const moeLayoutOf = (model: ModelSpec, d: Deployment, switches: ProfileSwitches): MoeLayout =>
  moeLayout({experts: model.ffn.experts, intermediate: model.ffn.intermediate, worldSize: d.worldSize, tp: d.tp, moeEp: switches.layoutCollectives ? d.moeEp : undefined})

export function makeContext(model: ModelSpec, d: Deployment, spec: GpuSpec, switches: ProfileSwitches, mfu: MfuResolver, weights: WeightFormat): SimContext {
  const shapes = shardShapes(model, {
    tp: d.tp,
    fp8Gemm: weights.fp8Gemm,
    fp8Kv: d.fp8Kv,
    weightBits: weights.bits,
    attentionWeightBits: weights.attention?.bits,
    linearTpShard: switches.linearTpShard,
  })
  const attention = weights.attention
  const gemm: GemmReading = {mfu, gemmPeak: weights.gemmPeak, weightBytes: shapes.weightBytes, dtype: weights.tableDtype}
  return {
    model,
    d,
    gpu: effectiveRates(spec),
    gpuKey: gpuTableKey(spec.name),
    shapes,
    switches,
    mfu,
    gemm,
    attentionGemm: attention ? {mfu: mfu.withGemmDtype(attention.tableDtype), gemmPeak: attention.gemmPeak, weightBytes: shapes.attentionWeightBytes, dtype: attention.tableDtype} : gemm,
    lmHeadGemm: weights.bits === 16 ? gemm : {mfu: mfu.withGemmDtype('bf16'), gemmPeak: spec.fp16Tflops, weightBytes: 2, dtype: 'bf16'},
    moe: moeLayoutOf(model, d, switches),
  }
}

/** Seconds for `gflops` GFLOPs at `mfu` of `peakTflops` (the profile's TFLOPS convention). */
export const secondsForGflops = (ctx: SimContext, gflops: number, peakTflops: number, mfu: number) =>
  computeSeconds(gflops, peakTflops, mfu, ctx.switches.unitsFix)

/** The roofline floors of one kernel call: its FLOPs at the peak and its bytes at the memory bandwidth, seconds. */
export function rooflineFloors(ctx: SimContext, flops: number, bytes: number, peakTflops: number): {computeFloorSeconds: number; memoryFloorSeconds: number} {
  return {computeFloorSeconds: flops / (peakTflops * 1e12), memoryFloorSeconds: transferSeconds(bytes, ctx.gpu.memBw)}
}

/**
 * What bounds a kernel, by its roofline: compute when its FLOPs at the peak
 * take longer than its bytes at the memory bandwidth, else memory. The
 * measured MFU says how far from that floor the kernel runs, not which
 * floor it sits on.
 */
export const rooflineBound = (f: {computeFloorSeconds: number; memoryFloorSeconds: number}) =>
  (f.computeFloorSeconds >= f.memoryFloorSeconds ? 'compute' : 'memory') as 'compute' | 'memory'

/**
 * Seconds to stream `bytes` of weights from memory at the datasheet
 * bandwidth. A kernel table's row can be faster: its benchmark calls the same
 * GEMM over and over, and weights that fit in the L2 cache stay there (on
 * L40S, 96 MB of L2 against 864 GB/s, 1,733 of the 18,753 BF16 GEMM rows run
 * faster than their weights stream, up to 2.7x). A served model reads each
 * layer's weights once a step, more of them than any L2 holds, so they come
 * from memory.
 *
 * @example
 * // L40S, 864 GB/s: a 768 x 10240 BF16 weight (15.7 MB) takes 18.2 us; its table row says 6.8 us
 * weightStreamSeconds(ctx, 768 * 10240 * 2) // 1.82e-5
 */
export const weightStreamSeconds = (ctx: Pick<SimContext, 'gpu'>, bytes: number) => datasheetStreamSeconds(bytes, ctx.gpu.memBwPeak)

/** Time of one GEMM on one GPU, with the MFU its table gives; `g`: how its format is read (the weights' format unless given). */
export function gemmStep(ctx: SimContext, id: string, m: number, k: number, n: number, g: GemmReading = ctx.gemm): Step {
  const flops = gemmFlops(m, k, n)
  // Weights in the GEMM's format, activations in and out at 2 bytes.
  const bytes = k * n * g.weightBytes + m * k * 2 + m * n * 2
  const mfu: MfuLookup = gemmMfu(ctx, g, m, k, n, {flops, bytes, peakTflops: g.gemmPeak})
  const table = secondsForGflops(ctx, flops / 1e9, g.gemmPeak, mfu.value)
  const measured = narrowWeightsSeconds(ctx, table, mfu, {weights: k * n, weightBytes: g.weightBytes, otherBytes: m * k * 2 + m * n * 2, flops, peakTflops: g.gemmPeak})
  const seconds = ctx.switches.weightStreamFloor ? Math.max(measured, weightStreamSeconds(ctx, k * n * g.weightBytes)) : measured
  const floors = rooflineFloors(ctx, flops, bytes, g.gemmPeak)
  return {
    id,
    seconds,
    bound: rooflineBound(floors),
    part: 'gemm',
    mfu,
    computeFloorSeconds: floors.computeFloorSeconds,
    memoryFloorSeconds: floors.memoryFloorSeconds,
    shape: {m, k, n},
  }
}

/** The MFU resolver a simulation uses: the profile's lookup method, the GPU's fallback efficiency, the GEMM dtype's tables (the default interpolator unless given). */
export function makeResolver(tables: TableSet, gpu: GpuSpec, switches: ProfileSwitches, weights: WeightFormat, interpolator: Interpolator = defaultInterpolator): MfuResolver {
  return MfuResolver.forGpu(gpu, {tables, interpolate: switches.interpolateMfu, rooflineFallback: switches.rooflineFallback, interpolator, gemmDtype: weights.tableDtype})
}
