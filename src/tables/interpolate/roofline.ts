/**
 * The roofline of one kernel call and what it takes to move a measured
 * figure from one shape to another. A measured row gives a latency; its
 * utilisation is roofline time / latency, where the roofline time is
 * max(FLOPs / peak, bytes / bandwidth). Holding the utilisation and
 * rescaling by the roofline of another shape is how values cross shapes
 * (outside the grid, and when borrowing from another shape's table).
 */
import type {LookupEnv} from '../resolver.js'

export type {LookupEnv}

/** FLOPs and bytes moved of one channel of a kernel call (GEMM, up or down projection...). */
export interface Work {
  flops: number
  bytes: number
}


/** Bytes per microsecond of the env's bandwidth; undefined without one. */
export function bytesPerUs(env: LookupEnv): number | undefined {
  return env.memBw && env.memBw > 0 ? (env.memBw * 1024 ** 3) / 1e6 : undefined
}

/**
 * log(roofline time / compute time) = log(max(1, memory time / compute time)):
 * 0 for compute-bound work, larger the more memory-bound it is. `peak` is
 * FLOPs per microsecond at MFU 1 (the table's own), `bw` bytes per microsecond.
 */
export function memoryBoundLog(work: Work, peak: number | undefined, bw: number | undefined): number {
  if (!peak || !bw || work.flops <= 0) return 0
  const computeUs = work.flops / peak
  const memoryUs = work.bytes / bw
  return memoryUs > computeUs ? Math.log(memoryUs / computeUs) : 0
}

/** The lowest MFU a lookup returns: a kernel never does zero work (measured tables go below 1e-6 for tiny GEMMs). */
export const MIN_MFU = 1e-12

export const clampMfu = (v: number) => (Number.isFinite(v) ? Math.min(1, Math.max(MIN_MFU, v)) : MIN_MFU)
