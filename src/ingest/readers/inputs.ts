/** Turns the paths given to `infersim ingest` (files and folders) into read results. */
import {createHash} from 'node:crypto'
import {createReadStream, existsSync, readdirSync, statSync} from 'node:fs'
import path from 'node:path'
import {createInterface} from 'node:readline'
import {InfersimError, inputError, usageError} from '../../errors.js'
import {streamCsv} from '../../io/csv.js'
import {failpoint} from '../../io/failpoint.js'
import {fsErrorReason} from '../../io/fs-errors.js'
import {displayPath} from '../../io/paths.js'
import {RowLimit} from '../row-limit.js'
import {hintsFromPath, resolveTarget, type TargetHints} from '../target.js'
import type {ReadResult} from '../types.js'
import {TableCsvRows} from './csv.js'
import {JsonlRows} from './jsonl.js'
import {sourceInfo, type SourceNotes} from './source.js'

export interface InputOptions {
  out: string
  /** --kernel/--phase/--gpu/--shape: apply to every CSV input. */
  hints: TargetHints
  /** --columns: names for CSV files without a header row. */
  columns?: string[]
  /** --dtype: dtype of tables without a dtype column. */
  dtype?: string
  notes: SourceNotes
  /** --allow-cpu: accept CPU smoke-run records. */
  allowCpu?: boolean
  /** Rows all inputs of the run may hold together (default: what the heap allows). */
  rowLimit?: RowLimit
}

const isInput = (name: string) => /\.(csv|jsonl)$/i.test(name) && !name.startsWith('.')

function walk(dir: string, out: string[]): void {
  for (const entry of readdirSync(dir, {withFileTypes: true}).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (entry.name.startsWith('.')) continue
    const p = path.join(dir, entry.name)
    if (entry.isDirectory()) walk(p, out)
    else if (isInput(entry.name)) out.push(p)
  }
}

/** Every input file under the given paths, in a stable order. */
export function inputFiles(paths: readonly string[]): string[] {
  const files: string[] = []
  for (const p of paths) {
    if (!existsSync(p)) throw usageError(`input ${p} does not exist`)
    if (statSync(p).isDirectory()) {
      const before = files.length
      walk(p, files)
      if (files.length === before) throw usageError(`input folder ${p} holds no .csv or .jsonl files`)
    } else if (isInput(p)) files.push(p)
    else throw usageError(`input ${p} is neither a .csv table nor a .jsonl file of measurements`)
  }
  return files
}

/** Progress of the reading: bytes read of all inputs so far, and their total size. */
export type ReadProgress = (bytesRead: number, bytesTotal: number, rowsRead: number) => void

/** Streams one input: memory holds its rows, never its text, and a progress callback sees the bytes go by. */
export async function readInputFile(file: string, o: InputOptions, onBytes: (n: number) => void = () => {}): Promise<ReadResult> {
  const label = displayPath(path.resolve(file))
  const stream = createReadStream(file)
  const hash = createHash('sha256')
  let lastByte = -1
  stream.on('data', (chunk) => {
    const bytes = chunk as Buffer
    hash.update(bytes)
    lastByte = bytes[bytes.length - 1]
    onBytes(bytes.length)
  })
  const source = sourceInfo(file, {sha256: ''}, o.out, o.notes)
  try {
    if (/\.jsonl$/i.test(file)) {
      const reader = new JsonlRows(source, {allowCpu: o.allowCpu})
      let line = 0
      for await (const raw of createInterface({input: stream, crlfDelay: Infinity})) {
        o.rowLimit?.add(label)
        reader.add(line++ === 0 ? raw.replace(/^\uFEFF/, '') : raw, line)
      }
      source.sha256 = hash.digest('hex')
      return reader.finish()
    }
    const target = resolveTarget(o.hints, hintsFromPath(file), label)
    const {layout} = target
    const hasDtypeColumn = layout.columns.includes('dtype')
    source.assumedDtype = !hasDtypeColumn && !target.stemDtype && layout.mfuColumns.length > 0 ? (o.dtype ?? layout.defaultDtype) : undefined
    const reader = new TableCsvRows(target, source, {columns: o.columns})
    for await (const record of streamCsv(stream, label)) {
      o.rowLimit?.add(label)
      reader.add(record)
      if (reader.headerless && o.columns) source.columnsGiven = o.columns
    }
    source.sha256 = hash.digest('hex')
    return reader.finish(lastByte === 0x0a)
  } catch (error) {
    if (error instanceof InfersimError) throw error
    throw inputError(`${label} cannot be read: ${fsErrorReason(error)}`)
  } finally {
    stream.destroy()
  }
}

/** Reads every input under the given paths, one file after another. */
export async function readInputs(paths: readonly string[], o: InputOptions, progress?: ReadProgress): Promise<ReadResult[]> {
  const files = inputFiles(paths)
  o = {...o, rowLimit: o.rowLimit ?? new RowLimit()}
  const total = files.reduce((s, f) => s + statSync(f).size, 0)
  let bytes = 0
  let rows = 0
  const out: ReadResult[] = []
  for (const f of files) {
    const r = await readInputFile(f, o, (n) => {
      bytes += n
      progress?.(bytes, total, rows)
    })
    rows += r.rowsSeen
    out.push(r)
    failpoint('ingest:read')
  }
  progress?.(bytes, total, rows)
  return out
}
