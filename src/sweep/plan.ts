/**
 * From each layout's best prefill and decode points within the targets:
 * the top deployments (one layout running both phases), and disaggregated
 * serving (prefill and decode instances of possibly different layouts, in
 * the numbers that balance the phases within the GPU budget).
 *
 * Per request the system spends isl / prefillTgs prefill GPU-seconds and
 * osl / decodeTgs decode GPU-seconds, so it serves
 * osl / (osl / decodeTgs + isl / prefillTgs) output tokens per GPU per second,
 * with isl/prefillTgs : osl/decodeTgs prefill to decode GPUs.
 */
import type {PhaseBest, SweepAggregator} from './aggregate.js'
import {simulateCommand, type CommandContext} from './command-line.js'
import type {DisaggregatedPlan, TopDeployment} from './result.js'
import type {Layout, Workload} from './types.js'
import {layoutView} from './views.js'

export const prefillGpusPerDecodeGpu = (workload: Workload, prefillTgs: number, decodeTgs: number) => (workload.isl / prefillTgs) / (workload.osl / decodeTgs)

export const systemTgs = (workload: Workload, prefillTgs: number, decodeTgs: number) => workload.osl / (workload.osl / decodeTgs + workload.isl / prefillTgs)

const pick = (b: PhaseBest) => ({value: b.value, latencyMs: b.latencyMs, tgs: b.tgs})

export function topDeployments(agg: SweepAggregator, layouts: readonly Layout[], ctx: CommandContext, n: number): TopDeployment[] {
  const workload = ctx.workload
  const rows: {index: number; prefill: PhaseBest; decode: PhaseBest; system: number}[] = []
  for (let index = 0; index < layouts.length; index++) {
    const prefill = agg.bestOf(index, 'prefill')
    const decode = agg.bestOf(index, 'decode')
    if (prefill && decode) rows.push({index, prefill, decode, system: systemTgs(workload, prefill.tgs, decode.tgs)})
  }
  rows.sort((a, b) => b.system - a.system || a.index - b.index)
  return rows.slice(0, n).map((r, i) => {
    const layout = layouts[r.index]
    return {
      rank: i + 1,
      layout: layoutView(layout, ctx.gpuNames),
      prefill: pick(r.prefill),
      decode: {...pick(r.decode), userTps: 1000 / r.decode.latencyMs},
      prefillGpusPerDecodeGpu: prefillGpusPerDecodeGpu(workload, r.prefill.tgs, r.decode.tgs),
      systemTgs: r.system,
      command: simulateCommand(ctx, layout, {prefillTokens: r.prefill.value, decodeBatch: r.decode.value}),
    }
  })
}

interface Candidate {
  index: number
  best: PhaseBest
}

/** Per GPU count, the layout with the highest throughput of a phase: the only ones a plan would pick. */
function bestBySize(agg: SweepAggregator, layouts: readonly Layout[], gpu: number, phase: 'prefill' | 'decode'): Candidate[] {
  const bySize = new Map<number, Candidate>()
  layouts.forEach((layout, index) => {
    if (layout.gpu !== gpu) return
    const best = agg.bestOf(index, phase)
    if (!best) return
    const cur = bySize.get(layout.worldSize)
    if (!cur || best.tgs > cur.best.tgs) bySize.set(layout.worldSize, {index, best})
  })
  return [...bySize.values()]
}

/** Whole instances within the budget that serve the most output tokens per GPU per second. */
function instancesFor(workload: Workload, budget: number, prefill: {gpus: number; tgs: number}, decode: {gpus: number; tgs: number}) {
  let bestPlan: {prefill: number; decode: number; gpus: number; rate: number; perGpu: number} | undefined
  const prefillRate = (prefill.gpus * prefill.tgs) / workload.isl
  const decodeRate = (decode.gpus * decode.tgs) / workload.osl
  for (let decodeInstances = 1; decodeInstances * decode.gpus + prefill.gpus <= budget; decodeInstances++) {
    const ideal = (decodeInstances * decodeRate) / prefillRate
    for (const prefillInstances of new Set([Math.max(1, Math.floor(ideal)), Math.max(1, Math.ceil(ideal))])) {
      const gpus = prefillInstances * prefill.gpus + decodeInstances * decode.gpus
      if (gpus > budget) continue
      const rate = Math.min(prefillInstances * prefillRate, decodeInstances * decodeRate)
      const perGpu = (rate * workload.osl) / gpus
      if (!bestPlan || perGpu > bestPlan.perGpu) bestPlan = {prefill: prefillInstances, decode: decodeInstances, gpus, rate, perGpu}
    }
  }
  return bestPlan
}

export function disaggregatedPlans(agg: SweepAggregator, layouts: readonly Layout[], ctx: CommandContext, budget: number): DisaggregatedPlan[] {
  const workload = ctx.workload
  const plans: DisaggregatedPlan[] = []
  ctx.gpuNames.forEach((gpuName, gpu) => {
    let best: {prefill: Candidate; decode: Candidate; plan: NonNullable<ReturnType<typeof instancesFor>>} | undefined
    for (const prefill of bestBySize(agg, layouts, gpu, 'prefill')) {
      for (const decode of bestBySize(agg, layouts, gpu, 'decode')) {
        const plan = instancesFor(workload, budget, {gpus: layouts[prefill.index].worldSize, tgs: prefill.best.tgs}, {gpus: layouts[decode.index].worldSize, tgs: decode.best.tgs})
        if (plan && (!best || plan.perGpu > best.plan.perGpu)) best = {prefill, decode, plan}
      }
    }
    if (!best) return
    const [prefillLayout, decodeLayout] = [layouts[best.prefill.index], layouts[best.decode.index]]
    const [prefillPoint, decodePoint] = [best.prefill.best, best.decode.best]
    plans.push({
      gpu: gpuName,
      prefill: {
        layout: layoutView(prefillLayout, ctx.gpuNames),
        pick: pick(prefillPoint),
        instances: best.plan.prefill,
        command: simulateCommand(ctx, prefillLayout, {prefillTokens: prefillPoint.value}),
      },
      decode: {
        layout: layoutView(decodeLayout, ctx.gpuNames),
        pick: {...pick(decodePoint), userTps: 1000 / decodePoint.latencyMs},
        instances: best.plan.decode,
        command: simulateCommand(ctx, decodeLayout, {decodeBatch: decodePoint.value}),
      },
      prefillGpusPerDecodeGpu: prefillGpusPerDecodeGpu(workload, prefillPoint.tgs, decodePoint.tgs),
      balancedSystemTgs: systemTgs(workload, prefillPoint.tgs, decodePoint.tgs),
      gpus: best.plan.gpus,
      systemTgs: best.plan.perGpu,
      requestsPerSecond: best.plan.rate,
    })
  })
  return plans
}
