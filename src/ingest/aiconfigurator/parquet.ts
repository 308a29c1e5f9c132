/** Reads one AIConfigurator Parquet table (ZSTD pages) into plain row objects. */
import {createHash} from 'node:crypto'
import {readFileSync} from 'node:fs'
import {inputError} from '../../errors.js'
import {libraryProblem} from '../../io/problems.js'
import {describeValue} from '../../util/quote.js'

/** One row as hyparquet returns it (64-bit integers are bigint; read through cellNumber/cellText). */
export type AicRow = Record<string, unknown>

/** Every row of the file, and the file's SHA-256. */
export async function readParquetRows(file: string, label = file): Promise<{rows: AicRow[]; sha256: string}> {
  let bytes: Buffer
  try {
    bytes = readFileSync(file)
  } catch (error) {
    throw inputError(`${label}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`)
  }
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
  // Loaded on first use: the CLI bundle keeps these libraries outside, and most commands never read Parquet.
  const [{parquetReadObjects}, {compressors}] = await Promise.all([import('hyparquet'), import('hyparquet-compressors')])
  let raw: Record<string, unknown>[]
  try {
    raw = await parquetReadObjects({file: buffer, compressors})
  } catch (error) {
    throw inputError(`${label}: not a readable Parquet file (${libraryProblem(error)})`)
  }
  return {rows: raw, sha256: createHash('sha256').update(bytes).digest('hex')}
}

/** A numeric cell, or an error naming the file, row and column. */
export function cellNumber(row: AicRow, column: string, label: string, index: number): number {
  const v = row[column]
  const n = typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : Number.NaN
  if (!Number.isFinite(n)) throw inputError(`${label}: row ${index + 1}, column "${column}": ${describeValue(v)} is not a number`)
  return n
}

/** A text cell ('' when absent). */
export function cellText(row: AicRow, column: string): string {
  const v = row[column]
  return v === undefined || v === null ? '' : String(v)
}

/** Checks that the columns a mapper needs are present; names the missing ones. */
export function requireColumns(rows: readonly AicRow[], columns: readonly string[], label: string): void {
  if (rows.length === 0) return
  const missing = columns.filter((c) => !(c in rows[0]))
  if (missing.length > 0) throw inputError(`${label}: missing column(s) ${missing.join(', ')}`)
}
