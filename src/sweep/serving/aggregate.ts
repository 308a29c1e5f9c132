/**
 * Where the serving points go as they stream in: each engine's frontier of
 * deployments meeting every target (tokens/s per user against output
 * tokens/GPU/s), each unit's best deployment within the targets, the nearest
 * misses (to say which target binds), counts and optional sinks.
 */
import {ParetoFrontier} from '../frontier.js'
import {meetsLatency} from './evaluate.js'
import {isPlan, planOf, type GpuBudget, type UnitPlan} from './plan.js'
import type {ServingLayout, ServingPoint, ServingTargets} from './types.js'

export interface ServingPointSink {
  add(p: ServingPoint, plan: UnitPlan | undefined, meets: boolean): void
}

export interface PlannedPoint {
  point: ServingPoint
  plan: UnitPlan
}

/** Deterministic tie key: layout, then budget, then concurrency. */
export const servingTieKey = (p: Pick<ServingPoint, 'layout' | 'budget' | 'concurrency'>) => p.layout * 1e10 + p.budget * 1e5 + p.concurrency

/** Frontier axes: tokens/s per user (1000 / TPOT) and output tokens/GPU/s; more is better on both. */
export const userTps = (p: Pick<ServingPoint, 'tpotMs'>) => 1000 / p.tpotMs

export class ServingAggregator {
  /** By engine index. */
  readonly frontiers: ParetoFrontier<PlannedPoint>[]
  evaluations = 0
  /** Lowest TTFT, lowest TPOT, and the point closest to meeting both (largest ratio to its target smallest). */
  fastestTtft?: ServingPoint
  fastestTpot?: ServingPoint
  nearestBoth?: {point: ServingPoint; ratio: number}
  /** Among points meeting the latency targets: the fewest GPUs a deployment of them needs (when none fits the budget). */
  fewestGpus?: {point: ServingPoint; gpus: number}
  private readonly best = new Map<number, PlannedPoint>()

  constructor(
    private readonly layouts: readonly ServingLayout[],
    engines: number,
    private readonly targets: ServingTargets,
    private readonly budget: GpuBudget,
    private readonly sinks: ServingPointSink[] = [],
  ) {
    this.frontiers = Array.from({length: engines}, () => new ParetoFrontier<PlannedPoint>())
  }

  add(p: ServingPoint): void {
    this.evaluations++
    const layout = this.layouts[p.layout]
    const t = this.targets
    // Ties go to the smaller tie key, so that the result does not depend on the order points arrive in (worker threads).
    const before = (v: number, w: number, q: ServingPoint) => v < w || (v === w && servingTieKey(p) < servingTieKey(q))
    if (!this.fastestTtft || before(p.ttftMs, this.fastestTtft.ttftMs, this.fastestTtft)) this.fastestTtft = p
    if (!this.fastestTpot || before(p.tpotMs, this.fastestTpot.tpotMs, this.fastestTpot)) this.fastestTpot = p
    const ratio = Math.max(t.ttftMax === undefined ? 0 : p.ttftMs / t.ttftMax, t.tpotMax === undefined ? 0 : p.tpotMs / t.tpotMax)
    if (!this.nearestBoth || before(ratio, this.nearestBoth.ratio, this.nearestBoth.point)) this.nearestBoth = {point: p, ratio}
    const latency = meetsLatency(t, p)
    const sized = planOf(layout, p, t, this.budget)
    const plan = isPlan(sized) ? sized : undefined
    if (latency && !isPlan(sized) && (!this.fewestGpus || before(sized.gpusNeeded, this.fewestGpus.gpus, this.fewestGpus.point))) {
      this.fewestGpus = {point: p, gpus: sized.gpusNeeded}
    }
    const meets = latency && plan !== undefined
    if (meets) {
      const entry = {point: p, plan}
      this.frontiers[layout.engine].offer(userTps(p), plan.tgs, servingTieKey(p), entry)
      const cur = this.best.get(p.layout)
      // Equal throughput (a request rate fixes what a deployment delivers): the faster one, then the tie key.
      const better = !cur || plan.tgs > cur.plan.tgs || (plan.tgs === cur.plan.tgs && (p.tpotMs < cur.point.tpotMs || (p.tpotMs === cur.point.tpotMs && servingTieKey(p) < servingTieKey(cur.point))))
      if (better) this.best.set(p.layout, entry)
    }
    for (const s of this.sinks) s.add(p, plan, meets)
  }

  /** Each unit's best deployment within every target, by layout index. */
  bests(): PlannedPoint[] {
    return [...this.best.values()]
  }
}
