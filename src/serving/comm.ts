/**
 * Tensor-parallel all-reduce time from the measured communication table
 * (comm/<gpu>/allreduce.csv: num_gpus, message_bytes, latency_us), log-log
 * interpolated in message size; the bandwidth formula of the simulator
 * (SPEC A7) when the GPU has no such table or no row for that group size.
 */
import {tpAllReduceSeconds, type CommTopology} from '../cost/comm.js'
import type {KernelTable, TableSet} from '../tables/types.js'

export interface AllReduceTime {
  seconds: (bytes: number) => number
  /** Table used, or undefined when the bandwidth formula is. */
  table?: string
}

function curve(table: KernelTable, gpus: number): [number[], number[]] | undefined {
  const pts = table.rows
    .filter((r) => r.values.num_gpus === gpus)
    .map((r) => [r.values.message_bytes as number, r.values.latency_us as number] as const)
    .filter(([b, l]) => b > 0 && l > 0)
    .sort((a, b) => a[0] - b[0])
  if (pts.length < 2) return undefined
  return [pts.map((p) => Math.log(p[0])), pts.map((p) => Math.log(p[1]))]
}

function interpolate(xs: number[], ys: number[], x: number): number {
  if (x <= xs[0]) return ys[0]
  const last = xs.length - 1
  let i = 1
  while (i < last && xs[i] < x) i++
  const t = (x - xs[i - 1]) / (xs[i] - xs[i - 1])
  return ys[i - 1] + t * (ys[i] - ys[i - 1])
}

export function allReduceTime(tables: TableSet, gpuKey: string, topo: CommTopology): AllReduceTime {
  const path = `comm/${gpuKey}/allreduce.csv`
  const table = tables.get(path)
  const c = table && topo.tp > 1 ? curve(table, topo.tp) : undefined
  if (!c) return {seconds: (bytes) => tpAllReduceSeconds(topo, bytes / (topo.hidden * 2))}
  const [xs, ys] = c
  return {seconds: (bytes) => (bytes <= 0 ? 0 : Math.exp(interpolate(xs, ys, Math.log(bytes))) / 1e6), table: path}
}
