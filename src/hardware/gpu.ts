/** One GPU as stored in a GPU file (datasheet figures plus named derating factors). */
export interface GpuSpec {
  name: string
  aliases?: string[]
  compat?: boolean
  /** The entry with this GPU's measured tables and datasheet figures, for a reference entry that has one (switch measuredGpus). */
  measuredAs?: string
  fp16Tflops: number
  fp8Tflops: number
  int8Tops?: number
  fp4Tflops?: number
  defaultMfu: number
  memGiB: number
  memBwGBs: number
  memBwEfficiency: number
  nvlinkGBs: number
  nvlinkEfficiency: number
  nvlinkDirectionFactor: number
  rdmaGBs: number
  rdmaEfficiency: number
  smClockMHz?: number
  smClockEfficiency?: number
  smCount?: number
  gpusPerNode?: number
  /** CUDA compute capability (9.0 Hopper, 10.0 B200); engines pick some defaults by it. */
  computeCapability?: number
  /** GPUs one NVLink domain joins (GB200 NVL72: the rack's 72, over its trays of 4); gpusPerNode when not given. */
  nvlinkDomain?: number
  /** A GPU with measured tables whose kernels stand in where this one has none (src/tables/donor.ts). */
  tablesFrom?: string
  /** The tablesFrom GPU's entry, linked when the GPU file is loaded (linkTableDonors); not in the file. */
  tableDonor?: GpuSpec
  source: string
}

/** The effective figures the cost model divides by. */
export interface GpuRates {
  fp16Tflops: number
  fp8Tflops: number
  defaultMfu: number
  memGiB: number
  /** Effective memory bandwidth, GB/s (used as GiB/s, as the reference does). */
  memBw: number
  /** Datasheet memory bandwidth, GB/s (1e9 bytes a second): what no kernel streams from memory faster than. */
  memBwPeak: number
  /** Effective one-direction intra-node bandwidth, GB/s. */
  nvlinkBw: number
  /** Effective inter-node bandwidth, GB/s. */
  rdmaBw: number
  /** GPUs one NVLink domain joins where it is wider than a node (GB200 NVL72: 72); undefined: a node. */
  nvlinkDomain: number | undefined
  /** Its compute capability, where its spec gives one (9.0 Hopper, 10.0 Blackwell). */
  computeCapability: number | undefined
}

export function effectiveRates(gpu: GpuSpec): GpuRates {
  return {
    fp16Tflops: gpu.fp16Tflops,
    fp8Tflops: gpu.fp8Tflops,
    defaultMfu: gpu.defaultMfu,
    memGiB: gpu.memGiB,
    memBw: gpu.memBwGBs * gpu.memBwEfficiency,
    memBwPeak: gpu.memBwGBs,
    nvlinkBw: gpu.nvlinkGBs * gpu.nvlinkEfficiency * gpu.nvlinkDirectionFactor,
    rdmaBw: gpu.rdmaGBs * gpu.rdmaEfficiency,
    nvlinkDomain: gpu.nvlinkDomain,
    computeCapability: gpu.computeCapability,
  }
}

/** GPUs in one node where a GPU's spec does not say (an HGX server). */
export const DEFAULT_GPUS_PER_NODE = 8

/** GPUs one node of this GPU holds. */
export const gpuNodeSize = (gpu: {gpusPerNode?: number}): number => gpu.gpusPerNode ?? DEFAULT_GPUS_PER_NODE

/** Widest tensor-parallel attention the engines' serving layouts use (AIConfigurator's layouts: tp 1-8). */
export const MAX_ATTENTION_TP = 8

/**
 * The widest tp attention runs tensor-parallel over on this GPU, as the
 * engines lay it out: one NVLink domain (a node, unless nvlinkDomain names a
 * wider one, as GB200 NVL72's rack does) and at most MAX_ATTENTION_TP GPUs;
 * wider, they run attention data-parallel.
 *
 * @example maxAttentionTp(gb200Nvl72) // 8 (trays of 4 in one NVLink domain of 72)
 */
export function maxAttentionTp(gpu: GpuSpec, gpusPerNode = gpuNodeSize(gpu)): number {
  return Math.min(gpu.nvlinkDomain ?? gpusPerNode, Math.max(gpusPerNode, MAX_ATTENTION_TP))
}

/** Folder name of a GPU's tables in bench_data (the reference uses the lower-cased name). */
export function gpuTableKey(name: string): string {
  return name.toLowerCase()
}

/** The bench_data folders a GPU's simulations read: its own, and its table donor's. */
export const tableKeysOf = (gpu: GpuSpec): string[] => [gpuTableKey(gpu.name), ...(gpu.tableDonor ? [gpuTableKey(gpu.tableDonor.name)] : [])]

/** A GPU name as names are compared: case, '_' or ' ' against '-', and a leading "NVIDIA" do not matter (AIConfigurator's h100_sxm and "NVIDIA H100 SXM" are H100-SXM). */
const nameKey = (name: string) =>
  name
    .trim()
    .toLowerCase()
    .replace(/^nvidia[-_\s]+/, '')
    .replace(/[_\s]+/g, '-')

export function findGpu(gpus: readonly GpuSpec[], name: string): GpuSpec | undefined {
  const wanted = nameKey(name)
  return gpus.find((g) => nameKey(g.name) === wanted || (g.aliases ?? []).some((a) => nameKey(a) === wanted))
}

/**
 * The GPU a simulation uses for `gpu`: its measured entry (`measuredAs`) with
 * the measuredGpus switch, else itself. The reference's H200 and GB200 have no
 * tables of their own, so every lookup on them falls back, and its GB200
 * figures are not the GPU's (13.4 TB/s of HBM where a GB200 GPU has 8).
 */
export function profileGpu(gpu: GpuSpec, gpus: readonly GpuSpec[], switches: {measuredGpus: boolean}): GpuSpec {
  return (switches.measuredGpus && gpu.measuredAs && findGpu(gpus, gpu.measuredAs)) || gpu
}
