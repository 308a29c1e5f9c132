export const GiB = 1024 ** 3
export const MiB = 1024 ** 2

/** FLOPs of an (m x k) @ (k x n) matrix product. */
export const gemmFlops = (m: number, k: number, n: number) => 2 * m * k * n

/**
 * Seconds for `gflops` at `peakTflops * mfu`. The compat profile converts
 * TFLOPS with 1024 as the reference does (a units defect); the unitsFix
 * switch uses 1000.
 */
export function computeSeconds(gflops: number, peakTflops: number, mfu: number, unitsFix: boolean): number {
  return gflops / (peakTflops * (unitsFix ? 1000 : 1024) * mfu)
}

/** Seconds to move `bytes` at `bandwidth` GB/s (divided as GiB, as the reference does). */
export const transferSeconds = (bytes: number, bandwidth: number) => bytes / GiB / bandwidth

/**
 * Seconds to stream `bytes` at a datasheet bandwidth of `gbPerSecond` (1e9
 * bytes a second): what no kernel reads from memory faster than.
 *
 * @example
 * // 15.7 MB of L40S weights at 864 GB/s
 * datasheetStreamSeconds(768 * 10240 * 2, 864) // 1.82e-5
 */
export const datasheetStreamSeconds = (bytes: number, gbPerSecond: number) => bytes / (gbPerSecond * 1e9)
