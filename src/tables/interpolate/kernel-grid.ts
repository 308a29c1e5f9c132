/**
 * One kernel table made ready for interpolation: its rows placed on a
 * log2 grid, each with the MFU of its channels (one, or up and down
 * projections for grouped GEMM), and the table's own peak (FLOPs per µs at
 * MFU 1) recovered from its rows: it gives a row's compute time for the
 * roofline, and an MFU the table rounded to 0 back from the latency.
 */
import type {KernelTable, TableRow} from '../types.js'
import {blend, buildGrid, withoutPoint, type Blend, type GridNode} from './grid.js'
import {bytesPerUs, clampMfu, memoryBoundLog, type LookupEnv, type Work} from './roofline.js'

export type Shape = Record<string, number>

/**
 * What is blended between measured rows (each row standing for its MFU):
 * - `mfu`: the MFU, linearly;
 * - `latency`: log latency, turned back into MFU with each row's own FLOPs per
 *   unit of latency. FLOPs are a product of powers of the axes, so this is
 *   log MFU blended along log2 axes, and it meets every row's value exactly;
 * - `utilisation`: log(roofline time / latency), rescaled by the query's roofline.
 */
export type Quantity = 'mfu' | 'latency' | 'utilisation'

export interface KernelModel {
  /** Axis columns, outer first; blended in log2. */
  axes: string[]
  /** MFU and latency (µs) columns of each channel; the lookup's value is the largest channel MFU, as the reference's grouped-GEMM lookup takes max(up, down). */
  channels: {mfu: string; latency: string}[]
  /** FLOPs and bytes per channel of a shape (a row's values or a query). */
  work(shape: Shape, env: LookupEnv): Work[]
}

export interface GridRow {
  line: number
  shape: Shape
  /** Recorded MFU per channel (0 where the table rounded it away). */
  mfu: number[]
  /** MFU per channel recomputed from the latency and the table's peak (the recorded one without a latency); stands in for an MFU rounded to 0. */
  fromLatency: number[]
  /** The channel the row's value comes from: the one with the larger MFU (max(up, down), as the reference reads it). */
  channel: number
}

export interface KernelGrid {
  table: KernelTable
  model: KernelModel
  /** Rows by id, each made on first use (a query blends a handful of them): read them with rowAt. */
  rows: GridRow[]
  index: GridNode
  /** FLOPs per µs at MFU 1, per channel; undefined when the table has no usable latency. */
  peak: (number | undefined)[]
}

export interface Estimate {
  value: number
  lines: number[]
  exact: boolean
  extrapolated: boolean
}

const log2 = Math.log2

/**
 * The rows a grid is built from, by number: a table's row objects
 * (rowList), or a columnar table's rows read off its columns, which makes
 * no object per row (gridRowsAt in lookup.ts).
 */
export interface GridRows {
  readonly length: number
  /** 1-based line of row `i` in the CSV. */
  line(i: number): number
  value(i: number, column: string): number
}

/** Row objects as GridRows. */
export function rowList(rows: readonly TableRow[]): GridRows {
  return {length: rows.length, line: (i) => rows[i].line, value: (i, column) => rows[i].values[column] as number}
}

function shapeAt(rows: GridRows, i: number, columns: readonly string[]): Shape {
  const s: Shape = {}
  for (let c = 0; c < columns.length; c++) s[columns[c]] = rows.value(i, columns[c])
  return s
}

/** A shape's place on the grid: log2 of each axis. */
function coordinates(model: KernelModel, s: Shape): number[] {
  const x = new Array<number>(model.axes.length)
  for (let a = 0; a < x.length; a++) x[a] = log2(s[model.axes[a]])
  return x
}

/** A row a grid can use: positive on every axis, with an MFU or a latency on some channel. */
export function usableRow(model: KernelModel, value: (column: string) => number): boolean {
  // Index loops: no callback or iterator per row (a table's sites are checked row by row at load).
  for (let a = 0; a < model.axes.length; a++) if (!(value(model.axes[a]) > 0)) return false
  for (let c = 0; c < model.channels.length; c++) if (value(model.channels[c].mfu) > 0 || value(model.channels[c].latency) > 0) return true
  return false
}

/** What a grid is built from, kept to derive the same grid without some rows (leaveOut). */
interface GridBasis {
  rows: GridRows
  /** The usable rows' numbers in `rows`, by grid row id. */
  usable: readonly number[]
  /** The columns of a row's shape (axes, then extra): shapes are made when a row or a derived grid needs one. */
  cols: readonly string[]
  works: Work[][]
  /** Per channel, the rows that give a peak (MFU, latency and FLOPs > 0), by peak ascending; made when a grid is first derived. */
  peakRows?: PeakRow[][]
  /** Line of each usable row -> its id, made when a grid is first derived. */
  idOfLine?: Map<number, number>
}

const bases = new WeakMap<KernelGrid, GridBasis>()

/** Builds the grid of `rows` (a table's rows, possibly filtered, e.g. by KV dtype). */
export function buildKernelGrid(
  table: KernelTable,
  tableRows: readonly TableRow[] | GridRows,
  model: KernelModel,
  options: {extra?: readonly string[]} = {},
): KernelGrid | undefined {
  const cols = [...model.axes, ...(options.extra ?? [])]
  const rows = Array.isArray(tableRows) ? rowList(tableRows) : (tableRows as GridRows)
  const usable = usableRows(model, rows)
  if (usable.length === 0) return undefined
  // Each row's work and place through one reused shape: a shape object per row cost a start-up, in cold
  // code, a property-adding store per column (works and coordinates keep nothing of the shape).
  const noEnv = {}
  const shape: Shape = {}
  const works = new Array<Work[]>(usable.length)
  const coords = new Array<number[]>(usable.length)
  for (let i = 0; i < usable.length; i++) {
    for (let c = 0; c < cols.length; c++) shape[cols[c]] = rows.value(usable[i], cols[c])
    works[i] = model.work(shape, noEnv)
    coords[i] = coordinates(model, shape)
  }
  const basis: GridBasis = {rows, usable, cols, works}
  const peak = model.channels.map((c, ch) => channelPeak(rows, usable, c, works, ch))
  const {rows: made, make} = lazyRows(basis, model, peak)
  const grid: KernelGrid = {table, model, rows: made, index: buildGrid(coords), peak}
  bases.set(grid, basis)
  rowMakers.set(grid, make)
  return grid
}

/** The numbers of the rows a grid can use (one value reader for all: a start-up builds grids while its code is cold). */
function usableRows(model: KernelModel, rows: GridRows): number[] {
  let row = 0
  const value = (c: string) => rows.value(row, c)
  const out: number[] = []
  for (row = 0; row < rows.length; row++) if (usableRow(model, value)) out.push(row)
  return out
}

function gridRow(basis: GridBasis, model: KernelModel, peak: readonly (number | undefined)[], i: number): GridRow {
  const rows = basis.rows
  const r = basis.usable[i]
  const mfu = model.channels.map((c) => rows.value(r, c.mfu) || 0)
  const fromLatency = model.channels.map((c, ch) => {
    const lat = rows.value(r, c.latency)
    const p = peak[ch]
    return clampMfu(p && lat > 0 ? basis.works[i][ch].flops / (p * lat) : mfu[ch])
  })
  const shown = mfu.map((m, ch) => (m > 0 ? m : fromLatency[ch]))
  return {line: rows.line(r), shape: shapeAt(rows, r, basis.cols), mfu, fromLatency, channel: shown.indexOf(Math.max(...shown))}
}

/** A row that gives a channel's peak: FLOPs / (latency x MFU). */
interface PeakRow {
  id: number
  mfu: number
  peak: number
}

/** Rows that give a channel's peak (MFU, latency and FLOPs > 0), sorted ascending. */
function peakCandidates(rows: GridRows, usable: readonly number[], c: {mfu: string; latency: string}, works: readonly Work[][], ch: number): PeakRow[] {
  const out: PeakRow[] = []
  for (let id = 0; id < usable.length; id++) {
    const mfu = rows.value(usable[id], c.mfu)
    const lat = rows.value(usable[id], c.latency)
    const flops = works[id][ch].flops
    if (mfu > 0 && lat > 0 && flops > 0) out.push({id, mfu, peak: flops / (lat * mfu)})
  }
  return out.sort((a, b) => a.peak - b.peak)
}

/**
 * medianPeak of all the candidates, without making them: the middle one of
 * the eligible peaks is the same whatever the order of equal peaks, so a
 * typed array's own sort serves (a grid built at start-up runs cold, where
 * objects and comparator calls are garbage and time).
 */
function channelPeak(rows: GridRows, usable: readonly number[], c: {mfu: string; latency: string}, works: readonly Work[][], ch: number): number | undefined {
  const mfus = new Float64Array(usable.length)
  const peaks = new Float64Array(usable.length)
  let n = 0
  let top = -Infinity
  for (let id = 0; id < usable.length; id++) {
    const mfu = rows.value(usable[id], c.mfu)
    const lat = rows.value(usable[id], c.latency)
    const flops = works[id][ch].flops
    if (mfu > 0 && lat > 0 && flops > 0) {
      mfus[n] = mfu
      peaks[n++] = flops / (lat * mfu)
      if (mfu > top) top = mfu
    }
  }
  if (n === 0) return undefined
  let count = 0
  for (let i = 0; i < n; i++) if (mfus[i] >= top / 2) peaks[count++] = peaks[i]
  return peaks.subarray(0, count).sort()[Math.floor(count / 2)]
}

/**
 * The table's peak: median of FLOPs / (latency x MFU) over the rows with the
 * higher MFUs (at least half the top one), where rounding the MFU column
 * distorts least. Rows in `hidden` are left out.
 */
function medianPeak(rows: readonly PeakRow[], hidden?: ReadonlySet<number>): number | undefined {
  let top = -Infinity
  for (let i = 0; i < rows.length; i++) if (!hidden?.has(rows[i].id) && rows[i].mfu > top) top = rows[i].mfu
  if (top === -Infinity) return undefined
  let count = 0
  for (let i = 0; i < rows.length; i++) if (!hidden?.has(rows[i].id) && rows[i].mfu >= top / 2) count++
  let k = Math.floor(count / 2)
  for (let i = 0; i < rows.length; i++) if (!hidden?.has(rows[i].id) && rows[i].mfu >= top / 2 && k-- === 0) return rows[i].peak
  return undefined
}

/**
 * The grid `buildKernelGrid` would build from the same rows without those on
 * `lines` (leave-one-out scoring), derived from `grid` instead of rebuilt:
 * the index loses the hidden points, the peak is taken again without them,
 * and rows are made on first use. Undefined when no row is left.
 */
export function leaveOut(grid: KernelGrid, lines: ReadonlySet<number>): KernelGrid | undefined {
  const basis = bases.get(grid)!
  basis.idOfLine ??= new Map(basis.usable.map((r, i) => [basis.rows.line(r), i]))
  const hidden = new Set<number>()
  for (const line of lines) {
    const id = basis.idOfLine.get(line)
    if (id !== undefined) hidden.add(id)
  }
  if (hidden.size === 0) return grid
  let index: GridNode | undefined = grid.index
  for (const id of hidden) index = index && withoutPoint(index, coordinates(grid.model, shapeAt(basis.rows, basis.usable[id], basis.cols)), id, 0)
  if (!index) return undefined
  basis.peakRows ??= grid.model.channels.map((c, ch) => peakCandidates(basis.rows, basis.usable, c, basis.works, ch))
  const peak = basis.peakRows.map((p) => medianPeak(p, hidden))
  if (peak.every((p, ch) => p === grid.peak[ch])) {
    const same: KernelGrid = {table: grid.table, model: grid.model, rows: grid.rows, index, peak}
    rowMakers.set(same, rowMakers.get(grid)!)
    return same
  }
  const {rows, make} = lazyRows(basis, grid.model, peak)
  const derived: KernelGrid = {table: grid.table, model: grid.model, rows, index, peak}
  rowMakers.set(derived, make)
  return derived
}

/** How each grid makes a row not made yet: a query touches a handful of them. */
const rowMakers = new WeakMap<KernelGrid, (id: number) => GridRow>()

function lazyRows(basis: GridBasis, model: KernelModel, peak: readonly (number | undefined)[]): {rows: GridRow[]; make: (id: number) => GridRow} {
  // Sized up front: filled out of order, a growing array would turn into a slow dictionary.
  const rows = new Array<GridRow>(basis.usable.length)
  return {rows, make: (id) => (rows[id] ??= gridRow(basis, model, peak, id))}
}

/** Row `id` of a grid, made now if it was not yet. */
export const rowAt = (grid: KernelGrid, id: number): GridRow => grid.rows[id] ?? rowMakers.get(grid)!(id)

/** The table line of row `id` of a grid. */
export const gridLine = (grid: KernelGrid, id: number): number => rowAt(grid, id).line

/** Where the query sits on the grid's axes; undefined when an axis is missing or not positive. */
export function gridPoint(grid: KernelGrid, query: Shape): number[] | undefined {
  const x = grid.model.axes.map((a) => query[a])
  return x.every((v) => Number.isFinite(v) && v > 0) ? x.map(log2) : undefined
}

/** The value a row stands for: its channel's MFU, recomputed from latency where the table rounded it to 0. */
export const rowValue = (r: GridRow) => (r.mfu[r.channel] > 0 ? r.mfu[r.channel] : r.fromLatency[r.channel])

/** Log utilisation blended over rows, and the weight of each channel among them (whose rooflines convert it back). */
export interface Utilisation {
  ulog: number
  channelWeights: number[]
}

/** The blended log utilisation: log MFU plus how memory-bound each row is. */
export function blendedUtilisation(grid: KernelGrid, b: Blend, env: LookupEnv): Utilisation {
  const bw = bytesPerUs(env)
  let ulog = 0
  const channelWeights = grid.model.channels.map(() => 0)
  for (const [id, w] of b.weights) {
    const r = rowAt(grid, id)
    ulog += w * (Math.log(rowValue(r)) + memoryBoundLog(grid.model.work(r.shape, env)[r.channel], grid.peak[r.channel], bw))
    channelWeights[r.channel] += w
  }
  return {ulog, channelWeights}
}

/** MFU of a query of work `queryWork` (per channel) at utilisation `u`, on a GPU whose peak per channel is `peak`. */
export function mfuFromUtilisation(u: Utilisation, queryWork: readonly Work[], peak: readonly (number | undefined)[], env: LookupEnv): number {
  const bw = bytesPerUs(env)
  let r = 0
  u.channelWeights.forEach((w, ch) => (r += w > 0 ? w * memoryBoundLog(queryWork[ch], peak[ch], bw) : 0))
  return clampMfu(Math.exp(u.ulog - r))
}

/** Interpolates (or extrapolates) the grid at `query`, blending `quantity`. */
export function estimate(grid: KernelGrid, query: Shape, env: LookupEnv, quantity: Quantity): Estimate | undefined {
  const x = gridPoint(grid, query)
  const b = x && blend(grid.index, x)
  if (!b) return undefined
  const lines: number[] = []
  const values: number[] = []
  for (const id of b.weights.keys()) {
    const r = rowAt(grid, id)
    lines.push(r.line)
    values.push(rowValue(r))
  }
  lines.sort((p, q) => p - q)
  if (b.exact) return {value: clampMfu(values.reduce((a, v) => a + v, 0) / values.length), lines, exact: true, extrapolated: false}
  if (b.extrapolated || quantity === 'utilisation') {
    const value = mfuFromUtilisation(blendedUtilisation(grid, b, env), grid.model.work(query, env), grid.peak, env)
    if (b.extrapolated) return {value, lines, exact: false, extrapolated: true}
    return {value: within(value, values), lines, exact: false, extrapolated: false}
  }
  let acc = 0
  for (const [id, w] of b.weights) {
    const r = rowAt(grid, id)
    acc += w * (quantity === 'mfu' ? rowValue(r) : Math.log(rowValue(r)))
  }
  return {value: within(quantity === 'mfu' ? acc : Math.exp(acc), values), lines, exact: false, extrapolated: false}
}

/** Inside the grid a value stays between the rows it was blended from. */
function within(v: number, values: readonly number[]): number {
  let lo = Infinity
  let hi = -Infinity
  for (const x of values) {
    if (x < lo) lo = x
    if (x > hi) hi = x
  }
  return clampMfu(Math.min(hi, Math.max(lo, v)))
}
