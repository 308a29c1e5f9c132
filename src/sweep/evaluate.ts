/**
 * Simulating a layout: each phase on its own (prefill does not depend on the
 * decode batch, nor decode on the prefill token budget), prefill at every
 * token budget, decode at every batch of the grid, then bisection for the
 * largest batch that still meets the TPOT target.
 */
import type {Engine} from '../engine.js'
import type {GpuSpec} from '../hardware/gpu.js'
import type {ModelSpec} from '../model/types.js'
import type {Profile} from '../profile.js'
import {DEFAULT_DEPLOYMENT, type Deployment} from '../sim/deployment.js'
import type {SimResult} from '../sim/result.js'
import {simulate} from '../sim/simulate.js'
import type {TableSet} from '../tables/types.js'
import {decodeGrid} from './space.js'
import type {Layout, SweepPhase, SweepPoint, SweepSpace, Workload} from './types.js'

/** The latency and throughput a sweep ranks by: raw, or calibrated. */
export type PhaseFigures = (result: SimResult, phase: SweepPhase) => {latencyMs: number; tgs: number}

export const rawFigures: PhaseFigures = (result, phase) => {
  const figures = phase === 'prefill' ? result.prefill! : result.decode!
  return {latencyMs: figures.latencyMs, tgs: figures.tgs}
}

export interface EvalContext {
  model: ModelSpec
  /** By Layout.gpu. */
  gpus: GpuSpec[]
  tables: TableSet[]
  profile: Profile
  workload: Workload
  space: Pick<SweepSpace, 'prefillTokens' | 'decodeBatches' | 'maxDecodeBatch' | 'refine'>
  figures: PhaseFigures
  engine?: Engine
}

/**
 * The deployment `infersim simulate` runs for one phase of a layout. Written
 * out field by field: an object spread followed by more properties costs
 * microseconds on Node 20, a noticeable share of one simulation.
 */
export function deploymentOf(
  layout: Pick<Layout, 'worldSize' | 'nodes' | 'tp' | 'weights' | 'fp8Kv' | 'deepep' | 'tbo'>,
  workload: Pick<Workload, 'isl' | 'osl' | 'tpotMax' | 'speculative'>,
  phase: SweepPhase | 'both',
  prefillTokens: number,
  decodeBatch: number | undefined,
): Deployment {
  return {
    worldSize: layout.worldSize,
    nodes: layout.nodes,
    tp: layout.tp,
    fp8Gemm: layout.weights.fp8Gemm,
    weightFormat: layout.weights.weightFormat,
    fp8Kv: layout.fp8Kv,
    deepep: layout.deepep,
    tbo: layout.tbo,
    smRatio: DEFAULT_DEPLOYMENT.smRatio,
    maxPrefillTokens: prefillTokens,
    decodeBatch,
    targetTgs: DEFAULT_DEPLOYMENT.targetTgs,
    targetTpot: workload.tpotMax ?? DEFAULT_DEPLOYMENT.targetTpot,
    isl: workload.isl,
    osl: workload.osl,
    mode: phase,
    speculative: workload.speculative,
  }
}

export function simulatePoint(ctx: EvalContext, index: number, layout: Layout, phase: SweepPhase, value: number): SweepPoint {
  const deployment =
    phase === 'prefill'
      ? deploymentOf(layout, ctx.workload, 'prefill', value, 1)
      : deploymentOf(layout, ctx.workload, 'decode', DEFAULT_DEPLOYMENT.maxPrefillTokens, value)
  const result = simulate(ctx.model, deployment, ctx.gpus[layout.gpu], ctx.tables[layout.gpu], ctx.profile, ctx.engine && {engine: ctx.engine})
  const {latencyMs, tgs} = ctx.figures(result, phase)
  return {layout: index, phase, value, latencyMs, tgs}
}

/** Largest batch in (lo, hi) meeting the TPOT target, by bisection; lo meets it, hi does not. */
function bisectTpot(ctx: EvalContext, index: number, layout: Layout, lo: number, hi: number, emit: (p: SweepPoint) => void): void {
  const target = ctx.workload.tpotMax!
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2)
    const point = simulatePoint(ctx, index, layout, 'decode', mid)
    emit(point)
    if (point.latencyMs <= target) lo = mid
    else hi = mid
  }
}

/** Stage one of a sweep for one layout: every prefill budget and decode batch of the grid. */
export function evaluateLayout(ctx: EvalContext, index: number, layout: Layout, emit: (p: SweepPoint) => void): void {
  for (const tokens of ctx.space.prefillTokens) emit(simulatePoint(ctx, index, layout, 'prefill', tokens))
  const grid = decodeGrid(layout, ctx.space)
  let lastMeeting: number | undefined
  let firstMissing: number | undefined
  for (const batch of grid) {
    const point = simulatePoint(ctx, index, layout, 'decode', batch)
    emit(point)
    if (ctx.workload.tpotMax === undefined) continue
    if (point.latencyMs <= ctx.workload.tpotMax) {
      if (firstMissing === undefined) lastMeeting = batch
    } else firstMissing ??= batch
  }
  if (ctx.space.refine.decode && lastMeeting !== undefined && firstMissing !== undefined && firstMissing > lastMeeting) {
    bisectTpot(ctx, index, layout, lastMeeting, firstMissing, emit)
  }
}

/** Stage two: extra values of one phase of one layout (the finer grid near the frontier). */
export function evaluateValues(ctx: EvalContext, index: number, layout: Layout, phase: SweepPhase, values: readonly number[], emit: (p: SweepPoint) => void): void {
  for (const v of values) emit(simulatePoint(ctx, index, layout, phase, v))
}
