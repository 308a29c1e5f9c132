/**
 * A GPU entry for data/gpus.json from an AIConfigurator system file and the
 * GEMM table imported with it.
 */
import type {GpuSpec} from '../../hardware/gpu.js'
import type {KernelTable} from '../../tables/types.js'
import type {SystemSpec} from './systems.js'

/** Bandwidth derating the system files do not give: InferSim's 0.8, as for the compat GPUs. */
export const LINK_EFFICIENCY = 0.8

/** Short names that do not clash with the compat entries (H200, GB200 stay InferSim's). */
const ALIASES: Record<string, string[]> = {
  'H100-SXM': ['H100'],
  'B200-SXM': ['B200'],
  'A100-SXM': ['A100'],
}

/**
 * The GPU's default MFU, used where no table covers a kernel: the median
 * measured bf16 GEMM MFU over large shapes (m, k, n >= 1024), what a tuned
 * dense kernel reaches on this GPU.
 */
export function medianLargeGemmMfu(table: KernelTable): number | undefined {
  const v = table.rows
    .filter((r) => (r.values.m as number) >= 1024 && (r.values.k as number) >= 1024 && (r.values.n as number) >= 1024)
    .map((r) => r.values.mfu as number)
    .sort((a, b) => a - b)
  if (v.length === 0) return undefined
  const mid = Math.floor(v.length / 2)
  return v.length % 2 === 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2
}

const round = (x: number, digits: number) => Number(x.toFixed(digits))

export function gpuSpecFromSystem(name: string, system: string, s: SystemSpec, defaultMfu: number): GpuSpec {
  const fp8 = s.fp8Flops ?? s.bf16Flops
  const notes = [
    `AIConfigurator systems/${system}.yaml (NVIDIA, Apache-2.0)`,
    `defaultMfu ${round(defaultMfu, 2)} = median measured bf16 GEMM MFU at m,k,n >= 1024 (AIConfigurator gemm_perf)`,
    `memBwEfficiency = the yaml's mem_bw_empirical_scaling_factor; NVLink/RDMA efficiency ${LINK_EFFICIENCY} (InferSim's derating; the yaml has none)`,
    ...(s.fp8Flops ? [] : ['no FP8 tensor cores: fp8Tflops = the bf16 peak (fp8 weights run through bf16 math)']),
    ...(s.intraNodeBw < 100e9 ? ['no NVLink: nvlinkGBs is the PCIe link between GPUs (the yaml\'s intra_node_bw)'] : []),
    ...(s.interRackBw ? [`rdmaGBs is NVLink between the rack's trays (inter_node_bw); between racks ${s.interRackBw / 1e9} GB/s`] : []),
  ]
  return {
    name,
    ...(ALIASES[name] ? {aliases: ALIASES[name]} : {}),
    fp16Tflops: round(s.bf16Flops / 1e12, 2),
    fp8Tflops: round(fp8 / 1e12, 2),
    ...(s.int8Flops ? {int8Tops: round(s.int8Flops / 1e12, 2)} : {}),
    ...(s.fp4Flops ? {fp4Tflops: round(s.fp4Flops / 1e12, 2)} : {}),
    defaultMfu: round(defaultMfu, 2),
    memGiB: round(s.memCapacity / 1024 ** 3, 2),
    memBwGBs: round(s.memBw / 1e9, 1),
    memBwEfficiency: s.memBwScaling ?? LINK_EFFICIENCY,
    // The yaml's intra_node_bw is one direction; the file's nvlinkGBs counts both, halved by the direction factor.
    nvlinkGBs: round((2 * s.intraNodeBw) / 1e9, 1),
    nvlinkEfficiency: LINK_EFFICIENCY,
    nvlinkDirectionFactor: 0.5,
    rdmaGBs: round(s.interNodeBw / 1e9, 1),
    rdmaEfficiency: LINK_EFFICIENCY,
    gpusPerNode: s.gpusPerNode,
    ...(s.computeCapability ? {computeCapability: s.computeCapability} : {}),
    source: notes.join('; '),
  }
}
