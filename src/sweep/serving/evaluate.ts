/**
 * Evaluating a serving unit: the serving model (simulateServing, exactly as
 * `infersim simulate --serving` runs it) at every step token budget and
 * every concurrency of the grid, then, per budget, bisection for the largest
 * concurrency that still meets the latency targets (TTFT and TPOT grow with
 * the load).
 */
import type {Engine} from '../../engine.js'
import type {GpuSpec} from '../../hardware/gpu.js'
import type {ModelSpec} from '../../model/types.js'
import type {Profile} from '../../profile.js'
import {simulateServing, type ServingResult} from '../../serving/simulate.js'
import type {Deployment} from '../../sim/deployment.js'
import {deploymentOf} from '../evaluate.js'
import type {TableSet} from '../../tables/types.js'
import {spreadConcurrency} from './spread.js'
import type {ServingLayout, ServingPoint, ServingSpace, ServingTargets} from './types.js'
import {paramsOn} from '../../serving/engine-on-gpu.js'

export interface ServingEvalContext {
  model: ModelSpec
  /** By ServingLayout.gpu and .engine. */
  gpus: GpuSpec[]
  tables: TableSet[]
  engines: Engine[]
  profile: Profile
  targets: ServingTargets
  space: Pick<ServingSpace, 'minGpus' | 'maxGpus' | 'stepTokens' | 'concurrencies' | 'maxConcurrency' | 'refine'>
}

/** Step token budgets searched by default besides the engine's own. */
export const DEFAULT_STEP_TOKENS = [2048, 4096, 8192, 16384]

/** The deployment `infersim simulate` builds from the flags of the reproducing line (its defaults elsewhere). */
export function servingDeployment(layout: ServingLayout, targets: Pick<ServingTargets, 'isl' | 'osl' | 'speculative'>, budget: number): Deployment {
  return deploymentOf({...layout, tbo: false}, {isl: targets.isl, osl: targets.osl, speculative: targets.speculative}, 'both', budget, undefined)
}

/** The serving model's result for one unit at one load, as `infersim simulate --serving` computes it. */
export function servingResultAt(ctx: ServingEvalContext, layout: ServingLayout, budget: number, concurrency: number): ServingResult {
  const deployment = servingDeployment(layout, ctx.targets, budget)
  return simulateServing(ctx.model, deployment, ctx.gpus[layout.gpu], ctx.tables[layout.gpu], ctx.profile, {
    concurrency,
    engine: ctx.engines[layout.engine],
    // EP inside the TP group; without it the deployment's default (expert parallel over data-parallel attention groups).
    moeEp: layout.moeEp > 1 ? layout.moeEp : undefined,
    maxPrefillTokens: budget,
    ...(ctx.targets.openingWave === undefined ? {} : {openingWave: ctx.targets.openingWave}),
    ...(ctx.targets.cudaGraphBatchSizes === undefined ? {} : {cudaGraphBatchSizes: ctx.targets.cudaGraphBatchSizes}),
  })
}

export function evaluateServingPoint(ctx: ServingEvalContext, index: number, layout: ServingLayout, budget: number, concurrency: number): ServingPoint {
  const result = servingResultAt(ctx, layout, budget, concurrency)
  return {layout: index, budget, concurrency, ttftMs: result.ttftMs, tpotMs: result.tpotMs, tgs: result.outputTokensPerGpuPerSecond, rankRps: result.requestsPerSecond}
}

/** Whether a point meets the latency targets (the GPU budget and what must be sustained are the plan's business). */
export const meetsLatency = (targets: Pick<ServingTargets, 'ttftMax' | 'tpotMax'>, point: Pick<ServingPoint, 'ttftMs' | 'tpotMs'>) =>
  (targets.ttftMax === undefined || point.ttftMs <= targets.ttftMax) && (targets.tpotMax === undefined || point.tpotMs <= targets.tpotMax)

export function budgetsOf(ctx: Pick<ServingEvalContext, 'engines' | 'gpus' | 'space'>, layout: ServingLayout): number[] {
  if (ctx.space.stepTokens) return ctx.space.stepTokens
  return [...new Set([...DEFAULT_STEP_TOKENS, paramsOn(ctx.engines[layout.engine], ctx.gpus[layout.gpu]).max_prefill_tokens])].sort((a, b) => a - b)
}

/** 1, 2, 3, 4, 6, 8, 12, 16, ...: two steps per doubling. */
export function geometricGrid(limit: number): number[] {
  const out: number[] = []
  for (let p = 1; p <= limit; p *= 2) {
    out.push(p)
    const mid = Math.round(p * 1.5)
    if (p >= 2 && mid <= limit) out.push(mid)
  }
  if (limit >= 1 && out[out.length - 1] !== limit) out.push(limit)
  return [...new Set(out)].sort((a, b) => a - b)
}

/**
 * Concurrencies per rank to evaluate. With a total concurrency to sustain, the
 * ones that spread it evenly over each possible number of units (a fractional
 * mean per rank, as `simulate --concurrency` takes it); else the grid up to
 * what a rank can run (more would only wait for admission).
 */
export function concurrencyGrid(ctx: Pick<ServingEvalContext, 'targets' | 'space'>, layout: ServingLayout): number[] {
  const sustain = ctx.targets.sustain
  if (sustain.kind === 'concurrency') {
    const out = new Set<number>()
    const lo = Math.max(1, Math.ceil(ctx.space.minGpus / layout.worldSize))
    const hi = Math.floor(ctx.space.maxGpus / layout.worldSize)
    for (let units = lo; units <= hi; units++) out.add(spreadConcurrency(sustain.requests, units * layout.ranks))
    return [...out].sort((a, b) => a - b)
  }
  if (ctx.space.concurrencies) return ctx.space.concurrencies
  return geometricGrid(Math.min(ctx.space.maxConcurrency, layout.maxConcurrency))
}

/** Largest concurrency in (lo, hi) meeting the latency targets, by bisection; lo meets them, hi does not. */
function bisect(ctx: ServingEvalContext, index: number, layout: ServingLayout, budget: number, lo: number, hi: number, emit: (p: ServingPoint) => void): void {
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2)
    const point = evaluateServingPoint(ctx, index, layout, budget, mid)
    emit(point)
    if (meetsLatency(ctx.targets, point)) lo = mid
    else hi = mid
  }
}

export function evaluateServingLayout(ctx: ServingEvalContext, index: number, layout: ServingLayout, emit: (p: ServingPoint) => void): void {
  const grid = concurrencyGrid(ctx, layout)
  const targeted = ctx.targets.ttftMax !== undefined || ctx.targets.tpotMax !== undefined
  const refine = ctx.space.refine && targeted && !ctx.space.concurrencies && ctx.targets.sustain.kind !== 'concurrency'
  for (const budget of budgetsOf(ctx, layout)) {
    let lastMeeting: number | undefined
    let firstMissing: number | undefined
    for (const concurrency of grid) {
      const point = evaluateServingPoint(ctx, index, layout, budget, concurrency)
      emit(point)
      if (meetsLatency(ctx.targets, point)) {
        if (firstMissing === undefined) lastMeeting = concurrency
      } else firstMissing ??= concurrency
    }
    if (refine && lastMeeting !== undefined && firstMissing !== undefined && firstMissing > lastMeeting) {
      bisect(ctx, index, layout, budget, lastMeeting, firstMissing, emit)
    }
  }
}
