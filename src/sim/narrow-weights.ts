/**
 * Weights narrower than the kernel table a lookup read (switch
 * weightOnlyBytes). FP8 weights on a GPU without FP8 tensor cores (A100)
 * run as weight-only FP8 (activations in BF16) and read its BF16 table;
 * weight-only INT4 reads the BF16 table where a GPU has no INT4 one. Such
 * a kernel does the BF16 kernel's math but streams half or a quarter of
 * its weight bytes, so where the BF16 kernel waits on memory it is faster.
 * Read as measured, the BF16 row charges it every BF16 byte: on A100 the
 * measured weight-only INT4 MoE kernels take a median 0.31x their BF16
 * rows' time (608 shapes, 1 to 1,024 tokens per GPU, up and down
 * projections), where the BF16 row says 1x.
 */
import {computeSeconds} from '../cost/units.js'
import {fileElementBytes} from '../tables/paths.js'
import type {MfuLookup} from '../tables/types.js'
import type {SimContext} from './context.js'

/**
 * Bytes a weight takes in the table `table` (a path under bench_data), or
 * undefined where it does not say: per-dtype files name it (fileElementBytes);
 * a GPU's own data.csv holds FP8 where the GPU has FP8 tensor cores, else BF16.
 * @example tableWeightBytes(a100Ctx, 'gemm/a100-sxm/data.csv') // 2
 * @example tableWeightBytes(h100Ctx, 'gemm/h100-sxm/bf16.csv') // 2
 */
export function tableWeightBytes(ctx: Pick<SimContext, 'gpu' | 'gpuKey'>, table: string | undefined): number | undefined {
  if (!table) return undefined
  const named = fileElementBytes(table)
  if (named !== undefined) return named
  return table.endsWith(`/${ctx.gpuKey}/data.csv`) ? (ctx.gpu.fp8Tflops > ctx.gpu.fp16Tflops ? 1 : 2) : undefined
}

/** What a kernel read from a table does: its weights and their bytes in the format run, its other bytes, its FLOPs at a peak. */
export interface KernelWork {
  weights: number
  weightBytes: number
  otherBytes: number
  flops: number
  peakTflops: number
}

/**
 * Seconds of a kernel whose table time is `tableSeconds` (the lookup
 * `lookup`), its weights being narrower than the table's: the table's time
 * scaled by the bytes it streams (the same achieved bandwidth), no less
 * than its FLOPs at the GPU's default MFU. Weights as wide as the table's
 * (or a table that does not say): the table's time. On A100's MoE tables
 * this gives a median 0.80x the measured weight-only INT4 time (MAPE 27%;
 * the narrower kernels stream a little less efficiently, and at one or two
 * tokens a fixed latency is most of the time), where the BF16 row as
 * measured gives 3.2x (MAPE 201%).
 * @example
 * // A100, 8192 x 5120 FP8 weights read from the 57.08 us BF16 row at m = 1: the bytes,
 * // 8192 x 5120 x 1 + 2 x (8192 + 5120) bytes against 8192 x 5120 x 2 + the same: 0.50016 of the row's.
 * narrowWeightsSeconds(ctx, 57.08e-6, lookup, {weights: 8192 * 5120, weightBytes: 1, otherBytes: 26624, flops: 2 * 8192 * 5120, peakTflops: 312}) // 28.55e-6
 */
export function narrowWeightsSeconds(ctx: SimContext, tableSeconds: number, lookup: MfuLookup, w: KernelWork): number {
  // BF16 weights are as wide as any table: no lookup of the table's bytes on the common path.
  if (!ctx.switches.weightOnlyBytes || w.weightBytes >= 2) return tableSeconds
  const tableBytes = lookup.weightBytes ?? tableWeightBytes(ctx, lookup.table)
  if (tableBytes === undefined || tableBytes <= w.weightBytes) return tableSeconds
  const share = (w.weights * w.weightBytes + w.otherBytes) / (w.weights * tableBytes + w.otherBytes)
  const compute = computeSeconds(w.flops / 1e9, w.peakTflops, ctx.gpu.defaultMfu, ctx.switches.unitsFix)
  return Math.max(tableSeconds * share, compute)
}
