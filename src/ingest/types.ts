/** The data that flows through `infersim ingest`: rows bound for a table, issues, sources. */
import type {Layout} from './layouts/types.js'

/** Where a row goes: one table under the output bench_data folder. */
export interface TableTarget {
  layout: Layout
  /** Lower-cased, sanitised GPU folder name (h20, h800, ...). */
  gpu: string
  /** File stem: the shape key (64-2-128, attn-128-576-2048), or data / <dtype> / <op>. */
  stem: string
  /** Path relative to the output root, forward slashes. */
  relPath: string
  /** Shape numbers read from the stem (heads, kv_heads, head_dim, ...). */
  shape: Record<string, number>
  /** Dtype named by the stem (gemm/<gpu>/fp8.csv). */
  stemDtype?: string
}

/** One input file (or --run capture) and what is known about where it came from. */
/** What is known of an input's origin, kept in provenance. */
export interface SourceNotes {
  license?: string
  origin?: string
  library?: string
  libraryVersion?: string
  /** Benchmark command line, for --run captures. */
  command?: string
  /** Column names given with --columns for a file without a header. */
  columnsGiven?: string[]
  /** Dtype assumed for tables without a dtype column (e.g. GEMM data.csv). */
  assumedDtype?: string
  /** How the JSONL records were timed: count per timer (cuda_graph, cuda_event, wall). */
  timing?: string
  /** Set when CPU smoke-run records were let in with --allow-cpu. */
  cpuTimings?: string
}

export interface SourceInfo extends SourceNotes {
  /** Path as shown to the user. */
  display: string
  /** Path as recorded in provenance: relative to the output root when inside it. */
  recorded: string
  sha256: string
}

/** One row read from an input, not yet validated. */
export interface IngestRow {
  target: TableTarget
  values: Record<string, number | string>
  /** Decimal places of stated MFU values, to judge agreement at the precision they were printed with. */
  mfuDecimals: Record<string, number>
  source: SourceInfo
  line: number
  /** Per-row facts from JSONL records (backend, library, time). */
  meta?: Record<string, string | number>
  /** Extra FLOPs inputs that the table's key does not hold (e.g. MLA v_head_dim). */
  flopsHints?: Record<string, number>
}

export type Severity = 'error' | 'warning'

export interface Issue {
  severity: Severity
  code: string
  /** File shown to the user. */
  file: string
  line?: number
  /** The column at fault, when one is. */
  column?: string
  message: string
}

/** Stated and recomputed MFU of one MFU column of a row. */
export interface MfuCheck {
  column: string
  stated?: number
  recomputed?: number
  /** Which value the table holds. */
  used: 'stated' | 'recomputed'
}

/** A row that passed validation. */
export interface ValidRow extends IngestRow {
  mfuChecks: MfuCheck[]
}

/** What one read produced: rows, plus issues found while reading. */
export interface ReadResult {
  rows: IngestRow[]
  issues: Issue[]
  /** Data rows seen, including those that could not be parsed. */
  rowsSeen: number
}

export const issueAt = (severity: Severity, code: string, file: string, line: number | undefined, message: string, column?: string): Issue =>
  column === undefined ? {severity, code, file, line, message} : {severity, code, file, line, column, message}

export const where = (i: {file: string; line?: number}) => (i.line === undefined ? i.file : `${i.file}:${i.line}`)
