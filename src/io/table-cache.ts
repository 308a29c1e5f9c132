/**
 * A binary, columnar copy of each big kernel table, so that a run reads it
 * without parsing CSV. The CSV stays the source of truth: a cache file is
 * named by the SHA-256 of the CSV's bytes (and this format's version), so
 * an edited CSV never meets a stale copy. The bundled tables' copies are
 * written by `npm run build` (dist/table-cache/); any other table (a
 * --bench-data folder, a bundled CSV edited since the build) is parsed once
 * and its copy written, atomically, under the user's cache folder, never
 * inside the package. A cache file that cannot be read or written is
 * ignored: the CSV is parsed as if there were none.
 *
 * Layout: "ISTB", u32 format, u32 header length, the header (JSON: columns
 * with their kind and, for text, their distinct values; row count), padding
 * to 8 bytes, then the lines (i32) and each column (i32, f64, or u32 indexes
 * into its distinct values), each padded to 8 bytes.
 */
import {createHash} from 'node:crypto'
import {mkdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {ColumnarTable, type ColumnValues} from '../tables/columnar.js'
import type {KernelTable} from '../tables/types.js'
import {PACKAGE_ROOT} from './paths.js'

/** Bump when the stored form or what the CSV reader makes of a file changes: older copies are then never read. */
export const TABLE_CACHE_FORMAT = 1
/** Tables smaller than this are parsed at every run: parsing them costs less than hashing and reading a copy. */
export const TABLE_CACHE_MIN_BYTES = 32 * 1024

const MAGIC = 'ISTB'

/** Where `npm run build` writes the bundled tables' copies. */
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

/** The cache file name of a CSV's bytes. */
export const cacheFileName = (csv: Uint8Array) => `${createHash('sha256').update(csv).digest('hex')}-v${TABLE_CACHE_FORMAT}.bin`

type ColumnKind = 'i32' | 'f64' | 'text'

interface Header {
  rows: number
  columns: {name: string; kind: ColumnKind; values?: string[]}[]
}

const pad8 = (n: number) => (n + 7) & ~7

function kindOf(values: readonly (number | string)[]): ColumnKind {
  if (values.some((v) => typeof v === 'string')) return 'text'
  return values.every((v) => Number.isInteger(v) && (v as number) >= -0x80000000 && (v as number) <= 0x7fffffff && !Object.is(v, -0)) ? 'i32' : 'f64'
}

/** The table in the cache's binary form. */
export function encodeTable(table: KernelTable): Buffer {
  const n = table.rows.length
  const header: Header = {rows: n, columns: []}
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
      header.columns.push({name, kind})
      arrays.push(kind === 'i32' ? Int32Array.from(values as number[]) : Float64Array.from(values as number[]))
    }
  }
  const json = Buffer.from(JSON.stringify(header))
  let size = pad8(12 + json.length)
  for (const a of arrays) size += pad8(a.byteLength)
  const out = Buffer.alloc(size)
  out.write(MAGIC, 0, 'latin1')
  out.writeUInt32LE(TABLE_CACHE_FORMAT, 4)
  out.writeUInt32LE(json.length, 8)
  json.copy(out, 12)
  let offset = pad8(12 + json.length)
  for (const a of arrays) {
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).copy(out, offset)
    offset += pad8(a.byteLength)
  }
  return out
}

/** The table stored in `bytes`, or undefined when they are not a whole cache file of this format. */
export function decodeTable(bytes: Buffer, relPath: string): ColumnarTable | undefined {
  if (bytes.length < 12 || bytes.toString('latin1', 0, 4) !== MAGIC || bytes.readUInt32LE(4) !== TABLE_CACHE_FORMAT) return undefined
  const headerLength = bytes.readUInt32LE(8)
  let header: Header
  try {
    header = JSON.parse(bytes.toString('utf8', 12, 12 + headerLength)) as Header
  } catch {
    return undefined
  }
  // Typed arrays need aligned offsets: a buffer that does not start on 8 bytes is copied once.
  const buf = bytes.byteOffset % 8 === 0 ? bytes : Buffer.from(bytes)
  const n = header.rows
  let offset = pad8(12 + headerLength)
  const take = <T>(make: (b: ArrayBuffer, o: number, n: number) => T, width: number): T | undefined => {
    if (offset + n * width > buf.length) return undefined
    const a = make(buf.buffer as ArrayBuffer, buf.byteOffset + offset, n)
    offset += pad8(n * width)
    return a
  }
  const lines = take((b, o, k) => new Int32Array(b, o, k), 4)
  if (!lines) return undefined
  const data: ColumnValues[] = []
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
  }
  return new ColumnarTable(relPath, header.columns.map((c) => c.name), lines, data)
}

function readCopy(file: string, relPath: string): ColumnarTable | undefined {
  let bytes: Buffer
  try {
    bytes = readFileSync(file)
  } catch {
    return undefined
  }
  return decodeTable(bytes, relPath)
}

/** Writes a copy atomically (temp file + rename); a cache that cannot be written is skipped. */
function writeCopy(dir: string, name: string, table: KernelTable): void {
  const file = path.join(dir, name)
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`
  try {
    mkdirSync(dir, {recursive: true})
    writeFileSync(tmp, encodeTable(table))
    renameSync(tmp, file)
  } catch {
    rmSync(tmp, {force: true})
  }
}

export interface TableCacheOptions {
  /** Folder of the bundled copies (read only). */
  bundledDir?: string
  /** Folder where copies of other tables are written; undefined: none written. */
  userDir?: string
}

/**
 * The table in `csv` (the bytes of the file at `relPath`): a cached copy when
 * there is one, else `parse(csv)`, whose result is then cached (big tables only).
 */
export function cachedTable(csv: Buffer, relPath: string, parse: () => KernelTable, options: TableCacheOptions): KernelTable {
  if (csv.length < TABLE_CACHE_MIN_BYTES) return parse()
  const name = cacheFileName(csv)
  for (const dir of [options.bundledDir, options.userDir]) {
    const copy = dir === undefined ? undefined : readCopy(path.join(dir, name), relPath)
    if (copy) return copy
  }
  const table = parse()
  if (options.userDir) writeCopy(options.userDir, name, table)
  return table
}
