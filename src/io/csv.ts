/**
 * The one CSV reader (csv-parse): quoted fields, a UTF-8 BOM, CRLF or LF.
 * Cells come trimmed, blank lines are skipped, and every record carries the
 * line it starts on. Broken quoting throws an error naming the file and line.
 */
import {createReadStream} from 'node:fs'
import type {Readable} from 'node:stream'
import type {Options} from 'csv-parse'
import {inputError} from '../errors.js'
import {requireLazily} from '../util/require-lazily.js'

// The parser is loaded when a text needs it (quoting, a stray carriage return, a stream): the bundled
// tables never do (splitPlain below), and a start-up pays for every module it loads.
const parseSync = (text: string, options: Options) => (requireLazily('csv-parse/sync') as typeof import('csv-parse/sync')).parse(text, options)
const parseStream = (options: Options) => (requireLazily('csv-parse') as typeof import('csv-parse')).parse(options)

export interface CsvRecord {
  /** 1-based line the record starts on. */
  line: number
  cells: string[]
}

// Blank lines are kept by the parser (one record each) so that line numbers
// follow from the records alone; `lineCounter` drops them. CRLF and LF may mix
// (a file edited on two systems).
const OPTIONS: Options = {bom: true, trim: true, relax_column_count: true, skip_empty_lines: false, record_delimiter: ['\r\n', '\n']}

const REASONS: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED: 'a quoted field is never closed (the file ends inside it)',
  INVALID_OPENING_QUOTE: 'a quote inside an unquoted field (quote the whole field and double inner quotes)',
  CSV_INVALID_CLOSING_QUOTE: 'text follows the closing quote of a field',
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: 'text follows the closing quote of a field',
  CSV_MAX_RECORD_SIZE: 'a field is too long',
}

/** The parser's error as one message naming the file and line (never the cell's text). */
function csvError(label: string, error: unknown): Error {
  const e = error as Error & {code?: string; lines?: number}
  if (!e.code?.startsWith('CSV_') && e.code !== 'INVALID_OPENING_QUOTE') return e
  const reason = REASONS[e.code] ?? `not valid CSV (${e.code})`
  return inputError(`${label}${e.lines ? `: line ${e.lines}` : ''}: ${reason}`)
}

const isBlank = (cells: readonly string[]) => cells.length === 1 && cells[0] === ''

// Index loops here and below: a start-up parses its small tables while this code is cold, where each
// for-of iteration allocates (and the garbage costs a scavenge).
function newlinesIn(cells: readonly string[]): number {
  let n = 0
  for (let c = 0; c < cells.length; c++) for (let i = cells[c].indexOf('\n'); i >= 0; i = cells[c].indexOf('\n', i + 1)) n++
  return n
}

/** Turns the parser's records (one per line, blank ones included) into records with their line, blank ones dropped. */
function lineCounter(): (cells: string[]) => CsvRecord | undefined {
  let next = 1
  return (cells) => {
    const line = next
    next += 1 + newlinesIn(cells)
    return isBlank(cells) ? undefined : {line, cells}
  }
}

/**
 * A text without quotes and without a carriage return outside CRLF: records
 * are its lines and cells its commas, exactly as the parser reads them. The
 * bundled kernel tables are such texts; splitting them is several times
 * faster than the parser, which matters at start-up.
 */
const isPlain = (text: string) => !text.includes('"') && !/\r(?!\n)/.test(text)

function splitPlain(text: string): string[][] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  const lines = body.split(/\r?\n/)
  // A final line ending ends the last record; it does not start an empty one.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop()
  const records = new Array<string[]>(lines.length)
  for (let l = 0; l < lines.length; l++) {
    const cells = lines[l].split(',')
    for (let c = 0; c < cells.length; c++) cells[c] = cells[c].trim()
    records[l] = cells
  }
  return records
}

/** Every record of a CSV text. */
export function parseCsv(text: string, label: string): CsvRecord[] {
  let raw: string[][]
  try {
    raw = isPlain(text) ? splitPlain(text) : (parseSync(text, OPTIONS) as string[][])
  } catch (error) {
    throw csvError(label, error)
  }
  const count = lineCounter()
  const out: CsvRecord[] = []
  for (let i = 0; i < raw.length; i++) {
    const r = count(raw[i])
    if (r) out.push(r)
  }
  return out
}

/** The records of a CSV stream, as they are parsed (memory stays flat however long the input). */
export async function* streamCsv(input: Readable, label: string): AsyncGenerator<CsvRecord> {
  const count = lineCounter()
  const parser = input.pipe(parseStream(OPTIONS))
  input.on('error', (error) => parser.destroy(error))
  try {
    for await (const cells of parser as AsyncIterable<string[]>) {
      const r = count(cells)
      if (r) yield r
    }
  } catch (error) {
    throw csvError(label, error)
  } finally {
    input.destroy()
  }
}

/** The records of a CSV file, streamed. */
export function readCsvFile(file: string, label: string): AsyncGenerator<CsvRecord> {
  return streamCsv(createReadStream(file), label)
}
