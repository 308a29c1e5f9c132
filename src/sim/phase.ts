/** Prefill (TTFT) and decode (TPOT) of one forward, from the per-layer step model (sim/layer.ts). */
import {engineStepMs, forwardOverheadMs, hostStepMs, type Engine} from '../engine.js'
import type {SimContext} from './context.js'
import {flatLayerShares, flatSteps, groupsSeconds, layerCounts, layerGroups, layerSteps, lmHeadStep, type TokenMix} from './layer.js'
import type {PhaseResult, Step} from './result.js'
import {AS_MEASURED, draftKernelSeconds} from '../serving/mean-field.js'
import {speculativeRun, withDraftLayers} from '../serving/speculative.js'
import {pointCost} from '../serving/step-cost.js'

/** The reference's scheduler overheads per forward, ms (SGLang figures of the InferSim project). */
export const PREFILL_OVERHEAD_MS = 30
export const DECODE_OVERHEAD_MS = 5
export const HYBRID_DECODE_OVERHEAD_MS = 2

interface Overhead {
  ms: number
  source: string
  /** The forward's time from its kernels' (an engine's: src/engine.ts engineStepMs, which waits for the host's work when that is longer). */
  stepMs: (kernelMs: number) => number
  /** That host work, ms (0 without an engine). */
  hostMs: number
}

/** The forward's time, ms, and the overhead's source, which says when the forward waits for the host. */
function withHost(kernelMs: number, fixed: Overhead, requests: number): {latencyMs: number; source: string} {
  const latencyMs = fixed.stepMs(kernelMs)
  if (latencyMs <= kernelMs + fixed.ms) return {latencyMs, source: fixed.source}
  return {latencyMs, source: `${fixed.source}; the host's work for ${requests} requests (${shown(fixed.hostMs)} ms) is longer than the forward, which waits for it`}
}

/** A reference constant as an Overhead: added to the kernels, no host work. */
const constant = (ms: number, source: string): Overhead => ({ms, source, stepMs: (kernelMs) => kernelMs + ms, hostMs: 0})

/** A fitted constant as the report shows it: three significant digits, and 0 for what a fit left at its floor (1e-13 us). */
const shown = (v: number) => (Math.abs(v) < 1e-4 ? '0' : String(Number(v.toPrecision(3))))

/**
 * Fixed time a forward adds beyond its kernels. With `engineOverheads` and an
 * engine: its step overhead, per-request work for each request in the
 * forward and, for a prefill, the extra cost of a step carrying prompt
 * tokens (data/engines/<engine>.json). Otherwise the reference's constants.
 */
function overhead(ctx: SimContext, engine: Engine | undefined, phase: 'prefill' | 'decode', requests: number, draftLayers = 0): Overhead {
  if (ctx.switches.engineOverheads && engine) {
    const e = engine.params
    const counts = layerCounts(ctx)
    const forward = withDraftLayers({requests, prefill: phase === 'prefill', layers: counts.layers, moeLayers: ctx.model.ffn.isMoe ? counts.ffn : 0}, draftLayers)
    const prefill = phase === 'prefill' ? ` + prefill step ${shown(e.mixed_step_overhead_ms)} ms` : ''
    return {
      ms: forwardOverheadMs(e, forward),
      stepMs: (kernelMs) => engineStepMs(e, forward, kernelMs),
      hostMs: hostStepMs(e, requests),
      source: `engine ${engine.name}: step ${shown(e.step_overhead_ms)} ms + ${shown(e.per_request_overhead_ms)} ms x ${requests} requests${prefill} + ${shown(e.layer_overhead_us)} us x ${forward.layers} layers${draftLayers ? ` (${draftLayers} of them the draft's)` : ''} + ${shown(e.moe_layer_overhead_us)} us x ${forward.moeLayers} MoE layers`,
    }
  }
  if (phase === 'prefill') return constant(PREFILL_OVERHEAD_MS, 'InferSim constant (30 ms per prefill)')
  return ctx.model.linear
    ? constant(HYBRID_DECODE_OVERHEAD_MS, 'InferSim constant (2 ms per hybrid decode step)')
    : constant(DECODE_OVERHEAD_MS, 'InferSim constant (5 ms per decode step)')
}

/** The LM head over the tokens that need logits, when the profile counts it. */
function withLmHead(ctx: SimContext, forwardSeconds: number, steps: Step[], logitTokens: number): number {
  if (!ctx.switches.lmHead) return forwardSeconds
  const head = lmHeadStep(ctx, logitTokens)
  head.count = 1 / ctx.model.layers
  steps.push(head)
  return forwardSeconds + head.seconds
}

export function simulatePrefill(ctx: SimContext, engine?: Engine): PhaseResult {
  const {d, model} = ctx
  const P = d.maxPrefillTokens
  // The reference counts a whole prompt's attention per started prompt (ceil), hybrid models P / isl.
  const prompts = model.linear && !ctx.switches.hybridPrefillScale ? P / d.isl : Math.ceil(P / d.isl)
  const mix: TokenMix = {tokens: P, phase: 'prefill', decodeRequests: 0, kvLen: 0, prompts, promptLen: d.isl}
  const layer = layerSteps(ctx, mix)
  const overlap = d.tbo && !model.linear ? {phase: 'prefill' as const, smRatio: d.smRatio} : undefined
  const groups = layerGroups(ctx, layer, overlap)
  const tokens = overlap ? 2 * P : P
  const steps = flatSteps(layer)
  const shares = flatLayerShares(layer)
  const modelSeconds = withLmHead(ctx, groupsSeconds(groups), steps, tokens / d.isl)
  // With speculative decoding the draft's layer runs over the prompts too (it keeps a KV cache of its own).
  const spec = d.speculative
  const draft = spec ? draftSeconds(ctx, 0, tokens, spec.draftTokens) : 0
  const fixed = overhead(ctx, engine, 'prefill', tokens / d.isl, spec ? 1 : 0)
  const {latencyMs, source} = withHost((modelSeconds + draft) * 1000, fixed, tokens / d.isl)
  return {
    phase: 'prefill',
    tokens,
    batch: P,
    steps,
    ...(shares ? {stepLayerShares: shares} : {}),
    groups,
    overheadMs: fixed.ms,
    overheadSource: source,
    latencyMs,
    tgs: tokens / d.tp / (latencyMs / 1000),
    ...(spec ? {speculative: {...speculativeRun(model, spec), stepMs: latencyMs, verifyMs: modelSeconds * 1000, draftMs: draft * 1000}} : {}),
  }
}

/**
 * One decode step of `batch` requests at `context` cached tokens. With
 * speculative decoding (the deployment's `speculative`), the step verifies
 * k + 1 tokens a request (attention with k + 1 queries over the same keys)
 * and runs the draft's k forwards of one layer and the LM head
 * (draftKernelSeconds, as serving does); it gives each request the
 * acceptance length's tokens, so TPOT is the step over it.
 */
export function simulateDecode(ctx: SimContext, batch: number, context: number, engine?: Engine): PhaseResult {
  const {d, model} = ctx
  const spec = d.speculative
  const queries = spec ? spec.draftTokens + 1 : 1
  const mix: TokenMix = {tokens: batch * queries, phase: 'decode', decodeRequests: batch, kvLen: context, queriesPerRequest: queries, prompts: 0, promptLen: 0}
  const layer = layerSteps(ctx, mix)
  const overlap = d.tbo && !model.linear ? {phase: 'decode' as const, smRatio: d.smRatio} : undefined
  const groups = layerGroups(ctx, layer, overlap)
  const tokens = overlap ? 2 * batch : batch
  const steps = flatSteps(layer)
  const shares = flatLayerShares(layer)
  const verifySeconds = withLmHead(ctx, groupsSeconds(groups), steps, tokens * queries)
  const draft = spec ? draftSeconds(ctx, tokens, 0, spec.draftTokens) : 0
  const seconds = verifySeconds + draft
  const fixed = overhead(ctx, engine, 'decode', tokens, spec?.draftTokens)
  const {latencyMs: stepMs, source} = withHost(seconds * 1000, fixed, tokens)
  const perStep = spec ? spec.acceptLength : 1
  const latencyMs = stepMs / perStep
  return {
    phase: 'decode',
    tokens,
    batch,
    steps,
    ...(shares ? {stepLayerShares: shares} : {}),
    groups,
    overheadMs: fixed.ms,
    overheadSource: source,
    latencyMs,
    tgs: (tokens * perStep) / d.tp / (stepMs / 1000),
    meetsSlo: latencyMs <= d.targetTpot,
    ...(spec ? {speculative: {...speculativeRun(model, spec), stepMs, verifyMs: verifySeconds * 1000, draftMs: draft * 1000}} : {}),
  }
}

/** The draft's kernels over `decoding` decoding requests and `prefillTokens` prompt tokens, seconds. */
function draftSeconds(ctx: SimContext, decoding: number, prefillTokens: number, k: number): number {
  const cost = pointCost(ctx, {isl: ctx.d.isl, osl: ctx.d.osl})
  return draftKernelSeconds(cost, AS_MEASURED, ctx.d.isl, decoding, prefillTokens, (cost.moeGroups - 1) * decoding, k)
}
