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

export const prefillGpusPerDecodeGpu = (w: Workload, prefillTgs: number, decodeTgs: number) => (w.isl / prefillTgs) / (w.osl / decodeTgs)

export const systemTgs = (w: Workload, prefillTgs: number, decodeTgs: number) => w.osl / (w.osl / decodeTgs + w.isl / prefillTgs)

const pick = (b: PhaseBest) => ({value: b.value, latencyMs: b.latencyMs, tgs: b.tgs})

export function topDeployments(agg: SweepAggregator, layouts: readonly Layout[], ctx: CommandContext, n: number): TopDeployment[] {
  const w = ctx.workload
  const rows: {index: number; prefill: PhaseBest; decode: PhaseBest; system: number}[] = []
  for (let index = 0; index < layouts.length; index++) {
    const prefill = agg.bestOf(index, 'prefill')
    const decode = agg.bestOf(index, 'decode')
    if (prefill && decode) rows.push({index, prefill, decode, system: systemTgs(w, prefill.tgs, decode.tgs)})
  }
  rows.sort((a, b) => b.system - a.system || a.index - b.index)
  return rows.slice(0, n).map((r, i) => {
    const layout = layouts[r.index]
    return {
      rank: i + 1,
      layout: layoutView(layout, ctx.gpuNames),
      prefill: pick(r.prefill),
      decode: {...pick(r.decode), userTps: 1000 / r.decode.latencyMs},
      prefillGpusPerDecodeGpu: prefillGpusPerDecodeGpu(w, r.prefill.tgs, r.decode.tgs),
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
  layouts.forEach((l, index) => {
    if (l.gpu !== gpu) return
    const best = agg.bestOf(index, phase)
    if (!best) return
    const cur = bySize.get(l.worldSize)
    if (!cur || best.tgs > cur.best.tgs) bySize.set(l.worldSize, {index, best})
  })
  return [...bySize.values()]
}

/** Whole instances within the budget that serve the most output tokens per GPU per second. */
function instancesFor(w: Workload, budget: number, p: {gpus: number; tgs: number}, d: {gpus: number; tgs: number}) {
  let bestPlan: {prefill: number; decode: number; gpus: number; rate: number; perGpu: number} | undefined
  const prefillRate = (p.gpus * p.tgs) / w.isl
  const decodeRate = (d.gpus * d.tgs) / w.osl
  for (let nd = 1; nd * d.gpus + p.gpus <= budget; nd++) {
    const ideal = (nd * decodeRate) / prefillRate
    for (const np of new Set([Math.max(1, Math.floor(ideal)), Math.max(1, Math.ceil(ideal))])) {
      const gpus = np * p.gpus + nd * d.gpus
      if (gpus > budget) continue
      const rate = Math.min(np * prefillRate, nd * decodeRate)
      const perGpu = (rate * w.osl) / gpus
      if (!bestPlan || perGpu > bestPlan.perGpu) bestPlan = {prefill: np, decode: nd, gpus, rate, perGpu}
    }
  }
  return bestPlan
}

export function disaggregatedPlans(agg: SweepAggregator, layouts: readonly Layout[], ctx: CommandContext, budget: number): DisaggregatedPlan[] {
  const w = ctx.workload
  const plans: DisaggregatedPlan[] = []
  ctx.gpuNames.forEach((gpuName, gpu) => {
    let best: {p: Candidate; d: Candidate; plan: NonNullable<ReturnType<typeof instancesFor>>} | undefined
    for (const p of bestBySize(agg, layouts, gpu, 'prefill')) {
      for (const d of bestBySize(agg, layouts, gpu, 'decode')) {
        const plan = instancesFor(w, budget, {gpus: layouts[p.index].worldSize, tgs: p.best.tgs}, {gpus: layouts[d.index].worldSize, tgs: d.best.tgs})
        if (plan && (!best || plan.perGpu > best.plan.perGpu)) best = {p, d, plan}
      }
    }
    if (!best) return
    const [pl, dl] = [layouts[best.p.index], layouts[best.d.index]]
    plans.push({
      gpu: gpuName,
      prefill: {layout: layoutView(pl, ctx.gpuNames), pick: pick(best.p.best), instances: best.plan.prefill, command: simulateCommand(ctx, pl, {prefillTokens: best.p.best.value})},
      decode: {
        layout: layoutView(dl, ctx.gpuNames),
        pick: {...pick(best.d.best), userTps: 1000 / best.d.best.latencyMs},
        instances: best.plan.decode,
        command: simulateCommand(ctx, dl, {decodeBatch: best.d.best.value}),
      },
      prefillGpusPerDecodeGpu: prefillGpusPerDecodeGpu(w, best.p.best.tgs, best.d.best.tgs),
      balancedSystemTgs: systemTgs(w, best.p.best.tgs, best.d.best.tgs),
      gpus: best.plan.gpus,
      systemTgs: best.plan.perGpu,
      requestsPerSecond: best.plan.rate,
    })
  })
  return plans
}
