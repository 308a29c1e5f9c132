/**
 * Measured collective latencies (comm/<gpu>/<op>.csv: num_gpus, message_bytes,
 * latency_us), interpolated log-log in message size and, between measured
 * group sizes, in GPU count. Beyond the largest message the time grows with
 * the bytes (bandwidth-bound); below the smallest it holds (latency-bound).
 * Outside the measured GPU counts (GB200's tables stop at the 4 GPUs of a
 * tray, its NVLink domain is 72) the nearest count's curve is carried over
 * by the share of the message each GPU's links move in a ring, (g-1)/g
 * (ringCarry). DeepEP tables count GPUs their own way and are not carried:
 * there the caller uses the bandwidth formula (src/cost/comm.ts; docs/model.md,
 * Communication per layout). Callers look up only collectives within one
 * NVLink domain.
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
  const curve = rows.length < 2 ? undefined : lowerEnvelope(rows)
  byGpus.set(gpus, curve)
  return curve
}

/**
 * The curve through rows sorted by message size, each point no slower than
 * any larger message's (the row it takes its time from keeps its line): a
 * collective of fewer bytes can run as the larger one does, padded. The
 * tables hold rows that are not: repeat noise on small messages (H100's
 * 8-GPU all-reduce of 1 KiB, 15.6 us where its neighbours take 3.5 us), and
 * DeepEP's, whose payloads come from several model shapes (the fastest kept
 * at each size), zigzag by 2-3x from one size to the next (GB200: 132 MB in
 * 529 us, 185 MB in 184 us).
 */
function lowerEnvelope(rows: TableRow[]): Curve {
  const logUs = rows.map((r) => Math.log(r.values.latency_us as number))
  const lines = rows.map((r) => r.line)
  for (let i = rows.length - 2; i >= 0; i--) {
    if (logUs[i + 1] < logUs[i]) {
      logUs[i] = logUs[i + 1]
      lines[i] = lines[i + 1]
    }
  }
  return {logBytes: rows.map((r) => Math.log(r.values.message_bytes as number)), logUs, lines}
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

/**
 * A ring collective over g GPUs moves (g-1)/g of the message over each GPU's
 * links (an all-reduce twice), so a measured curve at m GPUs carries to g by
 * ((g-1)/g) / ((m-1)/m). Checked on the NVLink GPUs' tables (A100, H100,
 * H200, B200), 4 GPUs carried to their measured 8, messages of 64 KiB and
 * more: median error 11% for all-reduce (9% for all-gather, reduce-scatter
 * and all-to-all), 90% of points within 31%; the bandwidth formula on the
 * same points, 42-71% (it has no latency: up to 50x too fast on small
 * messages). Not for PCIe (L40S's 8 GPUs cross sockets: -64% to -75%).
 *
 * @example
 * ringCarry(8, 4) // 1.1666... (7/8 over 3/4)
 */
export const ringCarry = (gpus: number, measured: number): number => ringShare(gpus) / ringShare(measured)

/** Share of a message a ring collective over `gpus` GPUs moves over each GPU's links, (g-1)/g (an all-reduce moves it twice). */
export const ringShare = (gpus: number): number => (gpus - 1) / gpus

/** Time of one collective of `bytes` over `gpus` GPUs from the measured table; undefined where it has none for the op. */
export function lookupCollective(tables: TableSet, gpuKey: string, op: CollectiveOp, gpus: number, bytes: number): CommLookup | undefined {
  const path = `comm/${gpuKey}/${op}.csv`
  const table = tables.get(path)
  if (!table || bytes <= 0) return undefined
  const counts = measuredGpuCounts(table)
  const below = counts.filter((g) => g <= gpus).pop()
  const above = counts.find((g) => g >= gpus)
  if (below === undefined || above === undefined) {
    const nearest = below ?? above
    const curve = nearest === undefined || nearest < 2 || op.startsWith('deepep') ? undefined : curveOf(table, nearest)
    if (!curve) return undefined
    const a = onCurve(curve, bytes)
    return {seconds: (a.us * ringCarry(gpus, nearest!)) / 1e6, kind: 'extrapolated', table: path, lines: a.lines, note: `${nearest} GPUs' curve carried to ${gpus} by the ring share (g-1)/g`}
  }
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
