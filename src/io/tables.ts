/** Reads bench_data tables (CSV with a header) into an indexed TableSet. */
import {existsSync, readdirSync, readFileSync, statSync} from 'node:fs'
import path from 'node:path'
import {inputError} from '../errors.js'
import {parseCsv} from './csv.js'
import type {KernelTable, TableRow, TableSet} from '../tables/types.js'
import {bundled, displayPath} from './paths.js'
import {binaryProblem} from './problems.js'
import {quoteText} from '../util/quote.js'

/** Columns that hold text; every other column must be a finite number. */
export const TEXT_COLUMNS = new Set(['dtype', 'kv_dtype', 'gemm_dtype', 'kernel_source', 'op_name', 'distribution', 'backend'])

/** Parses one table's CSV text. Errors name the file and line. */
export function parseTableCsv(text: string, relPath: string, label = relPath): KernelTable {
  const binary = binaryProblem(text)
  if (binary) throw inputError(`${label} ${binary}, not a CSV table`)
  const [head, ...records] = parseCsv(text, label)
  if (!head || head.line !== 1) throw inputError(`${label}: empty table (no header row)`)
  const columns = head.cells
  if (columns.some((c) => /^-?\d+(\.\d+)?$/.test(c))) throw inputError(`${label}: line 1 has no header row (it starts with numbers)`)
  const rows: TableRow[] = []
  for (const {line, cells} of records) {
    if (cells.length !== columns.length) {
      throw inputError(`${label}: line ${line} has ${cells.length} cells, the header has ${columns.length}`)
    }
    const values: Record<string, number | string> = {}
    for (let c = 0; c < columns.length; c++) {
      const col = columns[c]
      const cell = cells[c]
      if (TEXT_COLUMNS.has(col)) {
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

/** Collects table paths under `dir` into `out`; stops early once `out` holds `limit` of them. */
function walkCsv(dir: string, rel: string, out: string[], keepDir: (relDir: string) => boolean, limit = Infinity): void {
  for (const entry of readdirSync(dir, {withFileTypes: true})) {
    if (out.length >= limit) return
    if (entry.name.startsWith('.') || entry.name === 'raw') continue
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
export function listTablePaths(root: string, gpuKeys?: Iterable<string>): string[] {
  if (!existsSync(root) || !statSync(root).isDirectory()) return []
  const wanted = gpuKeys && new Set([...gpuKeys].map((g) => g.toLowerCase()))
  // The GPU is the 2nd path segment of gemm/ and comm/, the 3rd elsewhere: skip other GPUs' folders unread.
  const keepDir = (relDir: string) => {
    if (!wanted) return true
    const parts = relDir.split('/')
    const gpuDepth = parts[0] === 'gemm' || parts[0] === 'comm' ? 2 : 3
    return parts.length !== gpuDepth || wanted.has(parts[gpuDepth - 1])
  }
  const out: string[] = []
  walkCsv(root, '', out, keepDir)
  return out.sort()
}

/**
 * The tables under `root` (with `gpuKeys`, only those GPUs'), indexed by path.
 * Each table is parsed on first use and kept: a simulation on a GPU with
 * hundreds of measured tables reads only the few it looks up.
 */
export function loadTableSet(root = bundled.benchData, gpuKeys?: string[]): TableSet {
  checkTableFolder(root)
  const paths = listTablePaths(root, gpuKeys)
  const known = new Set(paths)
  const parsed = new Map<string, KernelTable>()
  return {
    root,
    get(rel: string): KernelTable | undefined {
      let table = parsed.get(rel)
      if (!table && known.has(rel)) {
        const file = path.join(root, rel)
        table = parseTableCsv(readFileSync(file, 'utf8'), rel, displayPath(file))
        parsed.set(rel, table)
      }
      return table
    },
    has: (rel: string) => known.has(rel),
    paths: () => paths,
  }
}

/** The GPU folder of a table path: gemm/<gpu>/..., otherwise <kernel>/<phase>/<gpu>/... */
export function gpuOfPath(rel: string): string {
  const parts = rel.split('/')
  return (parts[0] === 'gemm' || parts[0] === 'comm' ? parts[1] : parts[2]) ?? ''
}
