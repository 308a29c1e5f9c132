/** Turning a grid estimate into an MfuLookup with its provenance. */
import type {GemmDtype, LookupEnv} from '../resolver.js'
import {numericColumn, rowAt, rowCount} from '../columnar.js'
import type {KernelTable, MfuLookup, TableRow, TableSet} from '../types.js'
import {usableRow, type Estimate, type KernelModel, type Quantity} from './kernel-grid.js'

const EXTRAPOLATED_NOTE = 'outside the measured grid: boundary utilisation held, rescaled by the query roofline'

export function lookupOf(e: Estimate, table: string, quantity: Quantity): MfuLookup {
  if (e.exact) return {value: e.value, kind: 'exact', table, lines: e.lines}
  if (e.extrapolated) return {value: e.value, kind: 'extrapolated', table, lines: e.lines, note: EXTRAPOLATED_NOTE}
  return {value: e.value, kind: 'interpolated', table, lines: e.lines, note: `log2 blend of ${quantity}`}
}

export function borrowedLookup(value: number, table: string, lines: number[], from: string): MfuLookup {
  return {value, kind: 'borrowed', table, lines, note: `borrowed from ${from}, utilisation rescaled by the query roofline`}
}

/**
 * Tables a GEMM-based lookup of each dtype reads, in order: 4-bit formats fall
 * back to the table of the math they run (nvfp4: fp8 as the nearest low-precision
 * tensor-core table; weight-only int4: bf16), then to the path asked for.
 */
const DTYPE_CHAIN: Record<GemmDtype, GemmDtype[]> = {bf16: ['bf16'], fp8: ['fp8'], nvfp4: ['nvfp4', 'fp8'], int4: ['int4', 'bf16']}

/**
 * The table a GEMM-based lookup of this dtype reads: <folder>/<dtype>.csv
 * (per-dtype GEMM and MoE tables) when present, else the path asked for.
 */
export function dtypeTablePath(tables: TableSet, path: string, env: LookupEnv): string {
  for (const dtype of env.gemmDtype ? DTYPE_CHAIN[env.gemmDtype] : []) {
    const typed = typedPath(path, dtype)
    if (tables.has(typed)) return typed
  }
  return path
}

const typedPaths = new Map<string, string>()

function typedPath(path: string, dtype: string): string {
  const key = `${dtype}|${path}`
  let typed = typedPaths.get(key)
  if (typed === undefined) typedPaths.set(key, (typed = path.replace(/[^/]*$/, `${dtype}.csv`)))
  return typed
}

/** log2 distance between two positive sizes. */
export const logDistance = (a: number, b: number) => Math.abs(Math.log2(a / b))

/**
 * Row numbers of the table grouped by the values of `columns` (key: the
 * values joined by commas), groups in order of first appearance. Reads the
 * columns, not the rows: a lookup builds only the rows of the groups it uses.
 */
export function groupRowIds(table: KernelTable, columns: readonly string[]): Map<string, number[]> {
  const values = columns.map((c) => numericColumn(table, c))
  // Nested maps keyed by number (one level per column): cheaper than a string key per row.
  const top = new Map<number, unknown>()
  const groups: {first: number; ids: number[]}[] = []
  const n = rowCount(table)
  let run: number[] | undefined
  for (let i = 0; i < n; i++) {
    // Rows of a group usually follow each other (tables are sorted by their keys): extend the run without a lookup.
    if (run && values.every((v) => v[i] === v[i - 1])) {
      run.push(i)
      continue
    }
    let level = top
    for (let c = 0; c < values.length - 1; c++) {
      let next = level.get(values[c][i]) as Map<number, unknown> | undefined
      if (!next) level.set(values[c][i], (next = new Map()))
      level = next
    }
    const last = values[values.length - 1][i]
    let ids = level.get(last) as number[] | undefined
    if (!ids) {
      level.set(last, (ids = []))
      groups.push({first: i, ids})
    }
    ids.push(i)
    run = ids
  }
  return new Map(groups.map((g) => [values.map((v) => v[g.first]).join(','), g.ids]))
}

/** Whether some of the rows `ids` can be placed on the model's grid (usableRow), read off the columns. */
export function anyUsableRow(table: KernelTable, model: KernelModel, ids: readonly number[]): boolean {
  return ids.some((i) => usableRow(model, (c) => numericColumn(table, c)[i]))
}

/** The rows `ids` of the table. */
export const rowsAt = (table: KernelTable, ids: readonly number[]): TableRow[] => ids.map((i) => rowAt(table, i))
