/** What tables exist under a bench_data folder: GPU x kernel x shape, grid ranges, row counts, sources. */
import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {loadTableSet} from '../io/tables.js'
import type {KernelTable} from '../tables/types.js'
import {TEXT_COLUMNS} from './columns.js'
import {provenancePathOf, type TableProvenance} from './provenance.js'
import {hintsFromPath, resolveTarget} from './target.js'
import {parseJson} from '../io/json.js'

export interface GridRange {
  column: string
  /** Numbers: min and max; text: the distinct values. */
  min?: number
  max?: number
  values?: string[]
  distinct: number
}

export interface TableInventory {
  path: string
  gpu: string
  layout: string
  shape: string
  rows: number
  ranges: GridRange[]
  /** Sources named by the provenance sidecar (file and license), when there is one. */
  sources: {file: string; license?: string; ingestedAt: string}[]
}

function ranges(table: KernelTable, keys: readonly string[]): GridRange[] {
  return keys.map((column) => {
    const vals = table.rows.map((r) => r.values[column])
    const distinct = new Set(vals.map(String))
    if (TEXT_COLUMNS.has(column)) return {column, values: [...distinct].sort(), distinct: distinct.size}
    const nums = vals as number[]
    return {column, min: Math.min(...nums), max: Math.max(...nums), distinct: distinct.size}
  })
}

function sidecarSources(root: string, rel: string): TableInventory['sources'] {
  const file = path.join(root, provenancePathOf(rel))
  if (!existsSync(file)) return []
  try {
    const p = parseJson(readFileSync(file, 'utf8')) as TableProvenance
    return p.sources.map((s) => ({file: s.file, license: s.license, ingestedAt: s.ingestedAt}))
  } catch {
    return []
  }
}

export function tableInventory(root: string, gpuKeys?: string[]): TableInventory[] {
  const set = loadTableSet(root, gpuKeys)
  const list = set.paths().map((rel): TableInventory => {
    const table = set.get(rel)!
    let layout = '?'
    let gpu = ''
    let shape = path.basename(rel, '.csv')
    let keys = table.columns.slice(0, 1)
    try {
      const t = resolveTarget({}, hintsFromPath(path.join(root, rel)), rel)
      layout = t.layout.id
      gpu = t.gpu
      shape = t.stem
      keys = t.layout.gridKeys
    } catch {
      // Not a layout ingest knows: listed with its first column as the grid.
    }
    return {path: rel, gpu, layout, shape, rows: table.rows.length, ranges: ranges(table, keys), sources: sidecarSources(root, rel)}
  })
  return list.sort((a, b) => (a.gpu === b.gpu ? (a.path < b.path ? -1 : 1) : a.gpu < b.gpu ? -1 : 1))
}
