/** Communication times, in seconds: the reference's formulas and the bandwidth formula of one collective. */
import type {Collective} from './collectives.js'
import {transferSeconds} from './units.js'

export interface CommTopology {
  worldSize: number
  nodes: number
  tp: number
  hidden: number
  topk: number
  nvlinkBw: number
  rdmaBw: number
}

function xfer(t: CommTopology, bytes: number, interNode: boolean): number {
  if (t.worldSize <= 1) return 0
  return transferSeconds(bytes, interNode ? t.rdmaBw : t.nvlinkBw)
}

/** The reference's all-reduce around the MoE: n * W * D * 2 bytes. */
export const allReduceSeconds = (t: CommTopology, tokens: number) => xfer(t, tokens * t.worldSize * t.hidden * 2, t.nodes > 1)

/** DeepEP normal mode (prefill): RDMA to the other nodes plus NVLink inside the node. */
export function deepepNormalSeconds(t: CommTopology, tokens: number, bytesPerElem: number): number {
  return xfer(t, tokens * (t.nodes - 1) * t.hidden * bytesPerElem, true) + xfer(t, tokens * t.hidden * bytesPerElem, false)
}

/** DeepEP low-latency mode (decode): each token to its k experts. */
export const deepepLowLatencySeconds = (t: CommTopology, tokens: number, bytesPerElem: number) =>
  xfer(t, tokens * t.topk * t.hidden * bytesPerElem, t.nodes > 1)

/** Communication before and after the MoE: DeepEP dispatch (fp8) / combine (bf16), or two all-reduces. */
export function moeCommPair(t: CommTopology, tokens: number, deepep: boolean, phase: 'prefill' | 'decode'): [number, number] {
  if (!deepep) {
    const ar = allReduceSeconds(t, tokens)
    return [ar, ar]
  }
  const f = phase === 'prefill' ? deepepNormalSeconds : deepepLowLatencySeconds
  return [f(t, tokens, 1), f(t, tokens, 2)]
}

/** Ring all-reduce inside the tensor-parallel group. */
export function tpAllReduceSeconds(t: CommTopology, tokens: number): number {
  if (t.tp <= 1) return 0
  return transferSeconds((tokens * t.hidden * 2 * 2 * (t.tp - 1)) / t.tp, t.nvlinkBw)
}

/**
 * Bandwidth-formula time of one collective where no measured table covers
 * it: ring all-reduce 2(g-1)/g of the message, ring all-gather and
 * reduce-scatter (g-1)/g, DeepEP as the reference counts it (low-latency:
 * the token copies at one bandwidth; normal: to the other nodes over RDMA
 * plus once over NVLink).
 */
export function collectiveSeconds(c: Collective, t: CommTopology): number {
  if (c.gpus <= 1 || c.bytes <= 0) return 0
  const bw = c.interNode ? t.rdmaBw : t.nvlinkBw
  const ring = (c.gpus - 1) / c.gpus
  switch (c.op) {
    case 'allreduce':
      return transferSeconds(c.bytes * 2 * ring, bw)
    case 'allgather':
    case 'reduce_scatter':
      return transferSeconds(c.bytes * ring, bw)
    case 'deepep_ll_dispatch':
    case 'deepep_ll_combine':
      return transferSeconds(c.bytes, bw)
    case 'alltoall': {
      // the copies bound for other nodes cross RDMA, the rest NVLink
      const away = t.nodes > 1 ? (t.nodes - 1) / t.nodes : 0
      return transferSeconds(c.bytes * away, t.rdmaBw) + transferSeconds(c.bytes * (1 - away), t.nvlinkBw)
    }
    case 'deepep_normal_dispatch':
    case 'deepep_normal_combine': {
      const perToken = c.bytes / t.topk
      return transferSeconds(perToken * (t.nodes - 1), t.rdmaBw) + transferSeconds(perToken, t.nvlinkBw)
    }
  }
}
