/**
 * One raw kernel measurement (src/schemas/raw-measurement.schema.json).
 * Every input format (reference CSV tables, our JSONL, AIConfigurator Parquet)
 * is read into these records; ingest validates them and writes tables.
 */
export type DeepEpKernel = 'deepep_ll_dispatch' | 'deepep_ll_combine' | 'deepep_normal_dispatch' | 'deepep_normal_combine'
export type KernelKind = 'gemm' | 'attention' | 'mla' | 'grouped_gemm' | 'gdn' | 'dsa_attn' | 'dsa_logits' | 'allreduce' | 'allgather' | 'reduce_scatter' | 'alltoall' | DeepEpKernel

export interface RawMeasurement {
  kernel: KernelKind
  phase?: 'prefill' | 'decode'
  gpu: string
  dtype: string
  kv_dtype?: string
  shape: Record<string, number>
  parts?: Record<string, number>
  latency_us: number
  mfu?: number
  stats?: Record<string, number | string | boolean>
  backend?: string
  env?: Record<string, string | number>
  time?: string
}

/** Where a record came from, for error messages and provenance. */
export interface RecordOrigin {
  file: string
  line: number
}

/** A smoke-run record: timed by the wall clock, or on the CPU. Its latencies say nothing about a GPU. */
export const isCpuRecord = (rec: RawMeasurement) => rec.stats?.timer === 'wall' || rec.env?.device === 'cpu' || rec.env?.gpu_name === 'cpu'
