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
import {contextKvBytesPerToken, fixedKvBytesPerRequest} from '../cost/kvcache.js'
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

/** A function of token count read at exactly that count (memoized): for a handful of lookups, where a grid costs more than it saves. */
function exactly(at: (tokens: number) => number): (tokens: number) => number {
  const memo = new Map<number, number>()
  return (tokens) => {
    if (tokens <= 0) return 0
    let v = memo.get(tokens)
    if (v === undefined) memo.set(tokens, (v = at(tokens)))
    return v
  }
}

/** `exact`: each count read as it is rather than on the grid (the static phases' few lookups; src/sim/phase.ts). */
export function buildTokenCurves(ctx: SimContext, exact = false): TokenCurves {
  const curve = exact ? exactly : tokenCurve
  const {model, d} = ctx
  const lookups: Record<string, MfuLookup> = {}
  let commSource: string | undefined
  const note = (steps: readonly Step[]) => {
    for (const s of steps) {
      if (s.mfu) lookups[s.id] = s.mfu
      if (s.part === 'comm' && s.source?.table && !commSource) commSource = s.source.table
    }
  }
  const phaseOf = (tokens: number) => (tokens <= DECODE_TABLE_MAX_TOKENS ? 'decode' : 'prefill')
  const tokenParts = new Map<number, {gemm: number; comm: number}>()
  const partsAt = (tokens: number) => {
    let hit = tokenParts.get(tokens)
    if (!hit) {
      const mix: TokenMix = {tokens, phase: phaseOf(tokens), decodeRequests: 0, kvLen: 0, prompts: 0, promptLen: 0}
      const layer = layerSteps(ctx, mix)
      for (const steps of [layer.fullAttention, layer.linearAttention, layer.ffn, layer.denseFfn, layer.comm.moe, layer.comm.dense]) note(steps)
      hit = {gemm: partSeconds(layer, 'gemm'), comm: partSeconds(layer, 'comm')}
      tokenParts.set(tokens, hit)
    }
    return hit
  }
  const counts = layerCounts(ctx)
  const groups = model.ffn.isMoe ? ctx.moe.replicas : 1
  const moeAt = (tokens: number) => {
    if (!model.ffn.isMoe) return 0
    const perGroup = tokens / groups
    const routed = ffnSteps(ctx, perGroup, phaseOf(perGroup)).ffn.filter((s) => s.part === 'moe')
    note(routed)
    return counts.ffn * sumSeconds(routed)
  }
  const lmHeadAt = (tokens: number) => {
    if (!ctx.switches.lmHead) return 0
    const step = lmHeadStep(ctx, tokens)
    note([step])
    return step.seconds
  }
  return {
    gemmSeconds: curve((tokens) => partsAt(tokens).gemm),
    moeSeconds: curve(moeAt),
    moeGroups: groups,
    layers: counts.layers,
    moeLayers: model.ffn.isMoe ? counts.ffn : 0,
    lmHeadSeconds: curve(lmHeadAt),
    commSeconds: curve((tokens) => partsAt(tokens).comm),
    // The layers' weights, and with the LM head counted (lmHead) the embedding and LM head beside them.
    weightBytesPerGpu:
      paramsPerGpu(model, ctx.shapes, d.tp, d.worldSize, ctx.switches.layoutCollectives ? ctx.moe : undefined).perGpuBytes +
      (ctx.switches.lmHead ? embeddingBytesPerGpu(model, d.tp) : 0),
    kvBytesPerToken: contextKvBytesPerToken(model, ctx.shapes),
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
  const decodeAttentionAt = (requests: number, queries: number) =>
    coreSeconds(ctx, {tokens: requests * queries, phase: 'decode', decodeRequests: requests, kvLen: meanKvLength, prompts: 0, promptLen: 0, queriesPerRequest: queries})
  const decodeCaches = new Map<number, Map<number, number>>()
  /** Decode attention of a whole number of requests, memoized. */
  const decodeAttentionWhole = (requests: number, queries: number): number => {
    let cache = decodeCaches.get(queries)
    if (!cache) decodeCaches.set(queries, (cache = new Map()))
    let v = cache.get(requests)
    if (v === undefined) {
      v = decodeAttentionAt(requests, queries)
      // as for token curves: no finite time from the table here, so the next batch size's (up to 4 over)
      if (!Number.isFinite(v) && requests < 1e6) {
        for (let k = requests + 1; k <= 4 * requests + 4 && !Number.isFinite(v); k++) v = decodeAttentionAt(k, queries)
      }
      cache.set(requests, v)
    }
    return v
  }
  const prefillAttentionSeconds = coreSeconds(ctx, {tokens: opts.isl, phase: 'prefill', decodeRequests: 0, kvLen: 0, prompts: 1, promptLen: opts.isl})
  // A getter keeps the curves' commSource live (it is known once a curve has been read).
  return Object.defineProperties(Object.assign({}, curves, {
    decodeAttentionSeconds: (requests: number, queries = 1) => {
      if (requests <= 0) return 0
      const lo = Math.max(1, Math.floor(requests))
      const hi = Math.ceil(requests)
      const at = (n: number) => decodeAttentionWhole(n, queries)
      if (requests < 1) return at(1) * requests
      return lo === hi ? at(lo) : at(lo) + (requests - lo) * (at(hi) - at(lo))
    },
    prefillAttentionSeconds,
    meanKvLength,
  }), {commSource: {get: () => curves.commSource, enumerable: true}}) as StepCost
}

export const buildStepCost = (ctx: SimContext, opts: StepCostOptions): StepCost => withAttention(buildTokenCurves(ctx), ctx, opts)
