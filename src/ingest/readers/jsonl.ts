/** Reads JSON Lines measurement records: one record per line, each checked against the schema. */
import {inputError} from '../../errors.js'
import {jsonProblem} from '../../io/problems.js'
import {quoteText} from '../../util/quote.js'
import {describeError, validator} from '../../schemas/validate.js'
import {isCpuRecord, type RawMeasurement} from '../record.js'
import type {IngestRow, Issue, ReadResult, SourceInfo} from '../types.js'
import {issueAt} from '../types.js'
import {recordToRow} from './record-row.js'

export interface JsonlOptions {
  /** --allow-cpu: accept smoke-run records timed on the CPU (provenance says so). */
  allowCpu?: boolean
}

/** Turns JSON Lines, one line at a time, into rows and issues; notes in the source how the records were timed. */
export class JsonlRows {
  private readonly validate = validator('raw-measurement')
  private readonly rows: IngestRow[] = []
  private readonly issues: Issue[] = []
  private readonly timers = new Map<string, number>()
  private cpuRecords = 0
  private rowsSeen = 0

  constructor(
    private readonly source: SourceInfo,
    private readonly o: JsonlOptions = {},
  ) {}

  add(raw: string, line: number): void {
    if (raw.trim() === '') return
    this.rowsSeen++
    const {source} = this
    let data: unknown
    try {
      data = JSON.parse(raw)
    } catch {
      this.issues.push(issueAt('error', 'bad-json', source.display, line, jsonProblem(raw, true).replace(/^is /, '')))
      return
    }
    if (!this.validate(data)) {
      this.issues.push(issueAt('error', 'schema', source.display, line, describeError(this.validate.errors![0])))
      return
    }
    const rec = data as RawMeasurement
    if (isCpuRecord(rec)) {
      if (!this.o.allowCpu) {
        const why = `a smoke-run record timed on the CPU (stats.timer "wall" or env.device "cpu") cannot go into the ${quoteText(String(rec.gpu))} tables: its latency is not a GPU measurement; pass --allow-cpu to ingest it anyway (provenance records that)`
        this.issues.push(issueAt('error', 'cpu-record', source.display, line, why))
        return
      }
      this.cpuRecords++
    }
    const row = recordToRow(rec, source, line)
    if (typeof row === 'string') this.issues.push(issueAt('error', 'record', source.display, line, row))
    else {
      this.rows.push(row)
      const timer = String(rec.stats?.timer ?? 'unstated')
      this.timers.set(timer, (this.timers.get(timer) ?? 0) + 1)
    }
  }

  finish(): ReadResult {
    if (this.rowsSeen === 0) throw inputError(`${this.source.display}: the file is empty (no measurement records)`)
    if (this.timers.size > 0) this.source.timing = [...this.timers].map(([timer, n]) => `${timer} ${n}`).join(', ')
    if (this.cpuRecords > 0) this.source.cpuTimings = `${this.cpuRecords} records timed on the CPU (smoke run), ingested with --allow-cpu: not GPU measurements`
    return {rows: this.rows, issues: this.issues, rowsSeen: this.rowsSeen}
  }
}

export function readJsonl(text: string, source: SourceInfo, o: JsonlOptions = {}): ReadResult {
  const reader = new JsonlRows(source, o)
  text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((raw, i) => reader.add(raw, i + 1))
  return reader.finish()
}

/** Records as another reader produced them (e.g. AIConfigurator Parquet), with their origin lines. */
export function readRecords(records: Iterable<{record: RawMeasurement; line: number}>, source: SourceInfo): ReadResult {
  const validate = validator('raw-measurement')
  const rows: IngestRow[] = []
  const issues: Issue[] = []
  let rowsSeen = 0
  for (const {record, line} of records) {
    rowsSeen++
    if (!validate(record)) {
      issues.push(issueAt('error', 'schema', source.display, line, describeError(validate.errors![0])))
      continue
    }
    const row = recordToRow(record, source, line)
    if (typeof row === 'string') issues.push(issueAt('error', 'record', source.display, line, row))
    else rows.push(row)
  }
  return {rows, issues, rowsSeen}
}
