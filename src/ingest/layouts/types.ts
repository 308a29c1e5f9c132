/** What a kernel table looks like: its columns, grid keys, latencies, MFUs and file name. */
export type Phase = 'prefill' | 'decode'

export type LayoutFolder = 'gemm' | 'mha' | 'mla' | 'mla_bmm' | 'grouped_gemm' | 'gdn' | 'dsa' | 'comm'

export type LayoutId =
  | 'gemm'
  | 'mha-decode'
  | 'mha-prefill'
  | 'mla-decode'
  | 'mla-prefill'
  | 'mla_bmm'
  | 'grouped_gemm-decode'
  | 'grouped_gemm-prefill'
  | 'gdn-decode'
  | 'gdn-prefill'
  | 'dsa-attn-decode'
  | 'dsa-attn-prefill'
  | 'dsa-logits-decode'
  | 'dsa-logits-prefill'
  | 'comm'

export type Values = Record<string, number | string>

/**
 * How the file stem names the table:
 * `shape`: numbers joined by '-' (after an optional prefix), e.g. 64-2-128 = heads-kv_heads-head_dim;
 *   with `window`, an optional last part `w<tokens>` names a sliding-window kernel (64-8-64-w128: each
 *   query attends to the last 128 keys), read into the shape as `window`;
 * `dtype`: `data` (the reference's single table) or a dtype (bf16.csv, fp8.csv); with `routing`
 *   also `wideep-<distribution>` (MoE expert compute of the wide-EP path, fp8, per routing distribution);
 * `op`: a communication op name (allreduce, alltoall, deepep_ll_dispatch, ...).
 */
export type StemRule = {kind: 'shape'; prefix?: string; parts: string[]; window?: boolean} | {kind: 'dtype'; routing?: boolean} | {kind: 'op'}

export interface Layout {
  id: LayoutId
  folder: LayoutFolder
  phase?: Phase
  /** Fixed columns, in output order. */
  columns: string[]
  /** GDN: after the first column, any number of latency columns (µs), one per sub-kernel. */
  openLatencyParts?: boolean
  /** Columns that identify a row, in sort order. */
  gridKeys: string[]
  /**
   * GEMM: rows are grouped by these keys, groups in the order first ingested,
   * and sorted by the other grid keys within a group. The compat lookup
   * breaks distance ties between (k, n) sites by file order (as the reference
   * does), so a full sort would change which site wins a tie.
   */
  siteKeys?: string[]
  /** Columns holding latencies in µs (must be > 0). With openLatencyParts, every column after the first. */
  latencyColumns: string[]
  /** MFU columns and the latency each is computed from. */
  mfuColumns: {column: string; latency: string}[]
  /** Grid keys along which the work grows (monotonicity checks). */
  workAxes: string[]
  stem: StemRule
  /** Dtype of the kernel when the table has no dtype column. */
  defaultDtype?: string
  /**
   * FLOPs of one measured call, per MFU column, from the row and the shape in
   * the file name (and hints a JSONL record may carry). Undefined: no MFU.
   */
  /**
   * Set when the FLOPs are an expectation rather than the exact count (why):
   * a recomputed MFU above 1 is then a warning, not an error.
   */
  flopsEstimate?: string
  flops?: (v: Values, shape: Record<string, number>, hints?: Record<string, number>) => Record<string, number>
}

/** Latency columns of a table with these columns. */
export function latencyColumnsOf(layout: Layout, columns: readonly string[]): string[] {
  return layout.openLatencyParts ? columns.slice(1) : layout.latencyColumns
}
