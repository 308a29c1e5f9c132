/** Everything the layer formulas need, derived once per simulation. */
import {shardShapes, type ShardShapes} from '../cost/shapes.js'
import {computeSeconds, gemmFlops} from '../cost/units.js'
import type {ModelSpec} from '../model/types.js'
import type {ProfileSwitches} from '../profile.js'
import {MfuResolver, type Interpolator} from '../tables/resolver.js'
import {gpuTableKey, type GpuRates, type GpuSpec} from '../hardware/gpu.js'
import type {MfuLookup, TableSet} from '../tables/types.js'
import type {Deployment} from './deployment.js'
import type {Step} from './result.js'
import type {WeightFormat} from './weight-format.js'

export interface SimContext {
  model: ModelSpec
  d: Deployment
  gpu: GpuRates
  gpuKey: string
  shapes: ShardShapes
  sw: ProfileSwitches
  mfu: MfuResolver
  /** Peak TFLOP/s of GEMMs (fp8 with FP8 GEMM). */
  gemmPeak: number
}

export function makeContext(
  model: ModelSpec,
  d: Deployment,
  gpu: GpuRates,
  gpuKey: string,
  sw: ProfileSwitches,
  mfu: MfuResolver,
  weights: WeightFormat,
): SimContext {
  return {
    model,
    d,
    gpu,
    gpuKey,
    shapes: shardShapes(model, {tp: d.tp, fp8Gemm: weights.fp8Gemm, fp8Kv: d.fp8Kv, weightBits: weights.bits}),
    sw,
    mfu,
    gemmPeak: weights.gemmPeak,
  }
}

export const seconds = (ctx: SimContext, gflops: number, peak: number, mfu: number) =>
  computeSeconds(gflops, peak, mfu, ctx.sw.unitsFix)

/** Time of one GEMM on one GPU, with the MFU its table gives. */
export function gemmStep(ctx: SimContext, id: string, m: number, k: number, n: number): Step {
  const flops = gemmFlops(m, k, n)
  const w = ctx.shapes.weightBytes
  const bytes = k * n * w + m * k * 2 + m * n * 2
  const mfu: MfuLookup = ctx.mfu.gemm(m, k, n, {flops, bytes, peakTflops: ctx.gemmPeak})
  const s = seconds(ctx, flops / 1e9, ctx.gemmPeak, mfu.value)
  return {id, seconds: s, bound: boundOf(flops / (ctx.gemmPeak * 1e12), bytes / 1024 ** 3 / ctx.gpu.memBw), mfu, shape: {m, k, n}}
}

/** Whether a kernel's roofline is compute or memory: the larger ideal time wins. */
export const boundOf = (computeS: number, memoryS: number) => (computeS >= memoryS ? 'compute' : 'memory') as 'compute' | 'memory'

/** The MFU resolver a simulation uses: the profile's lookup method, the GPU's fallback efficiency, the GEMM dtype's tables. */
export function makeResolver(tables: TableSet, gpu: GpuSpec, rates: GpuRates, sw: ProfileSwitches, weights: WeightFormat, interpolator?: Interpolator): MfuResolver {
  return new MfuResolver({
    tables,
    gpuKey: gpuTableKey(gpu.name),
    defaultMfu: gpu.defaultMfu,
    memBw: rates.memBw,
    interpolate: sw.interpolateMfu,
    rooflineFallback: sw.rooflineFallback,
    interpolator,
    gemmDtype: weights.tableDtype,
  })
}
