/** Reads JSON Lines measurement records: one record per line, each checked against the schema. */
import {describeError, validator} from '../../schemas/validate.js'
import {isCpuRecord, type RawMeasurement} from '../record.js'
import type {IngestRow, Issue, ReadResult, SourceInfo} from '../types.js'
import {issueAt} from '../types.js'
import {recordToRow} from './record-row.js'

export interface JsonlOptions {
  /** --allow-cpu: accept smoke-run records timed on the CPU (provenance says so). */
  allowCpu?: boolean
}

/** How the records of one source were timed, for its provenance entry. */
function timingNotes(source: SourceInfo, timers: Map<string, number>, cpuRecords: number): void {
  if (timers.size > 0) source.timing = [...timers].map(([timer, n]) => `${timer} ${n}`).join(', ')
  if (cpuRecords > 0) source.cpuTimings = `${cpuRecords} records timed on the CPU (smoke run), ingested with --allow-cpu: not GPU measurements`
}

export function readJsonl(text: string, source: SourceInfo, o: JsonlOptions = {}): ReadResult {
  const validate = validator('raw-measurement')
  const rows: IngestRow[] = []
  const issues: Issue[] = []
  const timers = new Map<string, number>()
  let cpuRecords = 0
  let rowsSeen = 0
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/)
  lines.forEach((raw, i) => {
    if (raw.trim() === '') return
    rowsSeen++
    const line = i + 1
    let data: unknown
    try {
      data = JSON.parse(raw)
    } catch (error) {
      issues.push(issueAt('error', 'bad-json', source.display, line, `not valid JSON (${(error as Error).message})`))
      return
    }
    if (!validate(data)) {
      issues.push(issueAt('error', 'schema', source.display, line, describeError(validate.errors![0])))
      return
    }
    const rec = data as RawMeasurement
    if (isCpuRecord(rec)) {
      if (!o.allowCpu) {
        const why = `a smoke-run record timed on the CPU (stats.timer "wall" or env.device "cpu") cannot go into the ${rec.gpu} tables: its latency is not a GPU measurement; pass --allow-cpu to ingest it anyway (provenance records that)`
        issues.push(issueAt('error', 'cpu-record', source.display, line, why))
        return
      }
      cpuRecords++
    }
    const row = recordToRow(rec, source, line)
    if (typeof row === 'string') issues.push(issueAt('error', 'record', source.display, line, row))
    else {
      rows.push(row)
      const timer = String(rec.stats?.timer ?? 'unstated')
      timers.set(timer, (timers.get(timer) ?? 0) + 1)
    }
  })
  timingNotes(source, timers, cpuRecords)
  return {rows, issues, rowsSeen}
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
