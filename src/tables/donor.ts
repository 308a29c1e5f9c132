/**
 * Kernel figures for a GPU without measured tables, from a GPU with them
 * (`tablesFrom` in the GPU file: B300 from B200, H100 PCIe from H100 SXM).
 * A donor's measured row gives its latency at a shape; its utilisation
 * there, roofline time / latency with the donor's peak and bandwidth,
 * carries to this GPU's roofline. A decode GEMM that reaches 60% of the
 * donor's bandwidth reaches 60% of this one's, where the fallback would
 * give it all of it (every small-m GEMM, every attention core at the
 * default efficiency of the roofline).
 */
import {gpuNodeSize, type GpuSpec} from '../hardware/gpu.js'
import type {KernelWork} from './resolver.js'
import {clampMfu} from './interpolate/roofline.js'

/** The donor GPU's peak for the dtype whose peak is `peakTflops` on `gpu` (same field of the spec; the bf16 ratio where none matches). */
export function donorPeak(gpu: GpuSpec, donor: GpuSpec, peakTflops: number): number {
  const fields = ['fp16Tflops', 'fp8Tflops', 'fp4Tflops', 'int8Tops'] as const
  const same = fields.find((f) => gpu[f] !== undefined && donor[f] !== undefined && Math.abs(gpu[f]! - peakTflops) <= 1e-9 * peakTflops)
  return same ? donor[same]! : (peakTflops * donor.fp16Tflops) / gpu.fp16Tflops
}

/**
 * The MFU on this GPU of a kernel whose MFU on the donor is `donorMfu`: the
 * donor's utilisation of its roofline on this GPU's roofline. Bandwidths in
 * GiB/s (as the simulator counts them), peaks in TFLOP/s.
 *
 * @example
 * // A memory-bound GEMM (1 GFLOP, 1 GiB) at half its roofline speed on the donor, on a GPU of half the bandwidth and the same peak: half the MFU.
 * carriedMfu(0.001, {flops: 1e9, bytes: 1024 ** 3, peakTflops: 1000}, {peak: 1000, memBw: 2000}, {memBw: 1000}) // 0.0005
 */
export function carriedMfu(donorMfu: number, work: Pick<KernelWork, 'flops' | 'bytes' | 'peakTflops'>, donor: {peak: number; memBw: number}, gpu: {memBw: number}): number {
  if (work.flops <= 0) return clampMfu((donorMfu * donor.peak) / work.peakTflops)
  const gib = work.bytes / 1024 ** 3
  const donorSeconds = work.flops / (donorMfu * donor.peak * 1e12)
  const donorRoof = Math.max(work.flops / (donor.peak * 1e12), gib / donor.memBw)
  const utilisation = donorRoof / donorSeconds
  const seconds = Math.max(work.flops / (work.peakTflops * 1e12), gib / gpu.memBw) / utilisation
  return clampMfu(work.flops / (seconds * work.peakTflops * 1e12))
}

/** Whether two GPUs are joined by the same links (NVLink bandwidth and its derating, GPUs a node and an NVLink domain): then their collectives take the same time. */
export const sameLinks = (a: GpuSpec, b: GpuSpec): boolean =>
  a.nvlinkGBs === b.nvlinkGBs &&
  a.nvlinkEfficiency === b.nvlinkEfficiency &&
  a.nvlinkDirectionFactor === b.nvlinkDirectionFactor &&
  gpuNodeSize(a) === gpuNodeSize(b) &&
  (a.nvlinkDomain ?? gpuNodeSize(a)) === (b.nvlinkDomain ?? gpuNodeSize(b))
