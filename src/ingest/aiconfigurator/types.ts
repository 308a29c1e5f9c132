/** What the AIConfigurator mappers produce: our kernel tables plus one provenance record each. */
import type {KernelTable} from '../../tables/types.js'

/** Where the rows of one written table came from (written beside it as `<table>.provenance.json`). */
export interface AicProvenance {
  source: string
  license: 'Apache-2.0'
  /** Source files (relative to the imported folder's parent) and their SHA-256. */
  inputs: {file: string; sha256: string}[]
  framework: string
  version: string
  device: string
  /** How one row per shape was chosen when several kernel implementations were measured. */
  selection: string
  /** Rows kept per kernel implementation (AIConfigurator's `kernel_source`). */
  kernelSources: Record<string, number>
  /** Filters applied to the source rows (window size, distribution, dtypes kept...). */
  filters: string[]
  /** How the mfu column was computed, so the simulator's time = FLOPs / (peak * mfu) gives the measured latency back. */
  mfu?: string
  rows: number
}

export interface MappedTable {
  table: KernelTable
  provenance: AicProvenance
  /** The dtype the mfu column is against, for tables whose layout has no dtype column (GEMM, grouped GEMM). */
  dtype?: 'bf16' | 'fp8' | 'nvfp4' | 'int4'
}

/** Facts about the source file every mapper records. */
export interface SourceInfo {
  /** The file, relative to the imported folder's parent (systems/h100_sxm/...). */
  file: string
  sha256: string
  framework: string
  version: string
  device: string
}

export interface MapOptions {
  /** bench_data folder of the GPU (lower-cased GPU name). */
  gpuKey: string
  /** Dense tensor peaks in TFLOP/s the mfu column is computed against. */
  peaks: {bf16: number; fp8?: number; fp4?: number}
  /** Keep only this implementation where the family has it; otherwise the fastest per shape. */
  kernelSource?: string
  /** MoE routing distribution to keep (AIConfigurator: balanced, power_law_1.01, power_law_1.2). */
  moeDistribution: string
  /** Prefill tables: the batch whose batch*seq_len is nearest this token count gives each seq_len's row. */
  prefillTokens: number
  /** GPUs per node, for DeepEP tables (num_gpus = nodes * gpusPerNode). */
  gpusPerNode: number
}

export const AIC_SOURCE = 'NVIDIA AIConfigurator measured kernel database (github.com/ai-dynamo/aiconfigurator), Apache-2.0'

export const DEFAULT_MAP_OPTIONS = {moeDistribution: 'balanced', prefillTokens: 4096} as const
