/**
 * Tensor-parallel all-reduce time from the measured communication table
 * (comm/<gpu>/allreduce.csv, src/tables/comm-lookup.ts); the bandwidth
 * formula of the simulator (SPEC A7) when the GPU has no such table or no
 * row for that group size.
 */
import {tpAllReduceSeconds, type CommTopology} from '../cost/comm.js'
import {lookupCollective} from '../tables/comm-lookup.js'
import type {TableSet} from '../tables/types.js'

export interface AllReduceTime {
  seconds: (bytes: number) => number
  /** Table used, or undefined when the bandwidth formula is. */
  table?: string
}

export function allReduceTime(tables: TableSet, gpuKey: string, topo: CommTopology): AllReduceTime {
  const formula = (bytes: number) => tpAllReduceSeconds(topo, bytes / (topo.hidden * 2))
  const probe = topo.tp > 1 ? lookupCollective(tables, gpuKey, 'allreduce', topo.tp, topo.hidden * 2) : undefined
  if (!probe) return {seconds: formula}
  return {seconds: (bytes) => (bytes <= 0 ? 0 : lookupCollective(tables, gpuKey, 'allreduce', topo.tp, bytes)?.seconds ?? formula(bytes)), table: probe.table}
}
