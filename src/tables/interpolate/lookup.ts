/** Turning a grid estimate into an MfuLookup with its provenance. */
import type {GemmDtype, LookupEnv} from '../resolver.js'
import {ColumnarTable, numericColumn, rowCount} from '../columnar.js'
import type {KernelTable, MfuLookup, TableSet} from '../types.js'
import {rowList, usableRow, type Estimate, type GridRows, type KernelModel, type Quantity} from './kernel-grid.js'

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

/** Rows of a group as ranges of row numbers, flat: [start, end, start, end, ...], each end exclusive. */
export type RowRanges = number[]

/** Where the runs of equal tuples of `columns` start, from the runs the table stores per column; undefined when it stores none for some column. */
function tupleRunStarts(table: KernelTable, columns: readonly string[]): number[] | undefined {
  if (!(table instanceof ColumnarTable)) return undefined
  const starts = new Set<number>()
  for (const c of columns) {
    const runs = table.runStarts(c)
    if (!runs) return undefined
    for (let i = 0; i < runs.length; i++) starts.add(runs[i])
  }
  return [...starts].sort((a, b) => a - b)
}

/** A table's rows grouped by the values of some columns. */
export interface RowGroups {
  /** Each group's first row and its ranges, in order of first appearance. */
  groups: {first: number; ranges: RowRanges}[]
  /** The groups by value: one level of maps per column, the last level holding the group's ranges. */
  byValue: Map<number, unknown>
}

/**
 * The table's rows grouped by the values of `columns`. Reads the columns
 * (or only the runs a columnar table stores), not the rows: a lookup builds
 * only the rows of the groups it uses.
 */
export function rowGroups(table: KernelTable, columns: readonly string[]): RowGroups {
  const values = columns.map((c) => numericColumn(table, c))
  const n = rowCount(table)
  // Nested maps keyed by number (one level per column): cheaper than a string key per row.
  const top = new Map<number, unknown>()
  const groups: {first: number; ranges: RowRanges}[] = []
  /** Adds the rows [start, end), which share one key; returns their group's ranges. */
  const add = (start: number, end: number): RowRanges => {
    let level = top
    for (let c = 0; c < values.length - 1; c++) {
      let next = level.get(values[c][start]) as Map<number, unknown> | undefined
      if (!next) level.set(values[c][start], (next = new Map()))
      level = next
    }
    const last = values[values.length - 1][start]
    let ranges = level.get(last) as RowRanges | undefined
    if (!ranges) {
      // A literal of two: an empty array's first push reserves room for seventeen.
      level.set(last, (ranges = [start, end]))
      groups.push({first: start, ranges})
    } else ranges.push(start, end)
    return ranges
  }
  const starts = tupleRunStarts(table, columns)
  if (starts) for (let r = 0; r < starts.length; r++) add(starts[r], r + 1 < starts.length ? starts[r + 1] : n)
  else {
    let run: RowRanges | undefined
    for (let i = 0; i < n; i++) {
      // Rows of a group usually follow each other (tables are sorted by their keys): extend the run without a lookup.
      let same = run !== undefined
      for (let c = 0; same && c < values.length; c++) same = values[c][i] === values[c][i - 1]
      if (same) run![run!.length - 1] = i + 1
      else run = add(i, i + 1)
    }
  }
  return {groups, byValue: top}
}

/** The table's rows grouped by the values of `columns` (key: the values joined by commas), groups in order of first appearance. */
export function groupRows(table: KernelTable, columns: readonly string[]): Map<string, RowRanges> {
  const values = columns.map((c) => numericColumn(table, c))
  const byKey = new Map<string, RowRanges>()
  for (const g of rowGroups(table, columns).groups) {
    let key = `${values[0][g.first]}`
    for (let c = 1; c < values.length; c++) key += `,${values[c][g.first]}`
    byKey.set(key, g.ranges)
  }
  return byKey
}

/** The first row number of a group. */
export const firstRow = (ranges: RowRanges) => ranges[0]

/**
 * The rows of a group for a grid. A columnar table's are read off its
 * columns, without an object per row: a start-up builds a dozen grids of
 * tens of rows each, in cold code, and row objects were their largest
 * garbage.
 */
export function gridRowsAt(table: KernelTable, ranges: RowRanges): GridRows {
  const columnar = table instanceof ColumnarTable ? table : undefined
  const at: number[] = []
  for (let r = 0; r < ranges.length; r += 2) {
    columnar?.readRows(ranges[r], ranges[r + 1])
    for (let i = ranges[r]; i < ranges[r + 1]; i++) at.push(i)
  }
  if (!columnar) {
    const rows = table.rows
    return rowList(at.map((i) => rows[i]))
  }
  // Every column now holds these rows' values (readRows): each is looked up by name once.
  const columns = new Map<string, ArrayLike<number>>()
  const column = (name: string) => {
    let values = columns.get(name)
    if (!values) columns.set(name, (values = (columnar.columnRows(name, ranges[0], ranges[1]) ?? []) as ArrayLike<number>))
    return values
  }
  return {length: at.length, line: (i) => columnar.line(at[i]), value: (i, name) => column(name)[at[i]]}
}

/**
 * Whether some row of a group can be placed on a model's grid (usableRow),
 * read off the table's columns; one checker per table, its columns looked up once.
 */
export function usableRowChecker(table: KernelTable): (model: KernelModel, ranges: RowRanges) => boolean {
  // A columnar table gives each range's rows of a column (one read as used reads no others); another, its whole columns, once.
  const columnar = table instanceof ColumnarTable ? table : undefined
  const columns = new Map<string, ArrayLike<number>>()
  let row = 0
  let start = 0
  let end = 0
  const value = (c: string) => {
    let column = columns.get(c)
    if (!column) columns.set(c, (column = (columnar ? columnar.columnRows(c, start, end) : numericColumn(table, c)) as ArrayLike<number>))
    return column?.[row]
  }
  return (model, ranges) => {
    for (let r = 0; r < ranges.length; r += 2) {
      start = ranges[r]
      end = ranges[r + 1]
      // A columnar table's columns hold this range's rows once asked for it.
      if (columnar) columns.clear()
      for (row = start; row < end; row++) if (usableRow(model, value)) return true
    }
    return false
  }
}
