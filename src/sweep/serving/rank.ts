/**
 * The ranking: every unit's best aggregated deployment and every decode
 * layout's best disaggregated one, by output tokens/GPU/s (then lower TPOT); each says which
 * deployments above it are within the error band (the model cannot tell
 * them apart).
 */
import {withinBand} from './band.js'
import type {AggregatedPlan, DisaggregatedPlan, RankedPlan} from './result.js'

const tieOrder = (p: AggregatedPlan | DisaggregatedPlan) => (p.mode === 'aggregated' ? p.simulate : `${p.prefill.simulate} ${p.decode.simulate}`)

export function rankPlans(plans: (AggregatedPlan | DisaggregatedPlan)[], top: number): RankedPlan[] {
  // Equal throughput (a request rate fixes what a deployment delivers): the lower TPOT, then TTFT, first.
  const sorted = [...plans].sort(
    (a, b) =>
      b.figures.tgs - a.figures.tgs ||
      a.figures.tpotMs - b.figures.tpotMs ||
      a.figures.ttftMs - b.figures.ttftMs ||
      (tieOrder(a) < tieOrder(b) ? -1 : tieOrder(a) > tieOrder(b) ? 1 : 0),
  )
  const ranked = sorted.slice(0, top).map((p, i) => ({...p, rank: i + 1, withinBandOf: [] as number[]}))
  for (const r of ranked) {
    for (const above of ranked) {
      if (above.rank >= r.rank) break
      if (withinBand(above.figures, r.figures)) r.withinBandOf.push(above.rank)
    }
  }
  return ranked
}
