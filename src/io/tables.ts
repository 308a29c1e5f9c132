/** Reads bench_data tables (CSV with a header) into an indexed TableSet. */
import {existsSync, readdirSync, readFileSync, statSync} from 'node:fs'
import path from 'node:path'
import {inputError} from '../errors.js'
import {tableSetFrom, type KernelTable, type TableRow, type TableSet} from '../tables/types.js'
import {bundled, displayPath} from './paths.js'

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

function walkCsv(dir: string, rel: string, out: string[]): void {
  for (const entry of readdirSync(dir, {withFileTypes: true})) {
    if (entry.name.startsWith('.') || entry.name === 'raw') continue
    const relChild = rel ? `${rel}/${entry.name}` : entry.name
    if (entry.isDirectory()) walkCsv(path.join(dir, entry.name), relChild, out)
    else if (entry.name.endsWith('.csv')) out.push(relChild)
  }
}

/** Every table path under a bench_data root (raw/ excluded). */
export function listTablePaths(root: string): string[] {
  if (!existsSync(root) || !statSync(root).isDirectory()) return []
  const out: string[] = []
  walkCsv(root, '', out)
  return out.sort()
}

/**
 * Loads the tables under `root`. With `gpuKeys`, only those GPUs' tables are
 * read (the layout puts the GPU in the third path segment, or the second for GEMM).
 */
export function loadTableSet(root = bundled.benchData, gpuKeys?: string[]): TableSet {
  const wanted = gpuKeys && new Set(gpuKeys.map((g) => g.toLowerCase()))
  const tables: KernelTable[] = []
  for (const rel of listTablePaths(root)) {
    if (wanted && !wanted.has(gpuOfPath(rel))) continue
    const file = path.join(root, rel)
    tables.push(parseTableCsv(readFileSync(file, 'utf8'), rel, displayPath(file)))
  }
  return tableSetFrom(root, tables)
}

/** The GPU folder of a table path: gemm/<gpu>/..., otherwise <kernel>/<phase>/<gpu>/... */
export function gpuOfPath(rel: string): string {
  const parts = rel.split('/')
  return (parts[0] === 'gemm' || parts[0] === 'comm' ? parts[1] : parts[2]) ?? ''
}
