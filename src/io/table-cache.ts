/**
 * A binary, columnar copy of each big kernel table, so that a run reads it
 * without parsing CSV. The CSV stays the source of truth: a copy holds the
 * CSV's bytes it was made from and is used only when the CSV's bytes are
 * exactly those, so an edited CSV never meets a stale copy (comparing bytes
 * costs less than hashing them, and cannot collide). A copy also records the
 * CSV file it was made from (device, inode, size, modification and change
 * times) when that file had not changed for CSV_SETTLED_MS: while the file
 * shows the same facts, it has not been written since (any write sets its
 * change time, which no user command can set back), and the bytes are not
 * read again. The bundled tables'
 * copies are written by `npm run build` (dist/table-cache/<table>.bin); any
 * other table (a --bench-data folder, a bundled CSV edited since the build)
 * is parsed once and its copy written, atomically, under the user's cache
 * folder (one file per CSV path), never inside the package. A copy that
 * cannot be read or written is ignored: the CSV is parsed as if there were none.
 *
 * Layout: "ISTB", u32 format, u32 header length, the header (JSON: row
 * count, columns with their kind, their distinct values for text and their
 * number of runs where stored, the CSV's length, the first line when lines
 * are consecutive), padding to 8 bytes, then the lines (i32, unless
 * consecutive) and each column (i32, f64, or u32 indexes into its distinct
 * values) followed by its runs' starts (i32) where stored, each padded to 8
 * bytes, then the CSV's bytes.
 */
import {closeSync, fstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {ColumnarTable, type ColumnValues} from '../tables/columnar.js'
import {fileFacts, sameFacts, type FileFacts} from './file-facts.js'
import {LazyCopy, readAt, type CopyFile, type LazyArray} from './lazy-copy.js'
import type {KernelTable} from '../tables/types.js'
import {PACKAGE_ROOT} from './paths.js'
import {homeDir} from '../util/home-dir.js'

/** Bump when the stored form or what the CSV reader makes of a file changes: older copies are then never read. */
export const TABLE_CACHE_FORMAT = 4
/** Tables smaller than this are parsed at every run: parsing them costs less than reading a copy. */
export const TABLE_CACHE_MIN_BYTES = 32 * 1024

const MAGIC = 'ISTB'

/** Where `npm run build` writes the bundled tables' copies (by their path under bench_data/). */
export const BUNDLED_TABLE_CACHE = path.join(PACKAGE_ROOT, 'dist', 'table-cache')

/** The user's cache folder for tables: $INFERSIM_CACHE_DIR, else the platform's cache folder. */
export function userTableCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.INFERSIM_CACHE_DIR) return path.join(path.resolve(env.INFERSIM_CACHE_DIR), 'tables')
  const home = homeDir(env)
  const base =
    process.platform === 'win32'
      ? (env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local'))
      : process.platform === 'darwin'
        ? path.join(home, 'Library', 'Caches')
        : (env.XDG_CACHE_HOME ?? path.join(home, '.cache'))
  return path.join(base, 'infersim', 'tables')
}

/** The bundled copy of the table at `relPath` under bench_data/. */
export const bundledCopyFile = (relPath: string, dir = BUNDLED_TABLE_CACHE) => path.join(dir, `${relPath}.bin`)

/** The user-cache copy of the CSV at `file`: named by a hash of its absolute path (a collision only costs a re-parse: the bytes decide). */
export function userCopyFile(file: string, dir: string): string {
  const abs = path.resolve(file)
  let h = 0x811c9dc5
  for (let i = 0; i < abs.length; i++) h = Math.imul(h ^ abs.charCodeAt(i), 0x01000193)
  return path.join(dir, `${path.basename(abs, '.csv').replace(/[^\w.-]/g, '_')}-${(h >>> 0).toString(16).padStart(8, '0')}-v${TABLE_CACHE_FORMAT}.bin`)
}

type ColumnKind = 'i32' | 'f64' | 'text'

/** The CSV file a copy was made from, as fstat gives it. */
export type CsvFileStat = FileFacts

/**
 * How long a CSV must have been unchanged for its copy to record the file:
 * more than the change-time resolution of any file system (FAT's 2 s), so
 * that a write after the copy was made cannot leave the change time as it was.
 */
export const CSV_SETTLED_MS = 5000

/** The file facts a copy records, when the file has settled (undefined otherwise). */
export function settledStat(s: CsvFileStat, now = Date.now()): CsvFileStat | undefined {
  return now - s.ctimeMs >= CSV_SETTLED_MS && now - s.mtimeMs >= CSV_SETTLED_MS ? fileFacts(s) : undefined
}

interface Header {
  rows: number
  /** runs: how many runs of equal values the column has, when they are stored (few runs: a sorted key column). */
  columns: {name: string; kind: ColumnKind; values?: string[]; runs?: number}[]
  /** Bytes of the CSV the copy was made from, stored last. */
  csvBytes: number
  /** The first row's line when the rows are on consecutive lines (no lines stored). */
  firstLine?: number
  /** The CSV file the copy was made from, once settled (see CsvFileStat). */
  csvFile?: CsvFileStat
}

const pad8 = (n: number) => (n + 7) & ~7

function kindOf(values: readonly (number | string)[]): ColumnKind {
  if (values.some((v) => typeof v === 'string')) return 'text'
  return values.every((v) => Number.isInteger(v) && (v as number) >= -0x80000000 && (v as number) <= 0x7fffffff && !Object.is(v, -0)) ? 'i32' : 'f64'
}

/** Where each run of equal values starts. */
function runStarts(values: readonly number[]): number[] {
  const starts: number[] = []
  for (let i = 0; i < values.length; i++) if (i === 0 || values[i] !== values[i - 1]) starts.push(i)
  return starts
}

/** The table (parsed from the CSV bytes `csv`, of the file `csvFile` when settled) in the cache's binary form. */
export function encodeTable(table: KernelTable, csv: Uint8Array, csvFile?: CsvFileStat): Buffer {
  const n = table.rows.length
  const consecutive = table.rows.every((r, i) => r.line === table.rows[0].line + i)
  const header: Header = {
    rows: n,
    columns: [],
    csvBytes: csv.length,
    ...(consecutive && n > 0 ? {firstLine: table.rows[0].line} : {}),
    ...(csvFile ? {csvFile} : {}),
  }
  const arrays: ArrayBufferView[] = header.firstLine === undefined ? [Int32Array.from(table.rows, (r) => r.line)] : []
  for (const name of table.columns) {
    const values = table.rows.map((r) => r.values[name])
    const kind = kindOf(values)
    if (kind === 'text') {
      const distinct = [...new Set(values as string[])]
      const index = new Map(distinct.map((v, i) => [v, i]))
      header.columns.push({name, kind, values: distinct})
      arrays.push(Uint32Array.from(values as string[], (v) => index.get(v)!))
    } else {
      const starts = runStarts(values as number[])
      const keepRuns = starts.length <= n / 4
      header.columns.push({name, kind, ...(keepRuns ? {runs: starts.length} : {})})
      arrays.push(kind === 'i32' ? Int32Array.from(values as number[]) : Float64Array.from(values as number[]))
      if (keepRuns) arrays.push(Int32Array.from(starts))
    }
  }
  const json = Buffer.from(JSON.stringify(header))
  let size = pad8(12 + json.length)
  for (const a of arrays) size += pad8(a.byteLength)
  const out = Buffer.alloc(size + csv.length)
  out.write(MAGIC, 0, 'latin1')
  out.writeUInt32LE(TABLE_CACHE_FORMAT, 4)
  out.writeUInt32LE(json.length, 8)
  json.copy(out, 12)
  let offset = pad8(12 + json.length)
  for (const a of arrays) {
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).copy(out, offset)
    offset += pad8(a.byteLength)
  }
  out.set(csv, offset)
  return out
}

/** The stored part of a copy after its header: the lines and the columns, from `buf` (aligned to 8 bytes). */
function decodeColumns(buf: Buffer, header: Header, relPath: string): ColumnarTable | undefined {
  const n = header.rows
  let offset = 0
  const take = <T>(make: (b: ArrayBuffer, o: number, n: number) => T, width: number, count = n): T | undefined => {
    if (offset + count * width > buf.length) return undefined
    const a = make(buf.buffer as ArrayBuffer, buf.byteOffset + offset, count)
    offset += pad8(count * width)
    return a
  }
  const lines = header.firstLine ?? take((b, o, k) => new Int32Array(b, o, k), 4)
  if (lines === undefined) return undefined
  const data: ColumnValues[] = []
  const runs: (Int32Array | undefined)[] = []
  for (const c of header.columns) {
    if (c.kind === 'f64') {
      const a = take((b, o, k) => new Float64Array(b, o, k), 8)
      if (!a) return undefined
      data.push(a)
    } else {
      const a = take((b, o, k) => (c.kind === 'i32' ? new Int32Array(b, o, k) : new Uint32Array(b, o, k)), 4)
      if (!a) return undefined
      data.push(c.kind === 'text' ? Array.from(a, (i) => c.values![i]) : a)
    }
    if (c.runs === undefined) runs.push(undefined)
    else {
      const starts = take((b, o, k) => new Int32Array(b, o, k), 4, c.runs)
      if (!starts) return undefined
      runs.push(starts)
    }
  }
  return new ColumnarTable(relPath, header.columns.map((c) => c.name), lines, data, runs)
}

/** The header of a copy from its first bytes, and where its stored part starts; undefined when they are not a copy of this format. */
function readHeader(first: Buffer, read: (length: number, position: number) => Buffer | undefined): {header: Header; start: number} | undefined {
  if (first.length < 12 || first.toString('latin1', 0, 4) !== MAGIC || first.readUInt32LE(4) !== TABLE_CACHE_FORMAT) return undefined
  const length = first.readUInt32LE(8)
  const json = read(length, 12)
  if (!json) return undefined
  try {
    return {header: JSON.parse(json.toString('utf8')) as Header, start: pad8(12 + length)}
  } catch {
    return undefined
  }
}

/** Typed arrays need aligned offsets: a buffer that does not start on 8 bytes is copied once. */
const aligned = (b: Buffer) => (b.byteOffset % 8 === 0 ? b : Buffer.from(b))

/** The table stored in `bytes` (a whole copy) when it was made from exactly the CSV bytes `csv`; undefined otherwise. */
export function decodeTable(bytes: Buffer, csv: Uint8Array, relPath: string): ColumnarTable | undefined {
  const found = readHeader(bytes.subarray(0, 12), (length, position) => (position + length <= bytes.length ? bytes.subarray(position, position + length) : undefined))
  const csvStart = bytes.length - csv.length
  if (!found || found.header.csvBytes !== csv.length || csvStart < found.start || !bytes.subarray(csvStart).equals(csv)) return undefined
  return decodeColumns(aligned(bytes.subarray(found.start, csvStart)), found.header, relPath)
}

/**
 * Whether the copy `bytes` serves the CSV bytes `csv` of the file `csvFile`
 * as a fresh copy would: made from these bytes, and recording the file when
 * it has settled (npm run build rewrites a copy that does not).
 */
export function copyIsCurrent(bytes: Buffer, csv: Uint8Array, relPath: string, csvFile: CsvFileStat): boolean {
  if (!decodeTable(bytes, csv, relPath)) return false
  const settled = settledStat(csvFile)
  const recorded = readHeader(bytes.subarray(0, 12), (length, position) => bytes.subarray(position, position + length))?.header.csvFile
  return settled === undefined || sameFacts(recorded, settled)
}

/** Chunks for comparing a CSV with a copy's CSV bytes without reading either whole (reused: fresh memory costs page faults). */
const CHUNK = 64 * 1024
const chunks = {csv: Buffer.alloc(0), copy: Buffer.alloc(0)}

/** Whether `length` bytes of the two files, from the given positions, are the same. */
function sameBytes(a: number, aFrom: number, b: number, bFrom: number, length: number): boolean {
  if (chunks.csv.length === 0) [chunks.csv, chunks.copy] = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)]
  for (let done = 0; done < length; done += CHUNK) {
    const n = Math.min(CHUNK, length - done)
    if (!readAt(a, chunks.csv, n, aFrom + done) || !readAt(b, chunks.copy, n, bFrom + done)) return false
    if (!chunks.csv.subarray(0, n).equals(chunks.copy.subarray(0, n))) return false
  }
  return true
}

/**
 * The copy in `copyFile` when it was made from exactly the bytes of the CSV
 * open as `csvFd` (whose fstat is `csv`): the very file it records, unchanged,
 * or else the same bytes, compared a chunk at a time; only then the stored
 * part is read.
 */
function readCopy(copyFile: string, csvFd: number, csv: CsvFileStat, relPath: string, reparse: () => KernelTable): ColumnarTable | undefined {
  let fd: number
  try {
    fd = openSync(copyFile, 'r')
  } catch {
    return undefined
  }
  try {
    const copyStat = fstatSync(fd)
    const size = copyStat.size
    const read = (length: number, position: number) => {
      const b = Buffer.allocUnsafe(length)
      return readAt(fd, b, length, position) ? b : undefined
    }
    const first = read(Math.min(12, size), 0)
    const found = first && readHeader(first, read)
    const csvStart = size - csv.size
    if (!found || found.header.csvBytes !== csv.size || csvStart < found.start) return undefined
    if (!sameFacts(found.header.csvFile, csv) && !sameBytes(csvFd, 0, fd, csvStart, csv.size)) return undefined
    if (csvStart - found.start >= LAZY_COPY_BYTES) {
      const lazy = lazyColumns(fd, {path: copyFile, ...fileFacts(copyStat)}, found.header, found.start, csvStart, relPath, read, reparse)
      if (lazy) {
        // The table reads from the copy as it is used, and closes it (src/io/lazy-copy.ts).
        fd = -1
        return lazy
      }
    }
    const stored = read(csvStart - found.start, found.start)
    return stored && decodeColumns(aligned(stored), found.header, relPath)
  } catch {
    return undefined
  } finally {
    if (fd >= 0) closeSync(fd)
  }
}

/**
 * Copies whose stored part is this big are read as used (src/io/lazy-copy.ts):
 * the bundled GEMM tables (about 0.5 MB each), of which a run reads a few rows.
 */
export const LAZY_COPY_BYTES = 256 * 1024

/**
 * The table of a copy open as `fd`, its columns read as used; undefined when
 * it has a text column (read whole) or its layout does not fit the copy.
 * Its small parts (the runs of key columns) are read now.
 */
function lazyColumns(
  fd: number,
  copy: CopyFile,
  header: Header,
  start: number,
  end: number,
  relPath: string,
  read: (length: number, position: number) => Buffer | undefined,
  reparse: () => KernelTable,
): ColumnarTable | undefined {
  const n = header.rows
  if (header.columns.some((c) => c.kind === 'text')) return undefined
  let offset = start
  const arrays: LazyArray[] = []
  const lazy = (values: Int32Array | Float64Array) => {
    arrays.push({values, offset})
    offset += pad8(n * values.BYTES_PER_ELEMENT)
    return values
  }
  const lines = header.firstLine ?? lazy(new Int32Array(n))
  const data: ColumnValues[] = []
  const runs: (Int32Array | undefined)[] = []
  for (const c of header.columns) {
    data.push(lazy(c.kind === 'f64' ? new Float64Array(n) : new Int32Array(n)))
    if (c.runs === undefined) runs.push(undefined)
    else {
      const bytes = read(c.runs * 4, offset)
      if (!bytes) return undefined
      const starts = aligned(bytes)
      runs.push(new Int32Array(starts.buffer, starts.byteOffset, c.runs))
      offset += pad8(c.runs * 4)
    }
  }
  if (offset !== end) return undefined
  const names = header.columns.map((c) => c.name)
  return new ColumnarTable(relPath, names, lines, data, runs, n, new LazyCopy(fd, copy, n, arrays, header.firstLine === undefined, names, reparse))
}

/** Writes a copy atomically (temp file + rename); a cache that cannot be written is skipped. */
export function writeCopy(file: string, table: KernelTable, csv: Uint8Array, csvFile?: CsvFileStat): void {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`
  try {
    mkdirSync(path.dirname(file), {recursive: true})
    writeFileSync(tmp, encodeTable(table, csv, csvFile && settledStat(csvFile)))
    renameSync(tmp, file)
  } catch {
    try {
      rmSync(tmp, {force: true})
    } catch {}
  }
}

export interface TableCacheOptions {
  /** Folder of the bundled copies (read only). */
  bundledDir?: string
  /** Folder where copies of other tables are written; undefined: none read or written. */
  userDir?: string
}

/**
 * The table in the CSV `file` (at `relPath` under its tables folder): a
 * copy made from exactly its bytes when there is one (the bundled one of
 * that path, else the user cache's), else `parse(bytes)`, whose result is
 * then cached (big tables only). A matching copy is used without reading the
 * CSV whole.
 */
export function cachedTable(file: string, relPath: string, parse: (csv: Buffer) => KernelTable, options: TableCacheOptions): KernelTable {
  const fd = openSync(file, 'r')
  let csv: Buffer
  let stat: CsvFileStat
  try {
    stat = fstatSync(fd)
    if (stat.size >= TABLE_CACHE_MIN_BYTES) {
      // The user cache's name (a hash of the path) is made only when the bundled copy does not serve.
      // A copy read as used falls back on the CSV if it is replaced before it is read whole (src/io/lazy-copy.ts).
      const reparse = () => parse(readFileSync(file))
      const copy =
        (options.bundledDir && readCopy(bundledCopyFile(relPath, options.bundledDir), fd, stat, relPath, reparse)) ||
        (options.userDir && readCopy(userCopyFile(file, options.userDir), fd, stat, relPath, reparse))
      if (copy) return copy
    }
    csv = readFileSync(fd)
  } finally {
    closeSync(fd)
  }
  const table = parse(csv)
  if (csv.length >= TABLE_CACHE_MIN_BYTES && options.userDir) writeCopy(userCopyFile(file, options.userDir), table, csv, stat)
  return table
}
