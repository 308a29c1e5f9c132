/** Full-attention layers: cores and projections, prefill and decode. */
import {CAUSAL_DISCOUNT, causalPrefillFlops, decodePairFlops, prefillPairFlops, windowedPrefillFlops} from '../model/attention-flops.js'
import {kvBytesPerToken} from '../cost/kvcache.js'
import {transferSeconds} from '../cost/units.js'
import {tablePaths} from '../tables/paths.js'
import {decodeAttentionMfu} from './fp8-kv-decode.js'
import {gemmStep, rooflineBound, rooflineFloors, secondsForGflops, type SimContext} from './context.js'
import {mlaBmmSteps} from './mla-bmm.js'
import type {Step} from './result.js'

/**
 * KV bytes one full-attention layer reads for `tokens` cached tokens. The
 * reference divides the model's per-token KV by all L layers, hybrid models
 * included.
 */
const kvBytesPerLayer = (ctx: SimContext, tokens: number) => (kvBytesPerToken(ctx.model, ctx.shapes) * tokens) / ctx.model.layers

/** An attention core: max(compute at the table's MFU, KV loading), labelled by its roofline. */
export function coreStep(
  ctx: SimContext,
  id: string,
  flops: number,
  computeSeconds: number,
  bytes: number,
  mfu: Step['mfu'],
  shape: Record<string, number>,
  peakTflops = ctx.gpu.fp16Tflops,
): Step {
  const memorySeconds = transferSeconds(bytes, ctx.gpu.memBw)
  const floors = rooflineFloors(ctx, flops, bytes, peakTflops)
  return {
    id,
    seconds: Math.max(computeSeconds, memorySeconds),
    bound: rooflineBound(floors),
    part: 'attention',
    mfu,
    computeSeconds,
    memorySeconds,
    computeFloorSeconds: floors.computeFloorSeconds,
    memoryFloorSeconds: floors.memoryFloorSeconds,
    shape,
  }
}

/** Heads an MLA core computes: all H in the compat profile (the reference's defect), the heads one GPU holds with the fix. */
const mlaCoreHeads = (ctx: SimContext) => (ctx.switches.mlaCoreUsesHtp ? ctx.shapes.htp : ctx.model.attention.heads)

const coreHeads = (ctx: SimContext) => (ctx.model.attention.kind === 'mha' ? ctx.shapes.htp : mlaCoreHeads(ctx))

const decodePath = (ctx: SimContext, heads: number, window?: number) => {
  const {shapes: s} = ctx
  const a = ctx.model.attention
  return a.kind === 'mha' ? tablePaths.mhaDecode(ctx.gpuKey, heads, s.hkvtp, a.headDim, window) : tablePaths.mlaDecode(ctx.gpuKey, heads, a.kvLoraRank, a.qkRopeHeadDim)
}

/**
 * One decode step's attention core for `batch` requests at `context` cached
 * tokens. With a `window` (a sliding-window layer with its own measured
 * table), each request reads its last min(context, window) keys, timed by
 * that table at the request's context, as it was measured.
 *
 * With `queries` > 1 each request brings that many queries over the same keys:
 * a speculative step verifying `queries - 1` draft tokens. The kernels fold a
 * request's queries into its heads (TensorRT-LLM's XQA, FlashInfer, FlashMLA),
 * so each KV head is read once for all of them, as a decode kernel with
 * `queries` times the query heads reads it: timed by the GPU's measured table
 * of that many heads, or where none was measured, of the fewest more (up to
 * 4x; a kernel doing more of the same work, an upper bound). Where it has
 * neither, as `batch x queries` requests of one query, which reads the KV
 * cache once a query (an upper bound too); the smaller of the two. Never
 * below one query's time.
 *
 * @example
 * // Llama-3.1-70B at tp 8 on H200 (8 query heads, 1 KV head), 4 queries a request:
 * decodeAttentionCore(ctx, 32, 4096, undefined, 4) // the 32-1-128 table at 32 requests, KV read once
 * // 3 queries: 24 heads were not measured; the 32-1-128 table's time
 * decodeAttentionCore(ctx, 32, 4096, undefined, 3)
 */
export function decodeAttentionCore(ctx: SimContext, batch: number, context: number, window?: number, queries = 1): Step {
  const htp = ctx.shapes.htp
  const one = headsCore(ctx, batch, context, window, htp)
  if (queries === 1) return one
  const apart = headsCore(ctx, batch * queries, context, window, htp)
  const heads = measuredHeadsFrom(ctx, htp * queries, window)
  const folded = heads === undefined ? apart : headsCore(ctx, batch, context, window, heads)
  const pick = folded.seconds <= apart.seconds ? folded : apart
  return {...pick, seconds: Math.max(pick.seconds, one.seconds), shape: {batch, kv_len: context, ...(window ? {window} : {}), queries}}
}

/** Query heads of the GPU's measured decode table with the fewest from `heads` up to 4x it over the layer's KV heads (and window); undefined where none. */
function measuredHeadsFrom(ctx: SimContext, heads: number, window?: number): number | undefined {
  return ctx.mfu.firstTable(`heads-from|${decodePath(ctx, heads, window)}`, function* () {
    for (let h = heads; h <= 4 * heads; h++) yield [h, decodePath(ctx, h, window)] as [number, string]
  })
}

/** The core of `batch` requests read from the GPU's table of `heads` query heads over the layer's KV heads (the GPU's own: plain decode; more: queries folded into heads). */
function headsCore(ctx: SimContext, batch: number, context: number, window: number | undefined, heads: number): Step {
  const {model, gpu} = ctx
  const a = model.attention
  const peakTflops = gpu.fp16Tflops
  const keys = window ? Math.min(context, window) : context
  const gflopsPerRequest = (decodePairFlops(a, (coreHeads(ctx) * heads) / ctx.shapes.htp) * keys) / 1e9
  const path = decodePath(ctx, heads, window)
  const kvBytes = kvBytesPerLayer(ctx, keys * batch)
  const flops = batch * gflopsPerRequest * 1e9
  const mfu = decodeAttentionMfu(ctx, path, batch, context, {flops, bytes: kvBytes, peakTflops})
  const computeSeconds = secondsForGflops(ctx, batch * gflopsPerRequest, peakTflops, mfu.value)
  return coreStep(ctx, window ? 'attn-core-window' : 'attn-core', flops, computeSeconds, kvBytes, mfu, window ? {batch, kv_len: context, window} : {batch, kv_len: context})
}

/**
 * One causal prefill of `isl` tokens; the layer runs one per prompt in the
 * forward (the step's count). With a `window` (a sliding-window layer with
 * its own measured table): causal over the first window, then `window` keys a
 * query, at that table's MFU.
 */
export function prefillAttentionCore(ctx: SimContext, isl: number, window?: number): Step {
  const {model, shapes: s, gpu} = ctx
  const a = model.attention
  const peakTflops = gpu.fp16Tflops
  const kvBytes = kvBytesPerLayer(ctx, isl)
  if (window && a.kind === 'mha') {
    const path = tablePaths.mhaPrefill(ctx.gpuKey, s.htp, s.hkvtp, a.headDim, window)
    const flops = windowedPrefillFlops(isl, window, prefillPairFlops(a, coreHeads(ctx)))
    const mfu = ctx.mfu.prefillAttention(path, isl, {flops, bytes: kvBytes, peakTflops})
    return coreStep(ctx, 'attn-core-window', flops, secondsForGflops(ctx, flops / 1e9, peakTflops, mfu.value), kvBytes, mfu, {seq_len: isl, window})
  }
  const gflopsPerToken = (prefillPairFlops(a, coreHeads(ctx)) * isl) / 1e9
  const path = a.kind === 'mha' ? tablePaths.mhaPrefill(ctx.gpuKey, s.htp, s.hkvtp, a.headDim) : tablePaths.mlaPrefill(ctx.gpuKey, s.htp, a.qkNopeHeadDim, a.qkRopeHeadDim)
  const flops = causalPrefillFlops(isl, prefillPairFlops(a, coreHeads(ctx)))
  const mfu = ctx.mfu.prefillAttention(path, isl, {flops: (isl * gflopsPerToken * 1e9) / CAUSAL_DISCOUNT, bytes: kvBytes, peakTflops})
  const computeSeconds = secondsForGflops(ctx, (isl * gflopsPerToken) / CAUSAL_DISCOUNT, peakTflops, mfu.value)
  return coreStep(ctx, 'attn-core', flops, computeSeconds, kvBytes, mfu, {seq_len: isl})
}

/** Whether the GPU has a measured sliding-window kernel table of this layer's shape for the phase. */
function hasWindowTable(ctx: SimContext, phase: 'decode' | 'prefill', window: number): boolean {
  const {shapes: s} = ctx
  const a = ctx.model.attention
  if (a.kind !== 'mha') return false
  const path = phase === 'decode' ? tablePaths.mhaDecode(ctx.gpuKey, s.htp, s.hkvtp, a.headDim, window) : tablePaths.mhaPrefill(ctx.gpuKey, s.htp, s.hkvtp, a.headDim, window)
  return ctx.mfu.hasTable(path)
}

/**
 * A sliding-window layer's decode core: its own measured table where one
 * exists; otherwise the full-attention table over the min(context, window)
 * keys it reads (the measured sliding-window decode kernels take the full
 * kernel's time at W to 2W keys).
 */
export function windowedDecodeAttentionCore(ctx: SimContext, batch: number, context: number, window: number, queries = 1): Step {
  if (hasWindowTable(ctx, 'decode', window)) return decodeAttentionCore(ctx, batch, context, window, queries)
  return {...decodeAttentionCore(ctx, batch, Math.min(context, window), undefined, queries), id: 'attn-core-window'}
}

/**
 * A sliding-window layer's prefill core: its own measured table where one
 * exists; otherwise the full causal core (an upper bound: no measurement says
 * how much of the window's saving a kernel realizes).
 */
export function windowedPrefillAttentionCore(ctx: SimContext, isl: number, window: number): Step {
  if (hasWindowTable(ctx, 'prefill', window)) return prefillAttentionCore(ctx, isl, window)
  return {...prefillAttentionCore(ctx, isl), id: 'attn-core-window'}
}

/** QKV and output projections (MHA) or the six MLA projections, for m tokens. */
export function attentionProjections(ctx: SimContext, m: number): Step[] {
  const {model, shapes: s, attentionGemm: g} = ctx
  const a = model.attention
  const D = model.hidden
  if (a.kind === 'mha') {
    return [gemmStep(ctx, 'qkv-proj', m, D, (s.htp + 2 * s.hkvtp) * a.headDim, g), gemmStep(ctx, 'o-proj', m, s.htp * a.headDim, D, g)]
  }
  const qk = a.qkNopeHeadDim + a.qkRopeHeadDim
  return [
    gemmStep(ctx, 'q-down-proj', m, D, a.qLoraRank, g),
    gemmStep(ctx, 'q-up-proj', m, a.qLoraRank, s.htp * qk, g),
    gemmStep(ctx, 'kv-down-proj', m, D, a.kvLoraRank + a.qkRopeHeadDim, g),
    ...(mlaBmmSteps(ctx, m) ?? [gemmStep(ctx, 'bmm-q-wk', m, s.htp * a.qkNopeHeadDim, a.kvLoraRank, g), gemmStep(ctx, 'bmm-o-wv', m, s.htp * a.kvLoraRank, a.vHeadDim, g)]),
    gemmStep(ctx, 'o-proj', m, s.htp * a.vHeadDim, D, g),
  ]
}
