/**
 * Reads a kernel table CSV as the reference benchmark scripts write it:
 * a header row (or --columns for a file without one), then one row per
 * measured shape. Whole-file problems throw; row problems become issues
 * naming the line.
 */
import {inputError} from '../../errors.js'
import {binaryProblem} from '../../io/problems.js'
import {quoteText} from '../../util/quote.js'
import {columnsProblem, decimalsOf, TEXT_COLUMNS} from '../columns.js'
import type {IngestRow, Issue, ReadResult, SourceInfo, TableTarget} from '../types.js'
import {issueAt} from '../types.js'

const isNumberText = (s: string) => s.trim() !== '' && Number.isFinite(Number(s.trim()))

/** A first line holding any number is data: a header holds names only. */
export const isDataLine = (line: string) => line.split(',').some(isNumberText)

/** The first non-blank line of a CSV text. */
export const firstLineOf = (text: string) => text.replace(/^\uFEFF/, '').split(/\r?\n/).find((l) => l.trim() !== '') ?? ''

export interface CsvReadOptions {
  /** Column names for a file without a header row. */
  columns?: string[]
}

export function readTableCsv(text: string, target: TableTarget, source: SourceInfo, options: CsvReadOptions = {}): ReadResult {
  const label = source.display
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/)
  const firstIndex = lines.findIndex((l) => l.trim() !== '')
  if (firstIndex < 0) throw inputError(`${label}: the file is empty (no header, no rows)`)
  const binary = binaryProblem(text)
  if (binary) throw inputError(`${label} ${binary}, not a CSV table`)
  const firstCells = lines[firstIndex].split(',').map((c) => c.trim())
  const hasHeader = !isDataLine(lines[firstIndex])
  let columns: string[]
  let dataStart: number
  if (hasHeader) {
    columns = firstCells
    dataStart = firstIndex + 1
  } else {
    if (!options.columns) {
      throw inputError(
        `${label}: line ${firstIndex + 1} is data (numbers), not a header: the file has no header row; ` +
          `name its columns with --columns ${target.layout.columns.join(',')}`,
      )
    }
    columns = options.columns
    dataStart = firstIndex
  }
  const problem = columnsProblem(target.layout, columns)
  if (problem) throw inputError(`${label}: ${hasHeader ? 'header' : '--columns'}: ${problem}`)

  const rows: IngestRow[] = []
  const issues: Issue[] = []
  let rowsSeen = 0
  const mfuColumns = new Set(target.layout.mfuColumns.map((m) => m.column))
  for (let i = dataStart; i < lines.length; i++) {
    const raw = lines[i]
    if (raw.trim() === '') continue
    rowsSeen++
    const lineNo = i + 1
    const cells = raw.split(',').map((c) => c.trim())
    if (cells.length !== columns.length) {
      const hint = i === lines.length - 1 && !text.endsWith('\n') ? ' (the file may be truncated)' : ''
      issues.push(issueAt('error', 'cell-count', label, lineNo, `has ${cells.length} cells, the ${hasHeader ? 'header' : '--columns'} has ${columns.length}${hint}`))
      continue
    }
    const values: Record<string, number | string> = {}
    const mfuDecimals: Record<string, number> = {}
    let bad: Issue | undefined
    columns.forEach((col, c) => {
      const cell = cells[c]
      if (TEXT_COLUMNS.has(col)) {
        values[col] = cell
        return
      }
      const v = cell === '' ? Number.NaN : Number(cell)
      if (!Number.isFinite(v)) bad ??= issueAt('error', 'not-a-number', label, lineNo, `column "${col}": ${quoteText(cell)} is not a finite number`)
      values[col] = v
      if (mfuColumns.has(col)) mfuDecimals[col] = decimalsOf(cell)
    })
    if (bad) {
      issues.push(bad)
      continue
    }
    rows.push({target, values, mfuDecimals, source, line: lineNo})
  }
  return {rows, issues, rowsSeen}
}
