/**
 * A binary, columnar copy of each big kernel table, so that a run reads it
 * without parsing CSV. The CSV stays the source of truth: a copy holds the
 * CSV's bytes it was made from and is used only when the CSV's bytes are
 * exactly those, so an edited CSV never meets a stale copy (comparing bytes
 * costs less than hashing them, and cannot collide). The bundled tables'
 * copies are written by `npm run build` (dist/table-cache/<table>.bin); any
 * other table (a --bench-data folder, a bundled CSV edited since the build)
 * is parsed once and its copy written, atomically, under the user's cache
 * folder (one file per CSV path), never inside the package. A copy that
 * cannot be read or written is ignored: the CSV is parsed as if there were none.
 *
 * Layout: "ISTB", u32 format, u32 header length, the header (JSON: row
 * count, columns with their kind and, for text, their distinct values,
 * the CSV's length), padding to 8 bytes, then the lines (i32) and each
 * column (i32, f64, or u32 indexes into its distinct values), each padded
 * to 8 bytes, then the CSV's bytes.
 */
import {mkdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {ColumnarTable, type ColumnValues} from '../tables/columnar.js'
import type {KernelTable} from '../tables/types.js'
import {PACKAGE_ROOT} from './paths.js'

/** Bump when the stored form or what the CSV reader makes of a file changes: older copies are then never read. */
export const TABLE_CACHE_FORMAT = 2
/** Tables smaller than this are parsed at every run: parsing them costs less than reading a copy. */
export const TABLE_CACHE_MIN_BYTES = 32 * 1024

const MAGIC = 'ISTB'

/** Where `npm run build` writes the bundled tables' copies (by their path under bench_data/). */
export const BUNDLED_TABLE_CACHE = path.join(PACKAGE_ROOT, 'dist', 'table-cache')

/** The user's cache folder for tables: $INFERSIM_CACHE_DIR, else the platform's cache folder. */
export function userTableCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.INFERSIM_CACHE_DIR) return path.join(path.resolve(env.INFERSIM_CACHE_DIR), 'tables')
  const home = os.homedir()
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

interface Header {
  rows: number
  /** runs: how many runs of equal values the column has, when they are stored (few runs: a sorted key column). */
  columns: {name: string; kind: ColumnKind; values?: string[]; runs?: number}[]
  /** Bytes of the CSV the copy was made from, stored last. */
  csvBytes: number
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

/** The table (parsed from the CSV bytes `csv`) in the cache's binary form. */
export function encodeTable(table: KernelTable, csv: Uint8Array): Buffer {
  const n = table.rows.length
  const header: Header = {rows: n, columns: [], csvBytes: csv.length}
  const arrays: ArrayBufferView[] = [Int32Array.from(table.rows, (r) => r.line)]
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

/** The table stored in `bytes` when it was made from exactly the CSV bytes `csv`; undefined otherwise (or when `bytes` are not a whole copy of this format). */
export function decodeTable(bytes: Buffer, csv: Uint8Array, relPath: string): ColumnarTable | undefined {
  if (bytes.length < 12 + csv.length || bytes.toString('latin1', 0, 4) !== MAGIC || bytes.readUInt32LE(4) !== TABLE_CACHE_FORMAT) return undefined
  if (!bytes.subarray(bytes.length - csv.length).equals(csv)) return undefined
  const headerLength = bytes.readUInt32LE(8)
  let header: Header
  try {
    header = JSON.parse(bytes.toString('utf8', 12, 12 + headerLength)) as Header
  } catch {
    return undefined
  }
  if (header.csvBytes !== csv.length) return undefined
  // Typed arrays need aligned offsets: a buffer that does not start on 8 bytes is copied once.
  const buf = bytes.byteOffset % 8 === 0 ? bytes : Buffer.from(bytes)
  const n = header.rows
  let offset = pad8(12 + headerLength)
  const take = <T>(make: (b: ArrayBuffer, o: number, n: number) => T, width: number, count = n): T | undefined => {
    if (offset + count * width > buf.length - csv.length) return undefined
    const a = make(buf.buffer as ArrayBuffer, buf.byteOffset + offset, count)
    offset += pad8(count * width)
    return a
  }
  const lines = take((b, o, k) => new Int32Array(b, o, k), 4)
  if (!lines) return undefined
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

function readCopy(file: string, csv: Uint8Array, relPath: string): ColumnarTable | undefined {
  let bytes: Buffer
  try {
    bytes = readFileSync(file)
  } catch {
    return undefined
  }
  return decodeTable(bytes, csv, relPath)
}

/** Writes a copy atomically (temp file + rename); a cache that cannot be written is skipped. */
export function writeCopy(file: string, table: KernelTable, csv: Uint8Array): void {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`
  try {
    mkdirSync(path.dirname(file), {recursive: true})
    writeFileSync(tmp, encodeTable(table, csv))
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
 * The table in `csv` (the bytes of `file`, at `relPath` under its tables
 * folder): a copy made from exactly these bytes when there is one (the
 * bundled one of that path, else the user cache's), else `parse()`, whose
 * result is then cached (big tables only).
 */
export function cachedTable(csv: Buffer, file: string, relPath: string, parse: () => KernelTable, options: TableCacheOptions): KernelTable {
  if (csv.length < TABLE_CACHE_MIN_BYTES) return parse()
  const bundledCopy = options.bundledDir === undefined ? undefined : readCopy(bundledCopyFile(relPath, options.bundledDir), csv, relPath)
  if (bundledCopy) return bundledCopy
  if (options.userDir === undefined) return parse()
  const userFile = userCopyFile(file, options.userDir)
  const copy = readCopy(userFile, csv, relPath)
  if (copy) return copy
  const table = parse()
  writeCopy(userFile, table, csv)
  return table
}
