/** Reads JSON Lines measurement records: one record per line, each checked against the schema. */
import {jsonProblem} from '../../io/problems.js'
import {describeError, validator} from '../../schemas/validate.js'
import type {RawMeasurement} from '../record.js'
import type {IngestRow, Issue, ReadResult, SourceInfo} from '../types.js'
import {issueAt} from '../types.js'
import {recordToRow} from './record-row.js'

export function readJsonl(text: string, source: SourceInfo): ReadResult {
  const validate = validator('raw-measurement')
  const rows: IngestRow[] = []
  const issues: Issue[] = []
  let rowsSeen = 0
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/)
  lines.forEach((raw, i) => {
    if (raw.trim() === '') return
    rowsSeen++
    const line = i + 1
    let data: unknown
    try {
      data = JSON.parse(raw)
    } catch {
      issues.push(issueAt('error', 'bad-json', source.display, line, jsonProblem(raw, true).replace(/^is /, '')))
      return
    }
    if (!validate(data)) {
      issues.push(issueAt('error', 'schema', source.display, line, describeError(validate.errors![0])))
      return
    }
    const row = recordToRow(data as RawMeasurement, source, line)
    if (typeof row === 'string') issues.push(issueAt('error', 'record', source.display, line, row))
    else rows.push(row)
  })
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
