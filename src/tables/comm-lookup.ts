/**
 * Measured collective latencies (comm/<gpu>/<op>.csv: num_gpus, message_bytes,
 * latency_us), interpolated log-log in message size and, between measured
 * group sizes, in GPU count. Beyond the largest message the time grows with
 * the bytes (bandwidth-bound); below the smallest it holds (latency-bound).
 * Outside the measured GPU counts there is no answer: the caller uses the
 * bandwidth formula (src/cost/comm.ts; docs/model.md, Communication per layout).
 */
import type {KernelTable, Provenance, TableRow, TableSet} from './types.js'

export type CollectiveOp =
  | 'allreduce'
  | 'allgather'
  | 'reduce_scatter'
  | 'alltoall'
  | 'deepep_ll_dispatch'
  | 'deepep_ll_combine'
  | 'deepep_normal_dispatch'
  | 'deepep_normal_combine'

export interface CommLookup extends Provenance {
  seconds: number
}

interface Curve {
  logBytes: number[]
  logUs: number[]
  lines: number[]
}

const curves = new WeakMap<KernelTable, Map<number, Curve | undefined>>()

function curveOf(table: KernelTable, gpus: number): Curve | undefined {
  let byGpus = curves.get(table)
  if (!byGpus) curves.set(table, (byGpus = new Map()))
  if (byGpus.has(gpus)) return byGpus.get(gpus)
  const rows = table.rows
    .filter((r: TableRow) => r.values.num_gpus === gpus && (r.values.message_bytes as number) > 0 && (r.values.latency_us as number) > 0)
    .sort((a, b) => (a.values.message_bytes as number) - (b.values.message_bytes as number))
  const curve =
    rows.length < 2
      ? undefined
      : {
          logBytes: rows.map((r) => Math.log(r.values.message_bytes as number)),
          logUs: rows.map((r) => Math.log(r.values.latency_us as number)),
          lines: rows.map((r) => r.line),
        }
  byGpus.set(gpus, curve)
  return curve
}

/** Latency (µs) of one message size on one curve, and the rows used. */
function onCurve(c: Curve, bytes: number): {us: number; lines: number[]; extrapolated: boolean} {
  const x = Math.log(bytes)
  const last = c.logBytes.length - 1
  if (x <= c.logBytes[0]) return {us: Math.exp(c.logUs[0]), lines: [c.lines[0]], extrapolated: x < c.logBytes[0]}
  if (x >= c.logBytes[last]) return {us: Math.exp(c.logUs[last]) * (bytes / Math.exp(c.logBytes[last])), lines: [c.lines[last]], extrapolated: x > c.logBytes[last]}
  let i = 1
  while (c.logBytes[i] < x) i++
  const t = (x - c.logBytes[i - 1]) / (c.logBytes[i] - c.logBytes[i - 1])
  return {us: Math.exp(c.logUs[i - 1] + t * (c.logUs[i] - c.logUs[i - 1])), lines: [c.lines[i - 1], c.lines[i]], extrapolated: false}
}

const gpuCounts = new WeakMap<KernelTable, number[]>()

function measuredGpuCounts(table: KernelTable): number[] {
  let counts = gpuCounts.get(table)
  if (!counts) gpuCounts.set(table, (counts = [...new Set(table.rows.map((r) => r.values.num_gpus as number))].sort((a, b) => a - b)))
  return counts
}

/** Time of one collective of `bytes` over `gpus` GPUs from the measured table, or undefined outside its GPU counts. */
export function lookupCollective(tables: TableSet, gpuKey: string, op: CollectiveOp, gpus: number, bytes: number): CommLookup | undefined {
  const path = `comm/${gpuKey}/${op}.csv`
  const table = tables.get(path)
  if (!table || bytes <= 0) return undefined
  const counts = measuredGpuCounts(table)
  const below = counts.filter((g) => g <= gpus).pop()
  const above = counts.find((g) => g >= gpus)
  if (below === undefined || above === undefined) return undefined
  const lo = curveOf(table, below)
  const hi = curveOf(table, above)
  if (!lo || !hi) return undefined
  const a = onCurve(lo, bytes)
  if (below === above) {
    return {seconds: a.us / 1e6, kind: a.extrapolated ? 'extrapolated' : a.lines.length === 1 ? 'exact' : 'interpolated', table: path, lines: a.lines}
  }
  const b = onCurve(hi, bytes)
  const t = Math.log(gpus / below) / Math.log(above / below)
  const us = Math.exp(Math.log(a.us) + t * (Math.log(b.us) - Math.log(a.us)))
  return {seconds: us / 1e6, kind: a.extrapolated || b.extrapolated ? 'extrapolated' : 'interpolated', table: path, lines: [...a.lines, ...b.lines], note: `log blend of ${below} and ${above} GPUs`}
}
