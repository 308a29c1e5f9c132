/**
 * From one unit at one load to a deployment: how many units (replicas) the
 * GPU budget and what must be sustained call for, and what the deployment
 * serves.
 *
 * - Nothing to sustain: as many units as the budget holds; output tokens/GPU/s
 *   are the unit's.
 * - A request rate R: the fewest units whose ranks together finish R requests/s
 *   at this load (at least the budget's minimum); each rank then runs at most
 *   this load, so its latencies are at most the point's; tokens/GPU/s are what
 *   R requests/s deliver: R osl / GPUs.
 * - A total concurrency C: the point's concurrency per rank is C spread evenly
 *   over a number of units (a fractional mean, src/sweep/serving/spread.ts),
 *   every rank loaded with it; tokens/GPU/s are the unit's.
 */
import {unitsFor} from './spread.js'
import type {ServingLayout, ServingPoint, ServingTargets} from './types.js'

export interface GpuBudget {
  minGpus: number
  maxGpus: number
}

export interface UnitPlan {
  /** Units (replicas of the serving unit). */
  units: number
  gpus: number
  /** Output tokens per GPU per second the deployment delivers. */
  tgs: number
  /** Requests per second it serves. */
  requestsPerSecond: number
  /** Requests in flight over all ranks. */
  concurrency: number
}

/** The deployment a point makes, or the GPUs it would need (above the budget) when it cannot be made. */
export function planOf(layout: ServingLayout, point: ServingPoint, targets: ServingTargets, budget: GpuBudget): UnitPlan | {gpusNeeded: number} {
  const unitGpus = layout.worldSize
  const fewest = Math.max(1, Math.ceil(budget.minGpus / unitGpus))
  const unitRps = point.rankRps * layout.ranks
  const sustain = targets.sustain
  let units: number
  if (sustain.kind === 'none') units = Math.floor(budget.maxGpus / unitGpus)
  else if (sustain.kind === 'rate') units = Math.max(fewest, Math.ceil(sustain.requestsPerSecond / unitRps))
  else units = Math.max(fewest, unitsFor(sustain.requests, point.concurrency, layout.ranks))
  if (!Number.isFinite(units) || units < fewest || units * unitGpus > budget.maxGpus) return {gpusNeeded: Number.isFinite(units) ? Math.max(units, fewest) * unitGpus : Infinity}
  const gpus = units * unitGpus
  if (sustain.kind === 'rate') return {units, gpus, tgs: (sustain.requestsPerSecond * targets.osl) / gpus, requestsPerSecond: sustain.requestsPerSecond, concurrency: units * layout.ranks * point.concurrency}
  return {units, gpus, tgs: point.tgs, requestsPerSecond: units * unitRps, concurrency: units * layout.ranks * point.concurrency}
}

export const isPlan = (x: UnitPlan | {gpusNeeded: number}): x is UnitPlan => 'units' in x
