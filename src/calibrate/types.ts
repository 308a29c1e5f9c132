/** A measurement row (one measured figure of one deployment) and what evaluating it gives. */

/** The columns every measurements file has, in this order. */
export const MEASUREMENT_COLUMNS = [
  'id',
  'model',
  'gpu',
  'world_size',
  'nodes',
  'tp',
  'fp8_gemm',
  'fp8_kv',
  'deepep',
  'tbo',
  'isl',
  'osl',
  'phase',
  'max_prefill_tokens',
  'decode_batch',
  'metric',
  'actual',
  'source',
  'notes',
] as const

export type MeasurementColumn = (typeof MEASUREMENT_COLUMNS)[number]

/** A row as the schema (src/schemas/measurements-row.schema.json) describes it: typed, snake_case. */
export interface MeasurementFields {
  id: string
  model: string
  gpu: string
  world_size: number
  nodes: number
  tp: number
  fp8_gemm: 0 | 1
  fp8_kv: 0 | 1
  deepep: 0 | 1
  tbo: 0 | 1
  isl: number
  osl: number
  phase: string
  max_prefill_tokens: number | null
  decode_batch: number | 'max' | null
  metric: string
  actual: number
  source: string
  notes: string
}

export interface MeasurementRow extends MeasurementFields {
  /** File the row came from (as given) and its 1-based line. */
  file: string
  line: number
  /** Folder that relative model paths are resolved against. */
  baseDir: string
  /** Columns beyond the standard ones, carried into the output as text. */
  extra: Record<string, string>
}

/** A row that could not be read: names the file, line and (when known) id. */
export interface RowProblem {
  file: string
  line: number
  id?: string
  message: string
}

/** Share-of-time features of a simulated row, each in [0, 1] (see features.ts). */
export type FeatureName = 'overhead' | 'comm' | 'memory' | 'fallback'
export type Features = Record<FeatureName, number>

export type OutcomeStatus = 'ok' | 'failed' | 'skipped'

/** One row evaluated under one profile. */
export interface RowOutcome {
  profile: string
  id: string
  file: string
  line: number
  phase: string
  metric: string
  actual: number
  status: OutcomeStatus
  simulated?: number
  /** 100 * (simulated - actual) / actual. */
  error_pct?: number
  /** log(actual speed / simulated speed): positive when the real system is faster. */
  speed_log_ratio?: number
  features?: Features
  /** Codes of the simulator's warnings for this row. */
  warnings?: string[]
  /** Why the row failed or was skipped. */
  error?: string
  extra: Record<string, string>
}

export interface ErrorSummary {
  rows: number
  /** Mean absolute percentage error. */
  mape: number
  /** Largest absolute percentage error. */
  max_abs: number
  /** Mean signed percentage error (positive: the simulator predicts too high a value). */
  bias: number
}

/** Summaries per phase and overall for one profile. */
export interface ProfileSummary {
  phases: Record<string, ErrorSummary>
  overall: ErrorSummary
  failed: number
  skipped: number
}
