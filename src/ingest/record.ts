/**
 * One raw kernel measurement (src/schemas/raw-measurement.schema.json).
 * Every input format (reference CSV tables, our JSONL, AIConfigurator Parquet)
 * is read into these records; ingest validates them and writes tables.
 */
export type KernelKind = 'gemm' | 'attention' | 'mla' | 'grouped_gemm' | 'gdn' | 'dsa_attn' | 'dsa_logits' | 'allreduce' | 'alltoall'

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
  stats?: Record<string, number | string>
  backend?: string
  env?: Record<string, string | number>
  time?: string
}

/** Where a record came from, for error messages and provenance. */
export interface RecordOrigin {
  file: string
  line: number
}
