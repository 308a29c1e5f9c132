/**
 * Kernel time of one engine step (one forward over a mixed batch) from the
 * per-layer step model (sim/layer.ts), split into the parts an engine
 * scales separately: token-proportional matrix work (projections, FFN or
 * MoE, shared experts, leading dense layers), communication over all tokens
 * of the step, the LM head over the tokens that need logits, decode
 * attention of the decoding requests at their mean KV length, and prefill
 * attention of the prompts.
 *
 * Token curves are evaluated on a geometric grid of token counts and
 * interpolated linearly between grid points (lookups are memoized).
 */
import {contextKvBytesPerToken, fixedKvBytesPerRequest, fullLayerKvBytesPerToken} from '../cost/kvcache.js'
import {embeddingBytesPerGpu, paramsPerGpu} from '../cost/weights.js'
import type {SimContext} from '../sim/context.js'
import {coreSeconds, ffnSteps, layerCounts, layerSteps, lmHeadStep, partSeconds, sumSeconds, type TokenMix} from '../sim/layer.js'
import type {Step} from '../sim/result.js'
import type {MfuLookup} from '../tables/types.js'

export interface StepCost {
  /** Matrix kernels of all layers but the routed experts (projections, dense FFN, shared experts), for `tokens` tokens of one attention group, seconds. */
  gemmSeconds(tokens: number): number
  /** Routed experts of all MoE layers for `tokens` tokens entering them from all attention groups together, seconds (0 for a dense model). */
  moeSeconds(tokens: number): number
  /** Attention groups whose tokens meet in the MoE layers (data-parallel attention with expert or MoE tensor parallelism over them); 1 otherwise. */
  moeGroups: number
  /** Layers, and MoE layers, a step runs (for per-layer overheads). */
  layers: number
  moeLayers: number
  /** The LM head for `tokens` tokens that need logits, seconds (0 when the profile leaves it out). */
  lmHeadSeconds(tokens: number): number
  /** Communication of all layers for `tokens` tokens, seconds. */
  commSeconds(tokens: number): number
  /** Attention cores of all layers for `requests` decoding requests at the mean KV length, each with `queries` queries (k + 1 verifying k draft tokens; default 1), seconds. */
  decodeAttentionSeconds(requests: number, queries?: number): number
  /** Attention cores of all layers over one request's whole prefill (spread over its chunks), seconds. */
  prefillAttentionSeconds: number
  /** Weights held by one GPU, bytes: the layers', and with the LM head counted (switch lmHead) the embedding and LM head (embeddingBytesPerGpu). */
  weightBytesPerGpu: number
  /** KV cache per token of one request on one GPU (the layers that keep the whole context), bytes. */
  kvBytesPerToken: number
  /** KV bytes one full-attention layer keeps per token (with a DSA indexer key): what a speculative draft layer adds. */
  fullLayerKvBytesPerToken: number
  /** What one request keeps on one GPU whatever its length: recurrent state (hybrid models), sliding-window layers' KV of `window` tokens, bytes. */
  stateBytesPerRequest: number
  /** Mean KV length of a decoding request: isl + osl / 2. */
  meanKvLength: number
  /** Where the communication time comes from. */
  commSource: string
  /** MFU provenance of the lookups, by step id (last lookup of each). */
  lookups: Record<string, MfuLookup>
}

export interface StepCostOptions {
  isl: number
  osl: number
}

/** Geometric grid of token counts: 1, 2, 3, 4, 6, 8, 12, 16, ... up to 2^24. */
const GRID: number[] = [1]
for (let p = 2; p <= 2 ** 24; p *= 2) GRID.push(p, p === 2 ** 24 ? p * 1.5 : Math.round(p * 1.5))

/** Index of the last grid point <= tokens (binary search). */
function gridIndexBelow(tokens: number): number {
  let lo = 0
  let hi = GRID.length - 2
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if (GRID[mid] <= tokens) lo = mid
    else hi = mid - 1
  }
  return lo
}

/**
 * A memoized function of token count, linear between grid points and never
 * decreasing: a step with more tokens does not take less time (measured
 * tables are noisy at small m, where kernels change).
 */
function tokenCurve(at: (tokens: number) => number): (tokens: number) => number {
  const values: number[] = []
  const raw = (k: number) => {
    // A table that gives no finite time at this size (MFU 0 from a nearest row) borrows the next size's:
    // fewer tokens take no longer.
    for (let j = k; j < GRID.length; j++) {
      const v = at(GRID[j])
      if (Number.isFinite(v)) return v
    }
    return Number.NaN
  }
  const value = (i: number) => {
    while (values.length <= i) {
      const k = values.length
      values.push(Math.max(raw(k), k > 0 ? values[k - 1] : 0))
    }
    return values[i]
  }
  return (tokens) => {
    if (tokens <= 0) return 0
    if (tokens <= 1) return value(0) * tokens
    const i = gridIndexBelow(tokens)
    const x0 = GRID[i]
    const x1 = GRID[i + 1]
    return value(i) + ((tokens - x0) / (x1 - x0)) * (value(i + 1) - value(i))
  }
}

/** Mixed steps read the decode-batch MoE tables up to this many tokens, the prefill ones above. */
const DECODE_TABLE_MAX_TOKENS = 512

/** The parts of a step's cost that depend on its token count only, not on the requests' lengths: shared by every isl and osl of a layout. */
export type TokenCurves = Omit<StepCost, 'decodeAttentionSeconds' | 'prefillAttentionSeconds' | 'meanKvLength'>

/** Where a lookup's provenance goes (a step cost's `lookups`), if anywhere. */
type Note = (steps: readonly Step[]) => void

const phaseOf = (tokens: number) => (tokens <= DECODE_TABLE_MAX_TOKENS ? 'decode' : 'prefill')

/** Matrix work (routed experts aside) and communication of all layers for `tokens` tokens of one attention group, seconds. */
function layerPartsAt(ctx: SimContext, tokens: number, note?: Note): {gemm: number; comm: number} {
  const mix: TokenMix = {tokens, phase: phaseOf(tokens), decodeRequests: 0, kvLen: 0, prompts: 0, promptLen: 0}
  const layer = layerSteps(ctx, mix)
  if (note) for (const steps of [layer.fullAttention, layer.linearAttention, layer.ffn, layer.denseFfn, layer.comm.moe, layer.comm.dense]) note(steps)
  return {gemm: partSeconds(layer, 'gemm'), comm: partSeconds(layer, 'comm')}
}

/** Attention groups whose tokens meet in the MoE layers (StepCost.moeGroups). */
const moeGroupsOf = (ctx: SimContext) => (ctx.model.ffn.isMoe ? ctx.moe.replicas : 1)

/** Routed experts of all MoE layers for `tokens` tokens from all attention groups, seconds (StepCost.moeSeconds). */
function moeSecondsAt(ctx: SimContext, tokens: number, note?: Note): number {
  if (!ctx.model.ffn.isMoe) return 0
  const perGroup = tokens / moeGroupsOf(ctx)
  const routed = ffnSteps(ctx, perGroup, phaseOf(perGroup)).ffn.filter((s) => s.part === 'moe')
  note?.(routed)
  return layerCounts(ctx).ffn * sumSeconds(routed)
}

/** The LM head for `tokens` tokens, seconds (StepCost.lmHeadSeconds). */
function lmHeadSecondsAt(ctx: SimContext, tokens: number, note?: Note): number {
  if (!ctx.switches.lmHead) return 0
  const step = lmHeadStep(ctx, tokens)
  note?.([step])
  return step.seconds
}

/** Decode attention of `requests` requests (a whole number) with `queries` queries each at `kvLen` keys, all layers, seconds. */
const decodeAttentionAt = (ctx: SimContext, requests: number, queries: number, kvLen: number) =>
  coreSeconds(ctx, {tokens: requests * queries, phase: 'decode', decodeRequests: requests, kvLen, prompts: 0, promptLen: 0, queriesPerRequest: queries})

/** decodeAttentionAt, or where the table gives no finite time at that batch, as for token curves the next batch size's (up to 4 over). */
function finiteDecodeAttention(ctx: SimContext, requests: number, queries: number, kvLen: number): number {
  let v = decodeAttentionAt(ctx, requests, queries, kvLen)
  if (!Number.isFinite(v) && requests < 1e6) {
    for (let k = requests + 1; k <= 4 * requests + 4 && !Number.isFinite(v); k++) v = decodeAttentionAt(ctx, k, queries, kvLen)
  }
  return v
}

/** One whole prompt's attention, all layers, seconds (StepCost.prefillAttentionSeconds). */
const prefillAttentionAt = (ctx: SimContext, isl: number) => coreSeconds(ctx, {tokens: isl, phase: 'prefill', decodeRequests: 0, kvLen: 0, prompts: 1, promptLen: isl})

/** Decode attention of a fractional number of requests: the whole counts either side, linearly (`at` a whole count). */
function fractionalRequests(requests: number, at: (n: number) => number): number {
  if (requests <= 0) return 0
  if (requests < 1) return at(1) * requests
  const lo = Math.floor(requests)
  return lo === requests ? at(lo) : at(lo) + (requests - lo) * (at(lo + 1) - at(lo))
}

/** What a speculative draft's kernels read of a step cost (draftKernelSeconds). */
export type DraftCost = Pick<StepCost, 'gemmSeconds' | 'commSeconds' | 'moeSeconds' | 'lmHeadSeconds' | 'decodeAttentionSeconds' | 'prefillAttentionSeconds' | 'layers' | 'moeLayers' | 'moeGroups'>

/**
 * The cost of a step read at exactly the token counts asked, with nothing
 * kept but the last layer's parts: the static phases' draft reads it at one
 * or two counts a simulation, where building token curves would cost more
 * than the lookups (a sweep runs thousands of simulations).
 */
export function pointCost(ctx: SimContext, opts: StepCostOptions): DraftCost {
  let partsTokens = Number.NaN
  let parts = {gemm: 0, comm: 0}
  const partsAt = (tokens: number) => {
    if (tokens !== partsTokens) {
      parts = layerPartsAt(ctx, tokens)
      partsTokens = tokens
    }
    return parts
  }
  const kvLen = opts.isl + opts.osl / 2
  const counts = layerCounts(ctx)
  return {
    gemmSeconds: (tokens) => (tokens > 0 ? partsAt(tokens).gemm : 0),
    commSeconds: (tokens) => (tokens > 0 ? partsAt(tokens).comm : 0),
    moeSeconds: (tokens) => (tokens > 0 ? moeSecondsAt(ctx, tokens) : 0),
    lmHeadSeconds: (tokens) => (tokens > 0 ? lmHeadSecondsAt(ctx, tokens) : 0),
    decodeAttentionSeconds: (requests, queries = 1) => fractionalRequests(requests, (n) => finiteDecodeAttention(ctx, n, queries, kvLen)),
    get prefillAttentionSeconds() {
      return prefillAttentionAt(ctx, opts.isl)
    },
    layers: counts.layers,
    moeLayers: ctx.model.ffn.isMoe ? counts.ffn : 0,
    moeGroups: moeGroupsOf(ctx),
  }
}

/** The layout's token curves, read on the grid and interpolated (serving's many lookups at many token counts). */
export function buildTokenCurves(ctx: SimContext): TokenCurves {
  const {model, d} = ctx
  const lookups: Record<string, MfuLookup> = {}
  let commSource: string | undefined
  const note: Note = (steps) => {
    for (const s of steps) {
      if (s.mfu) lookups[s.id] = s.mfu
      if (s.part === 'comm' && s.source?.table && !commSource) commSource = s.source.table
    }
  }
  const tokenParts = new Map<number, {gemm: number; comm: number}>()
  const partsAt = (tokens: number) => {
    let hit = tokenParts.get(tokens)
    if (!hit) tokenParts.set(tokens, (hit = layerPartsAt(ctx, tokens, note)))
    return hit
  }
  const counts = layerCounts(ctx)
  return {
    gemmSeconds: tokenCurve((tokens) => partsAt(tokens).gemm),
    moeSeconds: tokenCurve((tokens) => moeSecondsAt(ctx, tokens, note)),
    moeGroups: moeGroupsOf(ctx),
    layers: counts.layers,
    moeLayers: model.ffn.isMoe ? counts.ffn : 0,
    lmHeadSeconds: tokenCurve((tokens) => lmHeadSecondsAt(ctx, tokens, note)),
    commSeconds: tokenCurve((tokens) => partsAt(tokens).comm),
    // The layers' weights, and with the LM head counted (lmHead) the embedding and LM head beside them.
    weightBytesPerGpu:
      paramsPerGpu(model, ctx.shapes, d.tp, d.worldSize, ctx.switches.layoutCollectives ? ctx.moe : undefined).perGpuBytes +
      (ctx.switches.lmHead ? embeddingBytesPerGpu(model, d.tp) : 0),
    kvBytesPerToken: contextKvBytesPerToken(model, ctx.shapes),
    fullLayerKvBytesPerToken: fullLayerKvBytesPerToken(model, ctx.shapes),
    stateBytesPerRequest: fixedKvBytesPerRequest(model, ctx.shapes),
    get commSource() {
      return commSource ?? 'bandwidth formula'
    },
    lookups,
  }
}

/** A step's whole cost: the layout's token curves with the attention of requests of isl input and osl output tokens (`ctx` of the same layout). */
export function withAttention(curves: TokenCurves, ctx: SimContext, opts: StepCostOptions): StepCost {
  const meanKvLength = opts.isl + opts.osl / 2
  const decodeCaches = new Map<number, Map<number, number>>()
  /** Decode attention of a whole number of requests, memoized. */
  const decodeAttentionWhole = (requests: number, queries: number): number => {
    let cache = decodeCaches.get(queries)
    if (!cache) decodeCaches.set(queries, (cache = new Map()))
    let v = cache.get(requests)
    if (v === undefined) cache.set(requests, (v = finiteDecodeAttention(ctx, requests, queries, meanKvLength)))
    return v
  }
  const prefillAttentionSeconds = prefillAttentionAt(ctx, opts.isl)
  // A getter keeps the curves' commSource live (it is known once a curve has been read).
  return Object.defineProperties(Object.assign({}, curves, {
    decodeAttentionSeconds: (requests: number, queries = 1) => fractionalRequests(requests, (n) => decodeAttentionWhole(n, queries)),
    prefillAttentionSeconds,
    meanKvLength,
  }), {commSource: {get: () => curves.commSource, enumerable: true}}) as StepCost
}

export const buildStepCost = (ctx: SimContext, opts: StepCostOptions): StepCost => withAttention(buildTokenCurves(ctx), ctx, opts)
