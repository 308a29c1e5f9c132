/** Communication times, in seconds: the reference's formulas and the bandwidth formula of one collective. */
import type {Collective} from './collectives.js'
import {transferSeconds} from './units.js'
import {ringShare} from '../tables/comm-lookup.js'

export interface CommTopology {
  worldSize: number
  nodes: number
  tp: number
  hidden: number
  topk: number
  nvlinkBw: number
  rdmaBw: number
}

function linkSeconds(topology: CommTopology, bytes: number, interNode: boolean): number {
  if (topology.worldSize <= 1) return 0
  return transferSeconds(bytes, interNode ? topology.rdmaBw : topology.nvlinkBw)
}

/** The reference's all-reduce around the MoE: n * W * D * 2 bytes. */
export const allReduceSeconds = (topology: CommTopology, tokens: number) => linkSeconds(topology, tokens * topology.worldSize * topology.hidden * 2, topology.nodes > 1)

/** DeepEP normal mode (prefill): RDMA to the other nodes plus NVLink inside the node. */
export function deepepNormalSeconds(topology: CommTopology, tokens: number, bytesPerElem: number): number {
  return linkSeconds(topology, tokens * (topology.nodes - 1) * topology.hidden * bytesPerElem, true) + linkSeconds(topology, tokens * topology.hidden * bytesPerElem, false)
}

/** DeepEP low-latency mode (decode): each token to its k experts. */
export const deepepLowLatencySeconds = (topology: CommTopology, tokens: number, bytesPerElem: number) =>
  linkSeconds(topology, tokens * topology.topk * topology.hidden * bytesPerElem, topology.nodes > 1)

/** Communication before and after the MoE: DeepEP dispatch (fp8) / combine (bf16), or two all-reduces. */
export function moeCommPair(topology: CommTopology, tokens: number, deepep: boolean, phase: 'prefill' | 'decode'): [number, number] {
  if (!deepep) {
    const allReduce = allReduceSeconds(topology, tokens)
    return [allReduce, allReduce]
  }
  const deepepSeconds = phase === 'prefill' ? deepepNormalSeconds : deepepLowLatencySeconds
  return [deepepSeconds(topology, tokens, 1), deepepSeconds(topology, tokens, 2)]
}

/** Ring all-reduce inside the tensor-parallel group. */
export function tpAllReduceSeconds(topology: CommTopology, tokens: number): number {
  if (topology.tp <= 1) return 0
  return transferSeconds((tokens * topology.hidden * 2 * 2 * (topology.tp - 1)) / topology.tp, topology.nvlinkBw)
}

/**
 * Bandwidth-formula time of one collective where no measured table covers
 * it: ring all-reduce 2(g-1)/g of the message, ring all-gather and
 * reduce-scatter (g-1)/g, DeepEP as the reference counts it (low-latency:
 * the token copies at one bandwidth; normal: to the other nodes over RDMA
 * plus once over NVLink).
 */
export function collectiveSeconds(c: Collective, topology: CommTopology): number {
  if (c.gpus <= 1 || c.bytes <= 0) return 0
  const bandwidth = c.interNode ? topology.rdmaBw : topology.nvlinkBw
  const ring = ringShare(c.gpus)
  switch (c.op) {
    case 'allreduce':
      return transferSeconds(c.bytes * 2 * ring, bandwidth)
    case 'allgather':
    case 'reduce_scatter':
      return transferSeconds(c.bytes * ring, bandwidth)
    case 'deepep_ll_dispatch':
    case 'deepep_ll_combine':
      return transferSeconds(c.bytes, bandwidth)
    case 'alltoall': {
      // the copies bound for other nodes cross RDMA, the rest NVLink
      const away = topology.nodes > 1 ? (topology.nodes - 1) / topology.nodes : 0
      return transferSeconds(c.bytes * away, topology.rdmaBw) + transferSeconds(c.bytes * (1 - away), topology.nvlinkBw)
    }
    case 'deepep_normal_dispatch':
    case 'deepep_normal_combine': {
      const perToken = c.bytes / topology.topk
      return transferSeconds(perToken * (topology.nodes - 1), topology.rdmaBw) + transferSeconds(perToken, topology.nvlinkBw)
    }
  }
}
