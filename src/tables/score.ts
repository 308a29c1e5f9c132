/**
 * Leave-one-out score of the MFU lookups: each measured point of each table
 * is hidden in turn and predicted from the rest, once with the compat
 * profile's nearest-point lookup (docs/profiles.md, The compat profile;
 * falling back to the GPU's default MFU as it does) and once with the
 * default profile's interpolation. Errors
 * are absolute % of the recorded MFU; rows whose MFU was rounded to 0 cannot
 * be scored and are counted apart.
 */
import {CHOSEN_QUANTITY, familyOfPath, KERNEL_FAMILIES, type KernelFamily, type Quantity} from './interpolate/index.js'
import type {LookupEnv} from './resolver.js'
import {FAMILY_LOO, type FamilyLoo} from './score-families.js'
import {errorStats, type ErrorStats} from './score-stats.js'
import {num, type KernelTable, type MfuLookup, type TableRow, type TableSet} from './types.js'

export {errorStats, type ErrorStats} from './score-stats.js'

/** What scoring needs to know about a GPU. */
export interface ScoreGpu {
  defaultMfu: number
  /** Effective memory bandwidth, GB/s (as the simulator counts it). */
  memBw: number
  fp16Tflops: number
  fp8Tflops: number
}

export const QUANTITIES: readonly Quantity[] = ['mfu', 'latency', 'utilisation']

export interface MethodScores {
  /** Points scored (recorded MFU > 0). */
  points: number
  nearest: ErrorStats
  interpolated: ErrorStats
  /** With `compareQuantities`: the interpolation's error blending each quantity. */
  byQuantity?: Partial<Record<Quantity, ErrorStats>>
  /** How the interpolated answers were obtained (exact never happens: the point is hidden). */
  kinds: Record<string, number>
}

export interface TableScore extends MethodScores {
  table: string
  family: KernelFamily
  /** Points whose recorded MFU is 0 (rounded away): not scored. */
  unscorable: number
}

export interface ScoreReport {
  tables: TableScore[]
  families: (MethodScores & {family: KernelFamily; quantity: Quantity})[]
  overall: MethodScores
  notScored: {table: string; reason: string}[]
  /** Per GPU folder, the GEMM dtype its data.csv was measured with (closest GPU peak): bytes per element of GEMM and MoE rooflines. */
  gemmDtypes: Record<string, 'fp8' | 'bf16'>
}

export interface ScoreOptions {
  /** The GPU of a table's folder; tables of unknown GPUs are not scored. */
  gpu: (gpuKey: string) => ScoreGpu | undefined
  /** Also score every quantity, to see why each family blends what it does. */
  compareQuantities?: boolean
  /** After each table: how many of the `count` scored tables are done. */
  onTable?: (table: string, done: number, count: number) => void
}

/** The GPU folder of a table path: gemm/<gpu>/..., comm/<gpu>/..., otherwise <kernel>/<phase>/<gpu>/... */
export const gpuKeyOfPath = (p: string) => {
  const parts = p.split('/')
  return (parts[0] === 'gemm' || parts[0] === 'comm' ? parts[1] : parts[2]) ?? ''
}

interface PointErrors {
  nearest: number[]
  interpolated: number[]
  byQuantity: Partial<Record<Quantity, number[]>>
  kinds: Record<string, number>
}

const emptyErrors = (): PointErrors => ({nearest: [], interpolated: [], byQuantity: {}, kinds: {}})

export function scoreTables(tables: TableSet, options: ScoreOptions): ScoreReport {
  const notScored: ScoreReport['notScored'] = []
  const scored: {path: string; family: KernelFamily; gpu: ScoreGpu}[] = []
  for (const path of tables.paths()) {
    const family = familyOfPath(path)
    const gpu = options.gpu(gpuKeyOfPath(path))
    if (!family) notScored.push({table: path, reason: 'not an MFU table the simulator looks up'})
    else if (!gpu) notScored.push({table: path, reason: `unknown GPU "${gpuKeyOfPath(path)}"`})
    else scored.push({path, family, gpu})
  }
  const perTable: TableScore[] = []
  const perFamily = new Map<KernelFamily, PointErrors>()
  const all = emptyErrors()
  const gemmDtypes: Record<string, 'fp8' | 'bf16'> = {}
  for (const {path, gpu} of scored) gemmDtypes[gpuKeyOfPath(path)] ??= gemmDtypeOf(tables, `gemm/${gpuKeyOfPath(path)}/data.csv`, gpu)
  scored.forEach(({path, family, gpu}, i) => {
    const table = tables.get(path)!
    const env: LookupEnv = {memBw: gpu.memBw, gemmDtype: namedDtype(path) ?? gemmDtypes[gpuKeyOfPath(path)]}
    const errors = emptyErrors()
    const unscorable = leaveOneOut(tables, table, FAMILY_LOO[family], env, gpu, family, options.compareQuantities ?? false, errors)
    perTable.push({table: path, family, unscorable, ...summarise(errors)})
    if (!perFamily.has(family)) perFamily.set(family, emptyErrors())
    merge(perFamily.get(family)!, errors)
    merge(all, errors)
    options.onTable?.(path, i + 1, scored.length)
  })
  const families = KERNEL_FAMILIES.filter((f) => perFamily.has(f)).map((family) => ({family, quantity: CHOSEN_QUANTITY[family], ...summarise(perFamily.get(family)!)}))
  return {tables: perTable, families, overall: summarise(all), notScored, gemmDtypes}
}

function leaveOneOut(
  tables: TableSet,
  table: KernelTable,
  loo: FamilyLoo,
  env: LookupEnv,
  gpu: ScoreGpu,
  family: KernelFamily,
  compare: boolean,
  out: PointErrors,
): number {
  const pointKey = (r: TableRow) => loo.pointColumns.map((c) => r.values[c]).join('|')
  const points = new Map<string, TableRow[]>()
  for (const r of table.rows) {
    const k = pointKey(r)
    const rows = points.get(k)
    if (rows) rows.push(r)
    else points.set(k, [r])
  }
  const groups = loo.group && groupRows(table.rows, loo.group)
  let unscorable = 0
  for (const hidden of points.values()) {
    const truth = hidden.reduce((a, r) => a + loo.truth(r), 0) / hidden.length
    if (!(truth > 0)) {
      unscorable++
      continue
    }
    // The nearest-point lookup scans rows: a point whose group keeps other rows is answered by that group alone (same answer, far cheaper).
    const sameGroup = groups?.get(loo.group!(hidden[0])) ?? table.rows
    const source = sameGroup.length > hidden.length ? sameGroup : table.rows
    const leftOut = new Set(hidden.map((r) => r.line))
    const rest: KernelTable = {...table, rows: source.filter((r) => !leftOut.has(r.line))}
    const q = hidden[0]
    const nearest = loo.nearest(rest, q)?.value ?? gpu.defaultMfu
    out.nearest.push(pctError(nearest, truth))
    // The interpolation derives the grid without the point from the table's own (rebuilding it per point made the score quadratic).
    const chosen = loo.interpolate(tables, table, q, env, CHOSEN_QUANTITY[family], leftOut)
    out.kinds[chosen?.kind ?? 'fallback'] = (out.kinds[chosen?.kind ?? 'fallback'] ?? 0) + 1
    out.interpolated.push(pctError(valueOr(chosen, gpu), truth))
    if (!compare) continue
    for (const quantity of QUANTITIES) {
      const v = quantity === CHOSEN_QUANTITY[family] ? chosen : loo.interpolate(tables, table, q, env, quantity, leftOut)
      ;(out.byQuantity[quantity] ??= []).push(pctError(valueOr(v, gpu), truth))
    }
  }
  return unscorable
}

/** Nothing to interpolate from or borrow: the resolver's fallback, at the GPU's default MFU. */
const valueOr = (l: MfuLookup | undefined, gpu: ScoreGpu) => l?.value ?? gpu.defaultMfu

const pctError = (predicted: number, truth: number) => (Math.abs(predicted - truth) / truth) * 100

function groupRows(rows: readonly TableRow[], group: (r: TableRow) => string): Map<string, TableRow[]> {
  const out = new Map<string, TableRow[]>()
  for (const r of rows) {
    const g = group(r)
    const list = out.get(g)
    if (list) list.push(r)
    else out.set(g, [r])
  }
  return out
}

/** The dtype a per-dtype table names (gemm/<gpu>/fp8.csv, grouped_gemm/<phase>/<gpu>/bf16.csv). */
export const namedDtype = (path: string): 'fp8' | 'bf16' | undefined => (path.endsWith('/fp8.csv') ? 'fp8' : path.endsWith('/bf16.csv') ? 'bf16' : undefined)

/**
 * GEMM operand dtype a GEMM-based table was measured with: the file says so
 * (fp8.csv, bf16.csv); for data.csv, the GPU peak closest to the one its rows imply.
 */
function gemmDtypeOf(tables: TableSet, gemmPath: string, gpu: ScoreGpu): 'fp8' | 'bf16' {
  const t = tables.get(gemmPath)
  if (!t) return 'bf16'
  const peaks = t.rows.filter((r) => num(r, 'mfu') >= 0.3 && num(r, 'latency_us') > 0).map((r) => (2 * num(r, 'm') * num(r, 'k') * num(r, 'n')) / (num(r, 'latency_us') * num(r, 'mfu')) / 1e6)
  if (peaks.length === 0) return 'bf16'
  const p = errorStats(peaks).median
  return Math.abs(Math.log(p / gpu.fp8Tflops)) < Math.abs(Math.log(p / gpu.fp16Tflops)) ? 'fp8' : 'bf16'
}

function merge(into: PointErrors, from: PointErrors): void {
  into.nearest.push(...from.nearest)
  into.interpolated.push(...from.interpolated)
  for (const [q, errs] of Object.entries(from.byQuantity) as [Quantity, number[]][]) (into.byQuantity[q] ??= []).push(...errs)
  for (const [k, n] of Object.entries(from.kinds)) into.kinds[k] = (into.kinds[k] ?? 0) + n
}

function summarise(e: PointErrors): MethodScores {
  const byQuantity = Object.keys(e.byQuantity).length
    ? Object.fromEntries(Object.entries(e.byQuantity).map(([q, errs]) => [q, errorStats(errs)]))
    : undefined
  return {points: e.interpolated.length, nearest: errorStats(e.nearest), interpolated: errorStats(e.interpolated), ...(byQuantity ? {byQuantity} : {}), kinds: e.kinds}
}
