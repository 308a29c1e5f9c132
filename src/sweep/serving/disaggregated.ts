/**
 * Disaggregated deployments from the phase model: prefill instances and
 * decode instances of possibly different layouts (the phase sweep's points),
 * in numbers that balance the two within the GPU budget, with the KV cache of
 * each request moved from its prefill to its decode instance.
 *
 * KV transfer: the prompt's KV cache as one prefill GPU holds it (isl tokens
 * at the prefill layout's KV bytes per token; every GPU of the instance sends
 * its share at once) over one GPU's link: NVLink when the whole deployment
 * fits in one node, else the inter-node network (RDMA). It adds to TTFT.
 * Prefill points are screened with the slower link; a deployment that fits
 * one node may also use a prefill point that meets the TTFT target only over
 * NVLink.
 *
 * Sizing (np prefill and nd decode instances; rates in requests/s):
 * - nothing to sustain: the whole-instance counts within the budget that
 *   serve the most output tokens per GPU per second;
 * - a request rate R: the fewest instances of each side that sustain R;
 * - a total concurrency C: decode instances enough for C requests in flight
 *   (an instance holds tgs x GPUs x TPOT / 1000 of them), prefill to match.
 * Counts below the budget's minimum GPUs grow (decode first, prefill to match).
 */
import {kvBytesPerToken} from '../../cost/kvcache.js'
import {shardShapes} from '../../cost/shapes.js'
import {transferSeconds} from '../../cost/units.js'
import {effectiveRates, type GpuSpec} from '../../hardware/gpu.js'
import type {ModelSpec} from '../../model/types.js'
import {ParetoFrontier} from '../frontier.js'
import {bitsOf} from '../space.js'
import type {Layout, SweepPoint} from '../types.js'
import type {GpuBudget} from './plan.js'
import type {ServingTargets} from './types.js'

export type KvLink = 'nvlink' | 'rdma'

export interface DisaggPick {
  layout: number
  /** Prefill: tokens per forward per GPU; decode: requests per micro-batch. */
  value: number
  latencyMs: number
  tgs: number
  instances: number
}

export interface DisaggPlan {
  gpu: number
  prefill: DisaggPick
  decode: DisaggPick
  kvTransfer: {bytesPerRequest: number; link: KvLink; gbPerS: number; ms: number}
  /** Prefill latency plus the KV transfer, ms. */
  ttftMs: number
  tpotMs: number
  /** Output tokens per GPU per second the deployment delivers. */
  tgs: number
  gpus: number
  requestsPerSecond: number
}

export interface DisaggOutcome {
  /** Best deployment per decode layout, within every target. */
  bests: DisaggPlan[]
  frontier: ParetoFrontier<DisaggPlan>
  /** Nearest misses (for the binding message). */
  fastestPrefillMs?: number
  fastestDecodeMs?: number
}

export interface DisaggInput {
  model: ModelSpec
  gpus: GpuSpec[]
  gpusPerNode: number[]
  layouts: readonly Layout[]
  points: readonly SweepPoint[]
  targets: ServingTargets
  budget: GpuBudget
}

interface PrefillCandidate {
  point: SweepPoint
  gpus: number
  /** Request rate of one instance. */
  rate: number
  link: KvLink
}

function kvBytesPerRequest(model: ModelSpec, l: Layout, isl: number): number {
  const f = l.weights.resolved
  const shapes = shardShapes(model, {tp: l.tp, fp8Gemm: l.weights.fp8Gemm || f === 'fp8', fp8Kv: l.fp8Kv, weightBits: bitsOf(f)})
  return isl * kvBytesPerToken(model, shapes)
}

interface Sized {
  np: number
  nd: number
  gpus: number
  rate: number
  tgs: number
}

function size(t: ServingTargets, budget: GpuBudget, p: PrefillCandidate, d: {gpus: number; rate: number; inFlight: number}): Sized | undefined {
  const evalCounts = (np: number, nd: number): Sized => {
    const gpus = np * p.gpus + nd * d.gpus
    const served = Math.min(np * p.rate, nd * d.rate)
    const rate = t.sustain.kind === 'rate' ? t.sustain.requestsPerSecond : served
    return {np, nd, gpus, rate, tgs: (rate * t.osl) / gpus}
  }
  const balanced = (nd: number) => Math.max(1, Math.ceil((nd * d.rate) / p.rate))
  const grow = (np: number, nd: number): Sized | undefined => {
    while (np * p.gpus + nd * d.gpus < budget.minGpus) {
      nd++
      np = Math.max(np, balanced(nd))
    }
    const s = evalCounts(np, nd)
    return s.gpus <= budget.maxGpus ? s : undefined
  }
  const s = t.sustain
  if (s.kind === 'rate') return grow(Math.ceil(s.requestsPerSecond / p.rate), Math.ceil(s.requestsPerSecond / d.rate))
  if (s.kind === 'concurrency') {
    const nd = Math.ceil(s.requests / d.inFlight)
    return grow(balanced(nd), nd)
  }
  let best: Sized | undefined
  for (let nd = 1; nd * d.gpus + p.gpus <= budget.maxGpus; nd++) {
    const ideal = (nd * d.rate) / p.rate
    for (const np of new Set([Math.max(1, Math.floor(ideal)), Math.max(1, Math.ceil(ideal))])) {
      const c = evalCounts(np, nd)
      if (c.gpus > budget.maxGpus || c.gpus < budget.minGpus) continue
      if (!best || c.tgs > best.tgs) best = c
    }
  }
  return best
}

export function disaggregatedPlans(input: DisaggInput): DisaggOutcome {
  const {model, layouts, targets: t} = input
  const frontier = new ParetoFrontier<DisaggPlan>()
  const byDecodeLayout = new Map<number, DisaggPlan>()
  const out: DisaggOutcome = {bests: [], frontier}
  input.gpus.forEach((gpu, gpuIndex) => {
    const rates = effectiveRates(gpu)
    const bw: Record<KvLink, number> = {nvlink: rates.nvlinkBw, rdma: rates.rdmaBw}
    const transferMs = (l: Layout, link: KvLink) => transferSeconds(kvBytesPerRequest(model, l, t.isl), bw[link]) * 1000
    // Per prefill instance size and link: the highest-throughput point meeting TTFT with its KV transfer.
    const candidates = new Map<string, PrefillCandidate>()
    const decodes: SweepPoint[] = []
    for (const p of input.points) {
      const l = layouts[p.layout]
      if (l.gpu !== gpuIndex) continue
      if (p.phase === 'decode') {
        if (out.fastestDecodeMs === undefined || p.latencyMs < out.fastestDecodeMs) out.fastestDecodeMs = p.latencyMs
        if (t.tpotMax === undefined || p.latencyMs <= t.tpotMax) decodes.push(p)
        continue
      }
      const fastest = p.latencyMs + transferMs(l, 'nvlink')
      if (out.fastestPrefillMs === undefined || fastest < out.fastestPrefillMs) out.fastestPrefillMs = fastest
      for (const link of ['rdma', 'nvlink'] as const) {
        if (t.ttftMax !== undefined && p.latencyMs + transferMs(l, link) > t.ttftMax) continue
        const key = `${l.worldSize}|${link}`
        const cur = candidates.get(key)
        if (!cur || p.tgs > cur.point.tgs || (p.tgs === cur.point.tgs && p.latencyMs < cur.point.latencyMs)) {
          candidates.set(key, {point: p, gpus: l.worldSize, rate: (p.tgs * l.worldSize) / t.isl, link})
        }
      }
    }
    const perNode = input.gpusPerNode[gpuIndex]
    for (const d of decodes) {
      const dl = layouts[d.layout]
      const decode = {gpus: dl.worldSize, rate: (d.tgs * dl.worldSize) / t.osl, inFlight: (d.tgs * dl.worldSize * d.latencyMs) / 1000}
      for (const c of candidates.values()) {
        const s = size(t, input.budget, c, decode)
        if (!s) continue
        const link: KvLink = s.gpus <= perNode ? 'nvlink' : 'rdma'
        if (c.link === 'nvlink' && link !== 'nvlink') continue
        const pl = layouts[c.point.layout]
        const ms = transferMs(pl, link)
        const plan: DisaggPlan = {
          gpu: gpuIndex,
          prefill: {layout: c.point.layout, value: c.point.value, latencyMs: c.point.latencyMs, tgs: c.point.tgs, instances: s.np},
          decode: {layout: d.layout, value: d.value, latencyMs: d.latencyMs, tgs: d.tgs, instances: s.nd},
          kvTransfer: {bytesPerRequest: kvBytesPerRequest(model, pl, t.isl), link, gbPerS: bw[link], ms},
          ttftMs: c.point.latencyMs + ms,
          tpotMs: d.latencyMs,
          tgs: s.tgs,
          gpus: s.gpus,
          requestsPerSecond: s.rate,
        }
        frontier.offer(1000 / plan.tpotMs, plan.tgs, d.layout * 1e7 + d.value, plan)
        const cur = byDecodeLayout.get(d.layout)
        if (!cur || plan.tgs > cur.tgs) byDecodeLayout.set(d.layout, plan)
      }
    }
  })
  out.bests = [...byDecodeLayout.values()]
  return out
}
