/** Reads bench_data tables (CSV with a header) into an indexed TableSet. */
import {existsSync, readdirSync, readFileSync, statSync} from 'node:fs'
import path from 'node:path'
import {inputError} from '../errors.js'
import type {KernelTable, TableRow, TableSet} from '../tables/types.js'
import {bundled, displayPath} from './paths.js'
import {BUNDLED_TABLE_CACHE, cachedTable, userTableCacheDir} from './table-cache.js'

/** Columns that hold text; every other column must be a finite number. */
export const TEXT_COLUMNS = new Set(['dtype', 'kv_dtype', 'gemm_dtype', 'kernel_source', 'op_name', 'distribution', 'backend'])

/** Parses one table's CSV text. Errors name the file and line. */
export function parseTableCsv(text: string, relPath: string, label = relPath): KernelTable {
  const lines = text.split(/\r?\n/)
  const header = (lines[0] ?? '').trim()
  if (!header) throw inputError(`${label}: empty table (no header row)`)
  const columns = header.split(',').map((c) => c.trim())
  if (columns.some((c) => /^-?\d+(\.\d+)?$/.test(c))) {
    throw inputError(`${label}: line 1 has no header row (it starts with numbers: "${header.slice(0, 40)}")`)
  }
  const rows: TableRow[] = []
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i].trim()
    if (!line) continue
    const cells = line.split(',')
    if (cells.length !== columns.length) {
      throw inputError(`${label}: line ${i + 1} has ${cells.length} cells, the header has ${columns.length}`)
    }
    const values: Record<string, number | string> = {}
    for (let c = 0; c < columns.length; c++) {
      const col = columns[c]
      const cell = cells[c].trim()
      if (TEXT_COLUMNS.has(col)) {
        values[col] = cell
        continue
      }
      const v = cell === '' ? Number.NaN : Number(cell)
      if (!Number.isFinite(v)) throw inputError(`${label}: line ${i + 1}, column "${col}": "${cell}" is not a number`)
      values[col] = v
    }
    rows.push({line: i + 1, values})
  }
  return {path: relPath, columns, rows}
}

function walkCsv(dir: string, rel: string, out: string[], keepDir: (relDir: string) => boolean): void {
  for (const entry of readdirSync(dir, {withFileTypes: true})) {
    if (entry.name.startsWith('.') || entry.name === 'raw') continue
    const relChild = rel ? `${rel}/${entry.name}` : entry.name
    if (entry.isDirectory()) {
      if (keepDir(relChild)) walkCsv(path.join(dir, entry.name), relChild, out, keepDir)
    } else if (entry.name.endsWith('.csv')) out.push(relChild)
  }
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
 * Each table is read on first use and kept: a simulation on a GPU with
 * hundreds of measured tables reads only the few it looks up. A big table
 * is read from its binary copy (src/io/table-cache.ts) when one matches the
 * CSV's bytes, and copied to the user's cache folder when none does
 * (`cache: false` neither reads nor writes copies).
 */
export function loadTableSet(root = bundled.benchData, gpuKeys?: string[], options: {cache?: boolean} = {}): TableSet {
  const paths = listTablePaths(root, gpuKeys)
  const known = new Set(paths)
  const parsed = new Map<string, KernelTable>()
  const cache = options.cache === false ? {} : {bundledDir: BUNDLED_TABLE_CACHE, userDir: userTableCacheDir()}
  return {
    root,
    get(rel: string): KernelTable | undefined {
      let table = parsed.get(rel)
      if (!table && known.has(rel)) {
        const file = path.join(root, rel)
        const bytes = readFileSync(file)
        table = cachedTable(bytes, file, rel, () => parseTableCsv(bytes.toString('utf8'), rel, displayPath(file)), cache)
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
