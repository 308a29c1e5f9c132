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
 * Sizing (prefill and decode instances; rates in requests/s):
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

function kvBytesPerRequest(model: ModelSpec, layout: Layout, isl: number): number {
  const format = layout.weights.resolved
  const shapes = shardShapes(model, {tp: layout.tp, fp8Gemm: layout.weights.fp8Gemm || format === 'fp8', fp8Kv: layout.fp8Kv, weightBits: bitsOf(format)})
  return isl * kvBytesPerToken(model, shapes)
}

interface Sized {
  prefillInstances: number
  decodeInstances: number
  gpus: number
  rate: number
  tgs: number
}

/** Instances of each phase for one prefill candidate and one decode point: the targets' load, or the best balance within the budget. */
function sizePlan(
  targets: ServingTargets,
  budget: GpuBudget,
  prefill: PrefillCandidate,
  decode: {gpus: number; rate: number; inFlight: number},
): Sized | undefined {
  const evalCounts = (prefillInstances: number, decodeInstances: number): Sized => {
    const gpus = prefillInstances * prefill.gpus + decodeInstances * decode.gpus
    const served = Math.min(prefillInstances * prefill.rate, decodeInstances * decode.rate)
    const rate = targets.sustain.kind === 'rate' ? targets.sustain.requestsPerSecond : served
    return {prefillInstances, decodeInstances, gpus, rate, tgs: (rate * targets.osl) / gpus}
  }
  const balanced = (decodeInstances: number) => Math.max(1, Math.ceil((decodeInstances * decode.rate) / prefill.rate))
  const grow = (prefillInstances: number, decodeInstances: number): Sized | undefined => {
    while (prefillInstances * prefill.gpus + decodeInstances * decode.gpus < budget.minGpus) {
      decodeInstances++
      prefillInstances = Math.max(prefillInstances, balanced(decodeInstances))
    }
    const sized = evalCounts(prefillInstances, decodeInstances)
    return sized.gpus <= budget.maxGpus ? sized : undefined
  }
  const sustain = targets.sustain
  if (sustain.kind === 'rate') return grow(Math.ceil(sustain.requestsPerSecond / prefill.rate), Math.ceil(sustain.requestsPerSecond / decode.rate))
  if (sustain.kind === 'concurrency') {
    const decodeInstances = Math.ceil(sustain.requests / decode.inFlight)
    return grow(balanced(decodeInstances), decodeInstances)
  }
  let best: Sized | undefined
  for (let decodeInstances = 1; decodeInstances * decode.gpus + prefill.gpus <= budget.maxGpus; decodeInstances++) {
    const ideal = (decodeInstances * decode.rate) / prefill.rate
    for (const prefillInstances of new Set([Math.max(1, Math.floor(ideal)), Math.max(1, Math.ceil(ideal))])) {
      const sized = evalCounts(prefillInstances, decodeInstances)
      if (sized.gpus > budget.maxGpus || sized.gpus < budget.minGpus) continue
      if (!best || sized.tgs > best.tgs) best = sized
    }
  }
  return best
}

export function disaggregatedPlans(input: DisaggInput): DisaggOutcome {
  const {model, layouts, targets} = input
  const frontier = new ParetoFrontier<DisaggPlan>()
  const byDecodeLayout = new Map<number, DisaggPlan>()
  const out: DisaggOutcome = {bests: [], frontier}
  input.gpus.forEach((gpu, gpuIndex) => {
    const rates = effectiveRates(gpu)
    const bandwidth: Record<KvLink, number> = {nvlink: rates.nvlinkBw, rdma: rates.rdmaBw}
    const transferMs = (layout: Layout, link: KvLink) => transferSeconds(kvBytesPerRequest(model, layout, targets.isl), bandwidth[link]) * 1000
    // Per prefill instance size and link: the highest-throughput point meeting TTFT with its KV transfer.
    const candidates = new Map<string, PrefillCandidate>()
    const decodes: SweepPoint[] = []
    for (const point of input.points) {
      const layout = layouts[point.layout]
      if (layout.gpu !== gpuIndex) continue
      if (point.phase === 'decode') {
        if (out.fastestDecodeMs === undefined || point.latencyMs < out.fastestDecodeMs) out.fastestDecodeMs = point.latencyMs
        if (targets.tpotMax === undefined || point.latencyMs <= targets.tpotMax) decodes.push(point)
        continue
      }
      const fastest = point.latencyMs + transferMs(layout, 'nvlink')
      if (out.fastestPrefillMs === undefined || fastest < out.fastestPrefillMs) out.fastestPrefillMs = fastest
      for (const link of ['rdma', 'nvlink'] as const) {
        if (targets.ttftMax !== undefined && point.latencyMs + transferMs(layout, link) > targets.ttftMax) continue
        const key = `${layout.worldSize}|${link}`
        const cur = candidates.get(key)
        if (!cur || point.tgs > cur.point.tgs || (point.tgs === cur.point.tgs && point.latencyMs < cur.point.latencyMs)) {
          candidates.set(key, {point, gpus: layout.worldSize, rate: (point.tgs * layout.worldSize) / targets.isl, link})
        }
      }
    }
    const perNode = input.gpusPerNode[gpuIndex]
    for (const decodePoint of decodes) {
      const decodeLayout = layouts[decodePoint.layout]
      const decode = {
        gpus: decodeLayout.worldSize,
        rate: (decodePoint.tgs * decodeLayout.worldSize) / targets.osl,
        inFlight: (decodePoint.tgs * decodeLayout.worldSize * decodePoint.latencyMs) / 1000,
      }
      for (const candidate of candidates.values()) {
        const sized = sizePlan(targets, input.budget, candidate, decode)
        if (!sized) continue
        const link: KvLink = sized.gpus <= perNode ? 'nvlink' : 'rdma'
        if (candidate.link === 'nvlink' && link !== 'nvlink') continue
        const prefillLayout = layouts[candidate.point.layout]
        const kvMs = transferMs(prefillLayout, link)
        const prefill = candidate.point
        const plan: DisaggPlan = {
          gpu: gpuIndex,
          prefill: {layout: prefill.layout, value: prefill.value, latencyMs: prefill.latencyMs, tgs: prefill.tgs, instances: sized.prefillInstances},
          decode: {layout: decodePoint.layout, value: decodePoint.value, latencyMs: decodePoint.latencyMs, tgs: decodePoint.tgs, instances: sized.decodeInstances},
          kvTransfer: {bytesPerRequest: kvBytesPerRequest(model, prefillLayout, targets.isl), link, gbPerS: bandwidth[link], ms: kvMs},
          ttftMs: prefill.latencyMs + kvMs,
          tpotMs: decodePoint.latencyMs,
          tgs: sized.tgs,
          gpus: sized.gpus,
          requestsPerSecond: sized.rate,
        }
        frontier.offer(1000 / plan.tpotMs, plan.tgs, decodePoint.layout * 1e7 + decodePoint.value, plan)
        const cur = byDecodeLayout.get(decodePoint.layout)
        if (!cur || plan.tgs > cur.tgs) byDecodeLayout.set(decodePoint.layout, plan)
      }
    }
  })
  out.bests = [...byDecodeLayout.values()]
  return out
}
