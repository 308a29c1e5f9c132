/**
 * Where simulated points go as they stream in: the two frontiers, each
 * layout's best point of each phase within the targets, the nearest misses
 * (for saying which target binds), counts, and optional sinks (CSV, plot
 * sample). Nothing here grows with the number of points except what the
 * sinks choose to keep.
 */
import {ParetoFrontier} from './frontier.js'
import type {SweepPhase, SweepPoint, Workload} from './types.js'

export interface PointSink {
  add(p: SweepPoint, meetsTarget: boolean): void
}

/** Frontier axes: decode is (tokens/s per user, tokens/GPU/s), prefill is (-TTFT, tokens/GPU/s); more is better. */
export const frontierX = (p: Pick<SweepPoint, 'phase' | 'latencyMs'>) => (p.phase === 'decode' ? 1000 / p.latencyMs : -p.latencyMs)

/** Deterministic tie key: layout, then value. */
const tieKey = (p: SweepPoint) => p.layout * 1e7 + p.value

export interface PhaseBest {
  value: number
  latencyMs: number
  tgs: number
}

const PHASES: SweepPhase[] = ['prefill', 'decode']

export class SweepAggregator {
  readonly frontiers: Record<SweepPhase, ParetoFrontier<SweepPoint>> = {prefill: new ParetoFrontier(), decode: new ParetoFrontier()}
  readonly simulations: Record<SweepPhase, number> = {prefill: 0, decode: 0}
  /** Fastest point of each phase (the nearest miss when no point meets the target). */
  readonly fastest: Partial<Record<SweepPhase, SweepPoint>> = {}
  /** Per layout and phase: value, latency, tgs of the highest-throughput point within the target (NaN = none). */
  private readonly best: Float64Array
  /** Per layout and phase: the values simulated so far, for the refinement stage. */
  private readonly simulated: Map<number, number[]>[] = [new Map(), new Map()]
  private readonly sinks: PointSink[]

  constructor(
    private readonly layoutCount: number,
    private readonly workload: Workload,
    sinks: PointSink[] = [],
  ) {
    this.best = new Float64Array(layoutCount * 2 * 3).fill(Number.NaN)
    this.sinks = sinks
  }

  meetsTarget(p: Pick<SweepPoint, 'phase' | 'latencyMs'>): boolean {
    const max = p.phase === 'prefill' ? this.workload.ttftMax : this.workload.tpotMax
    return max === undefined || p.latencyMs <= max
  }

  add(p: SweepPoint): void {
    this.simulations[p.phase]++
    const meets = this.meetsTarget(p)
    this.frontiers[p.phase].offer(frontierX(p), p.tgs, tieKey(p), p)
    const fastest = this.fastest[p.phase]
    if (!fastest || p.latencyMs < fastest.latencyMs || (p.latencyMs === fastest.latencyMs && tieKey(p) < tieKey(fastest))) this.fastest[p.phase] = p
    const ph = p.phase === 'prefill' ? 0 : 1
    const values = this.simulated[ph].get(p.layout)
    if (values) values.push(p.value)
    else this.simulated[ph].set(p.layout, [p.value])
    if (meets) {
      const at = (p.layout * 2 + ph) * 3
      const cur = this.best[at + 2]
      if (Number.isNaN(cur) || p.tgs > cur || (p.tgs === cur && p.value < this.best[at])) {
        this.best[at] = p.value
        this.best[at + 1] = p.latencyMs
        this.best[at + 2] = p.tgs
      }
    }
    for (const s of this.sinks) s.add(p, meets)
  }

  bestOf(layout: number, phase: SweepPhase): PhaseBest | undefined {
    const at = (layout * 2 + (phase === 'prefill' ? 0 : 1)) * 3
    if (Number.isNaN(this.best[at + 2])) return undefined
    return {value: this.best[at], latencyMs: this.best[at + 1], tgs: this.best[at + 2]}
  }

  simulatedValues(layout: number, phase: SweepPhase): readonly number[] {
    return this.simulated[phase === 'prefill' ? 0 : 1].get(layout) ?? []
  }

  get totalSimulations(): number {
    return PHASES.reduce((n, p) => n + this.simulations[p], 0)
  }

  get layouts(): number {
    return this.layoutCount
  }
}
