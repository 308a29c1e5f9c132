/**
 * A bounded uniform sample of the feasible points for the plot (reservoir
 * sampling with a fixed seed): every point when there are fewer than the
 * capacity, an even sample beyond.
 */
import type {PointSink} from './aggregate.js'
import type {SweepPhase, SweepPoint} from './types.js'

export interface SampledPoint {
  gpu: number
  latencyMs: number
  tgs: number
  meets: boolean
}

export const DEFAULT_SAMPLE_CAPACITY = 20_000

class PhaseReservoir {
  readonly points: SampledPoint[] = []
  seen = 0
  constructor(private readonly capacity: number, private readonly random: () => number) {}

  add(p: SampledPoint): void {
    this.seen++
    if (this.points.length < this.capacity) this.points.push(p)
    else {
      const j = Math.floor(this.random() * this.seen)
      if (j < this.capacity) this.points[j] = p
    }
  }
}

/** Small deterministic generator (mulberry32). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export class PointSample implements PointSink {
  readonly phases: Record<SweepPhase, PhaseReservoir>

  constructor(
    private readonly gpuOf: (layout: number) => number,
    capacity = DEFAULT_SAMPLE_CAPACITY,
  ) {
    const random = seeded(1)
    this.phases = {prefill: new PhaseReservoir(capacity, random), decode: new PhaseReservoir(capacity, random)}
  }

  add(p: SweepPoint, meets: boolean): void {
    this.phases[p.phase].add({gpu: this.gpuOf(p.layout), latencyMs: p.latencyMs, tgs: p.tgs, meets})
  }
}
