/**
 * Reads a measurements CSV (text) into typed rows. A file-level problem
 * (no header, a missing header column, broken quoting) throws; a bad row
 * becomes a RowProblem naming file, line and id, so --keep-going can go on.
 */
import {inputError} from '../errors.js'
import {parseCsv} from '../io/csv.js'
import {binaryProblem} from '../io/problems.js'
import {quoteText} from '../util/quote.js'
import {describeError, validator} from '../schemas/validate.js'
import {PHASE_METRICS} from './metrics.js'
import {MEASUREMENT_COLUMNS, type MeasurementFields, type MeasurementRow, type RowProblem} from './types.js'

const INT_COLUMNS = ['world_size', 'nodes', 'tp', 'isl', 'osl'] as const
const FLAG_COLUMNS = ['fp8_gemm', 'fp8_kv', 'deepep', 'tbo'] as const
const TEXT_COLUMNS = ['id', 'model', 'gpu', 'phase', 'metric', 'source', 'notes'] as const
/** Columns that may be empty in a row (the schema and the phase rules decide). */
const OPTIONAL_COLUMNS = new Set(['max_prefill_tokens', 'decode_batch', 'source', 'notes'])
/** Phases that need a decode batch, and those that need a prefill token budget. */
const NEEDS_BATCH = new Set(['decode', 'e2e', 'serving'])
const NEEDS_PREFILL_TOKENS = new Set(['prefill', 'e2e'])

export interface ParsedMeasurements {
  rows: MeasurementRow[]
  problems: RowProblem[]
}

class RowError extends Error {}

function wholeNumber(column: string, cell: string): number {
  const v = Number(cell)
  if (cell === '' || !Number.isFinite(v)) throw new RowError(`column "${column}": ${quoteText(cell)} is not a number`)
  if (!Number.isInteger(v)) throw new RowError(`column "${column}": ${quoteText(cell)} is not a whole number`)
  return v
}

function flag(column: string, cell: string): 0 | 1 {
  if (cell !== '0' && cell !== '1') throw new RowError(`column "${column}": ${quoteText(cell)} must be 0 or 1`)
  return cell === '1' ? 1 : 0
}

function typedFields(cells: Record<string, string>): MeasurementFields {
  const out: Record<string, unknown> = {}
  for (const c of TEXT_COLUMNS) out[c] = cells[c]
  for (const c of INT_COLUMNS) out[c] = wholeNumber(c, cells[c])
  for (const c of FLAG_COLUMNS) out[c] = flag(c, cells[c])
  const mpt = cells.max_prefill_tokens
  out.max_prefill_tokens = mpt === '' ? null : wholeNumber('max_prefill_tokens', mpt)
  const db = cells.decode_batch
  out.decode_batch = db === '' ? null : db.toLowerCase() === 'max' ? 'max' : wholeNumber('decode_batch', db)
  const actual = Number(cells.actual)
  if (cells.actual === '' || !Number.isFinite(actual)) throw new RowError(`column "actual": ${quoteText(cells.actual)} is not a number`)
  out.actual = actual
  return out as unknown as MeasurementFields
}

function checkPhaseRules(f: MeasurementFields): void {
  const metrics = PHASE_METRICS[f.phase]
  if (!metrics) throw new RowError(`column "phase": ${quoteText(f.phase)} is not one of ${Object.keys(PHASE_METRICS).join(', ')}`)
  if (!metrics.includes(f.metric)) throw new RowError(`column "metric": ${quoteText(f.metric)} is not a ${f.phase} metric (${metrics.join(', ')})`)
  if (NEEDS_BATCH.has(f.phase) && f.decode_batch === null) throw new RowError(`a ${f.phase} row needs decode_batch (a number or "max")`)
  if (NEEDS_PREFILL_TOKENS.has(f.phase) && f.max_prefill_tokens === null) throw new RowError(`a ${f.phase} row needs max_prefill_tokens`)
  if (f.tbo === 1 && typeof f.decode_batch === 'number' && NEEDS_BATCH.has(f.phase) && f.decode_batch % 2 !== 0) {
    throw new RowError(`decode_batch ${f.decode_batch} is odd: with tbo = 1 it is split into two micro-batches of half that size`)
  }
  if (f.tbo === 1 && f.phase === 'prefill' && f.max_prefill_tokens !== null && f.max_prefill_tokens % 2 !== 0) {
    throw new RowError(`max_prefill_tokens ${f.max_prefill_tokens} is odd: with tbo = 1 it is split into two micro-batches of half that size`)
  }
}

/** Parses one measurements file's text. `file` names it in messages; `baseDir` resolves relative model paths. */
export function parseMeasurements(text: string, file: string, baseDir: string): ParsedMeasurements {
  const binary = binaryProblem(text)
  if (binary) throw inputError(`${file} ${binary}, not a measurements CSV`)
  const [head, ...records] = parseCsv(text, file)
  const header = head?.line === 1 ? head.cells : []
  const missing = MEASUREMENT_COLUMNS.filter((c) => !header.includes(c))
  if (header.length === 0) throw inputError(`${file}: empty file (no header row)`)
  if (missing.length > 0) throw inputError(`${file}: line 1: the header lacks column(s) ${missing.join(', ')} (expected ${MEASUREMENT_COLUMNS.join(',')})`)
  if (records.length === 0) throw inputError(`${file}: no measurement rows, only the header`)
  const extraColumns = header.filter((c) => !(MEASUREMENT_COLUMNS as readonly string[]).includes(c))
  const check = validator('measurements-row')
  const rows: MeasurementRow[] = []
  const problems: RowProblem[] = []
  for (const {line, cells} of records) {
    const record: Record<string, string | undefined> = Object.fromEntries(header.map((c, i) => [c, cells[i]]))
    const id = record.id || undefined
    try {
      if (cells.length > header.length) throw new RowError(`has ${cells.length} cells, the header has ${header.length}`)
      const absent = MEASUREMENT_COLUMNS.filter((c) => record[c] === undefined || (record[c] === '' && !OPTIONAL_COLUMNS.has(c)))
      if (absent.length > 0) throw new RowError(`missing value(s) for column(s) ${absent.join(', ')}`)
      const fields = typedFields(record as Record<string, string>)
      checkPhaseRules(fields)
      const extra: Record<string, string> = {}
      for (const c of extraColumns) extra[c] = record[c] ?? ''
      if (!check({...fields, ...extra})) throw new RowError(describeError(check.errors![0]))
      rows.push({...fields, file, line, baseDir, extra})
    } catch (error) {
      if (!(error instanceof RowError)) throw error
      problems.push({file, line, id, message: error.message})
    }
  }
  return {rows, problems}
}

/** Duplicate ids across all rows: each later occurrence is a problem naming the first. */
export function duplicateIdProblems(rows: readonly MeasurementRow[]): {rows: MeasurementRow[]; problems: RowProblem[]} {
  const seen = new Map<string, MeasurementRow>()
  const kept: MeasurementRow[] = []
  const problems: RowProblem[] = []
  for (const r of rows) {
    const first = seen.get(r.id)
    if (first) problems.push({file: r.file, line: r.line, id: r.id, message: `duplicate id (first used at ${first.file} line ${first.line})`})
    else {
      seen.set(r.id, r)
      kept.push(r)
    }
  }
  return {rows: kept, problems}
}

export function describeProblem(p: RowProblem): string {
  return `${p.file}: line ${p.line}${p.id ? ` (row ${p.id})` : ''}: ${p.message}`
}
