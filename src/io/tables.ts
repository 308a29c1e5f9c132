/** Reads bench_data tables (CSV with a header) into an indexed TableSet. */
import {existsSync, readdirSync, readFileSync, statSync} from 'node:fs'
import path from 'node:path'
import {inputError} from '../errors.js'
import {parseCsv} from './csv.js'
import {parsePlainTable} from './plain-table.js'
import type {KernelTable, TableRow, TableSet} from '../tables/types.js'
import {bundled, displayPath} from './paths.js'
import {binaryProblem} from './problems.js'
import {quoteText} from '../util/quote.js'
import {BUNDLED_TABLE_CACHE, cachedTable, userTableCacheDir} from './table-cache.js'

/** Columns that hold text; every other column must be a finite number. */
export const TEXT_COLUMNS = new Set(['dtype', 'kv_dtype', 'gemm_dtype', 'kernel_source', 'op_name', 'distribution', 'backend'])

/** Parses one table's CSV text. Errors name the file and line. */
export function parseTableCsv(text: string, relPath: string, label = relPath): KernelTable {
  const binary = binaryProblem(text)
  if (binary) throw inputError(`${label} ${binary}, not a CSV table`)
  const plain = parsePlainTable(text, relPath, TEXT_COLUMNS)
  if (plain) return plain
  const records = parseCsv(text, label)
  const head = records[0]
  if (!head || head.line !== 1) throw inputError(`${label}: empty table (no header row)`)
  const columns = head.cells
  if (columns.some((c) => /^-?\d+(\.\d+)?$/.test(c))) throw inputError(`${label}: line 1 has no header row (it starts with numbers)`)
  const isText = columns.map((c) => TEXT_COLUMNS.has(c))
  const rows: TableRow[] = []
  // Index loops: a start-up parses its small tables while this code is cold, where each for-of iteration allocates.
  for (let r = 1; r < records.length; r++) {
    const {line, cells} = records[r]
    if (cells.length !== columns.length) {
      throw inputError(`${label}: line ${line} has ${cells.length} cells, the header has ${columns.length}`)
    }
    const values: Record<string, number | string> = {}
    for (let c = 0; c < columns.length; c++) {
      const col = columns[c]
      const cell = cells[c]
      if (isText[c]) {
        values[col] = cell
        continue
      }
      const v = cell === '' ? Number.NaN : Number(cell)
      if (!Number.isFinite(v)) throw inputError(`${label}: line ${line}, column ${quoteText(col)}: ${quoteText(cell)} is not a number`)
      values[col] = v
    }
    rows.push({line, values})
  }
  return {path: relPath, columns, rows}
}

/** Names the table walk skips: dot files and folders, and raw/ (inputs, never read by the simulator). */
const skipped = (name: string) => name.startsWith('.') || name === 'raw'

/**
 * Whether the walk enters a folder: with GPUs given, the GPU folder (the 2nd
 * path segment of gemm/, comm/ and mla_bmm/, the 3rd elsewhere) must be one of them;
 * with `everyGdn`, every GPU's GDN tables too (a GPU without one borrows
 * another's: src/tables/gdn-borrow.ts; they are small).
 */
function gpuFolderFilter(gpuKeys?: Iterable<string>, everyGdn = false): (relDir: string) => boolean {
  const wanted = gpuKeys && new Set([...gpuKeys].map((g) => g.toLowerCase()))
  return (relDir) => {
    if (!wanted) return true
    const parts = relDir.split('/')
    const gpuDepth = parts[0] === 'gemm' || parts[0] === 'comm' || parts[0] === 'mla_bmm' ? 2 : 3
    return parts.length !== gpuDepth || (everyGdn && parts[0] === 'gdn') || wanted.has(parts[gpuDepth - 1])
  }
}

/** Collects table paths under `dir` into `out`; stops early once `out` holds `limit` of them. */
function walkCsv(dir: string, rel: string, out: string[], keepDir: (relDir: string) => boolean, limit = Infinity): void {
  for (const entry of readdirSync(dir, {withFileTypes: true})) {
    if (out.length >= limit) return
    if (skipped(entry.name)) continue
    const relChild = rel ? `${rel}/${entry.name}` : entry.name
    if (entry.isDirectory()) {
      if (keepDir(relChild)) walkCsv(path.join(dir, entry.name), relChild, out, keepDir, limit)
    } else if (entry.name.endsWith('.csv')) out.push(relChild)
  }
}

/**
 * A folder of kernel tables must exist, be a folder and hold at least one
 * table: a wrong --bench-data would otherwise make every lookup fall back
 * to the default MFU without a word.
 */
export function checkTableFolder(root: string): void {
  const shown = displayPath(root)
  let isDir: boolean
  try {
    isDir = statSync(root).isDirectory()
  } catch {
    throw inputError(`kernel-table folder ${shown} does not exist`)
  }
  if (!isDir) throw inputError(`kernel-table folder ${shown} is a file, not a folder of tables`)
  const found: string[] = []
  try {
    walkCsv(root, '', found, () => true, 1)
  } catch (error) {
    throw inputError(`kernel-table folder ${shown} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'unknown error'})`)
  }
  if (found.length === 0) throw inputError(`no kernel tables under ${shown}: the folder holds no .csv table (raw/ aside)`)
}

/** Every table path under a bench_data root (raw/ excluded), optionally only those of some GPUs. */
export function listTablePaths(root: string, gpuKeys?: Iterable<string>, everyGdn = false): string[] {
  if (!existsSync(root) || !statSync(root).isDirectory()) return []
  const out: string[] = []
  walkCsv(root, '', out, gpuFolderFilter(gpuKeys, everyGdn))
  return out.sort()
}

/** Whether listTablePaths(root, gpuKeys) would list `rel`, found with one file check instead of a walk. */
function isListedTable(root: string, rel: string, keepDir: (relDir: string) => boolean): boolean {
  const parts = rel.split('/')
  if (!rel.endsWith('.csv') || parts.some((p) => p === '' || skipped(p))) return false
  for (let depth = 1; depth < parts.length; depth++) if (!keepDir(parts.slice(0, depth).join('/'))) return false
  return statSync(path.join(root, rel), {throwIfNoEntry: false})?.isFile() === true
}

/**
 * The tables under `root` (with `gpuKeys`, only those GPUs'), indexed by path.
 * Each table is read on first use and kept: a simulation on a GPU with
 * hundreds of measured tables reads only the few it looks up. Whether a
 * table exists is answered per path (one file check), so a run that looks
 * up tables by name never lists the folders; `paths()` lists them when
 * first asked. A big table is read from its binary copy (src/io/table-cache.ts)
 * when one matches the CSV's bytes, and copied to the user's cache folder
 * when none does (`cache: false` neither reads nor writes copies).
 */
export function loadTableSet(root = bundled.benchData, gpuKeys?: string[], options: {cache?: boolean; everyGdn?: boolean} = {}): TableSet {
  // The bundled folder ships with its tables: only a folder the user names is checked (a file check per start saved).
  if (path.resolve(root) !== path.resolve(bundled.benchData)) checkTableFolder(root)
  const everyGdn = options.everyGdn ?? false
  const keepDir = gpuFolderFilter(gpuKeys, everyGdn)
  let listed: string[] | undefined
  let listedSet: Set<string> | undefined
  const known = new Map<string, boolean>()
  const parsed = new Map<string, KernelTable>()
  const cache = options.cache === false ? {} : {bundledDir: BUNDLED_TABLE_CACHE, userDir: userTableCacheDir()}
  const has = (rel: string): boolean => {
    let found = known.get(rel)
    if (found === undefined) known.set(rel, (found = listed ? (listedSet ??= new Set(listed)).has(rel) : isListedTable(root, rel, keepDir)))
    return found
  }
  return {
    root,
    get(rel: string): KernelTable | undefined {
      let table = parsed.get(rel)
      if (!table && has(rel)) {
        const file = path.join(root, rel)
        table = cachedTable(file, rel, (csv) => parseTableCsv(csv.toString('utf8'), rel, displayPath(file)), cache)
        parsed.set(rel, table)
      }
      return table
    },
    has,
    paths: () => (listed ??= listTablePaths(root, gpuKeys, everyGdn)),
  }
}

/** The GPU folder of a table path: gemm/<gpu>/..., otherwise <kernel>/<phase>/<gpu>/... */
export function gpuOfPath(rel: string): string {
  const parts = rel.split('/')
  return (parts[0] === 'gemm' || parts[0] === 'comm' ? parts[1] : parts[2]) ?? ''
}
