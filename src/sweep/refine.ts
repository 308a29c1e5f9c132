/**
 * The finer grid near the frontier: around each frontier point, the values
 * between it and its layout's neighbouring simulated values, on a geometric
 * grid (8 steps per doubling of the decode batch, 4 per doubling of the
 * prefill budget, rounded to whole requests of ISL tokens: the prefill core
 * is charged per started request).
 */
import type {SweepAggregator} from './aggregate.js'
import type {Layout, SweepPhase, SweepSpace} from './types.js'

export interface RefineRequest {
  layout: number
  phase: SweepPhase
  values: number[]
}

const STEPS: Record<SweepPhase, number> = {decode: 8, prefill: 4}

function neighbours(sorted: readonly number[], v: number): [number, number] {
  let lo = -Infinity
  let hi = Infinity
  for (const s of sorted) {
    if (s < v && s > lo) lo = s
    if (s > v && s < hi) hi = s
  }
  return [lo, hi]
}

function candidates(phase: SweepPhase, v: number, lo: number, hi: number, min: number, max: number, isl: number): number[] {
  const out = new Set<number>()
  const steps = STEPS[phase]
  for (let k = -(steps - 1); k <= steps - 1; k++) {
    if (k === 0) continue
    const raw = v * 2 ** (k / steps)
    const c = phase === 'decode' ? Math.round(raw) : Math.max(1, Math.round(raw / isl)) * isl
    if (c > lo && c < hi && c >= min && c <= max && c !== v) out.add(c)
  }
  return [...out]
}

/** Extra values to simulate around the current frontier points. */
export function refinementRequests(agg: SweepAggregator, layouts: readonly Layout[], space: SweepSpace, isl: number): RefineRequest[] {
  const byKey = new Map<string, RefineRequest>()
  for (const phase of ['prefill', 'decode'] as const) {
    if (!space.refine[phase]) continue
    for (const {item} of agg.frontiers[phase].list()) {
      const layout = layouts[item.layout]
      const done = agg.simulatedValues(item.layout, phase)
      const [lo, hi] = neighbours(done, item.value)
      const [min, max] =
        phase === 'decode'
          ? [1, Math.min(layout.maxBatch, space.maxDecodeBatch)]
          : [Math.min(...space.prefillTokens), Math.max(...space.prefillTokens)]
      const key = `${item.layout}|${phase}`
      const req = byKey.get(key) ?? {layout: item.layout, phase, values: []}
      for (const c of candidates(phase, item.value, lo, hi, min, max, isl)) if (!done.includes(c) && !req.values.includes(c)) req.values.push(c)
      if (req.values.length > 0) byKey.set(key, req)
    }
  }
  return [...byKey.values()].map((r) => ({...r, values: r.values.sort((a, b) => a - b)}))
}
