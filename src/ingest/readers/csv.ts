/**
 * Reads a kernel table CSV as the reference benchmark scripts write it:
 * a header row (or --columns for a file without one), then one row per
 * measured shape. Whole-file problems throw; row problems become issues
 * naming the line. Records come from the project's CSV reader (src/io/csv.ts),
 * all at once or streamed.
 */
import {inputError} from '../../errors.js'
import {parseCsv, type CsvRecord} from '../../io/csv.js'
import {binaryProblem} from '../../io/problems.js'
import {quoteText} from '../../util/quote.js'
import {columnsProblem, decimalsOf, TEXT_COLUMNS} from '../columns.js'
import type {IngestRow, Issue, ReadResult, SourceInfo, TableTarget} from '../types.js'
import {issueAt} from '../types.js'

const isNumberText = (s: string) => s.trim() !== '' && Number.isFinite(Number(s.trim()))

/** A first record holding any number is data: a header holds names only. */
export const isDataRecord = (cells: readonly string[]) => cells.some(isNumberText)

export interface CsvReadOptions {
  /** Column names for a file without a header row. */
  columns?: string[]
}

/** Turns a table's records, one at a time, into rows and issues. */
export class TableCsvRows {
  private columns: string[] | undefined
  private hasHeader = false
  private readonly rows: IngestRow[] = []
  private readonly issues: Issue[] = []
  private rowsSeen = 0
  private lastRecordIssue: Issue | undefined
  private readonly mfuColumns: Set<string>
  private readonly label: string

  constructor(
    private readonly target: TableTarget,
    private readonly source: SourceInfo,
    private readonly options: CsvReadOptions = {},
  ) {
    this.label = source.display
    this.mfuColumns = new Set(target.layout.mfuColumns.map((m) => m.column))
  }

  /** Whether the file turned out to have no header row (known after the first record). */
  get headerless(): boolean {
    return this.columns !== undefined && !this.hasHeader
  }

  add(record: CsvRecord): void {
    if (!this.columns) {
      this.start(record)
      if (this.hasHeader) return
    }
    this.addRow(record)
  }

  private start({line, cells}: CsvRecord): void {
    const binary = binaryProblem(cells.join(','))
    if (binary) throw inputError(`${this.label} ${binary}, not a CSV table`)
    this.hasHeader = !isDataRecord(cells)
    if (!this.hasHeader && !this.options.columns) {
      throw inputError(
        `${this.label}: line ${line} is data (numbers), not a header: the file has no header row; ` +
          `name its columns with --columns ${this.target.layout.columns.join(',')}`,
      )
    }
    const columns = this.hasHeader ? cells : this.options.columns!
    const problem = columnsProblem(this.target.layout, columns)
    if (problem) throw inputError(`${this.label}: ${this.hasHeader ? 'header' : '--columns'}: ${problem}`)
    this.columns = columns
  }

  private addRow({line, cells}: CsvRecord): void {
    const columns = this.columns!
    this.rowsSeen++
    this.lastRecordIssue = undefined
    const label = this.label
    if (cells.length !== columns.length) {
      this.lastRecordIssue = issueAt('error', 'cell-count', label, line, `has ${cells.length} cells, the ${this.hasHeader ? 'header' : '--columns'} has ${columns.length}`)
      this.issues.push(this.lastRecordIssue)
      return
    }
    const values: Record<string, number | string> = {}
    const mfuDecimals: Record<string, number> = {}
    let bad: Issue | undefined
    for (let c = 0; c < columns.length; c++) {
      const col = columns[c]
      const cell = cells[c]
      if (TEXT_COLUMNS.has(col)) {
        values[col] = cell
        continue
      }
      const v = cell === '' ? Number.NaN : Number(cell)
      if (!Number.isFinite(v)) bad ??= issueAt('error', 'not-a-number', label, line, `column ${quoteText(col)}: ${quoteText(cell)} is not a finite number`, col)
      values[col] = v
      if (this.mfuColumns.has(col)) mfuDecimals[col] = decimalsOf(cell)
    }
    if (bad) this.issues.push(bad)
    else this.rows.push({target: this.target, values, mfuDecimals, source: this.source, line})
  }

  /** The rows read; `endsWithNewline` tells whether a short last row may be a truncated file. */
  finish(endsWithNewline: boolean): ReadResult {
    if (!this.columns) throw inputError(`${this.label}: the file is empty (no header, no rows)`)
    if (this.lastRecordIssue && !endsWithNewline) this.lastRecordIssue.message += ' (the file may be truncated)'
    return {rows: this.rows, issues: this.issues, rowsSeen: this.rowsSeen}
  }
}

/** Reads a whole table CSV text. */
export function readTableCsv(text: string, target: TableTarget, source: SourceInfo, options: CsvReadOptions = {}): ReadResult {
  const reader = new TableCsvRows(target, source, options)
  for (const r of parseCsv(text, source.display)) reader.add(r)
  return reader.finish(text.endsWith('\n'))
}
