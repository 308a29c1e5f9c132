/**
 * The per-layer step model: for what one forward carries on one GPU (a token
 * mix: decoding requests at a KV length, prompts being prefilled), the steps
 * of each kind of layer with their shapes, FLOPs, bytes, MFU lookups and
 * collectives, and how many layers of each kind the model has. Prefill and
 * decode (sim/phase.ts) and the serving step cost (serving/step-cost.ts) all
 * build their figures from here, so a change to a layer's cost lands once.
 */
import {moeLayerCount} from '../cost/weights.js'
import {slidingLayerShare} from '../model/sliding-window.js'
import type {MlaAttention} from '../model/types.js'
import type {Phase} from '../tables/paths.js'
import {attentionProjections, decodeAttentionCore, prefillAttentionCore, windowedDecodeAttentionCore, windowedPrefillAttentionCore} from './attention.js'
import {layerCommSteps, type LayerComm} from './comm.js'
import {gemmStep, type SimContext} from './context.js'
import {dsaDecodeSteps, dsaPrefillSteps} from './dsa.js'
import {denseLayerFfn, routedFfn, sharedExperts} from './ffn.js'
import {linearAttentionCore, linearAttentionProjections} from './linear.js'
import {stepLayerSeconds, type LayerGroup, type Step} from './result.js'

/** What one forward carries on one GPU. */
export interface TokenMix {
  /** Tokens through the projections, the FFN and the collectives of each layer. */
  tokens: number
  /** Which grouped-GEMM table and DeepEP kernels the token count calls for. */
  phase: Phase
  /** Requests decoding one token each, over kvLen cached tokens. */
  decodeRequests: number
  kvLen: number
  /** Queries each decoding request brings over its cached tokens: k + 1 where a speculative step verifies k draft tokens (1 when absent). */
  queriesPerRequest?: number
  /** Prompts whose attention core runs in this forward (fractional for chunks), each promptLen tokens long. */
  prompts: number
  promptLen: number
}

export interface LayerCounts {
  layers: number
  fullAttention: number
  linearAttention: number
  /** MoE layers (a dense model: every layer's FFN). */
  ffn: number
  /** Leading dense layers of a MoE model. */
  denseFfn: number
}

export interface LayerSteps {
  /** One full-attention layer: cores (counted per prompt) and projections. */
  fullAttention: Step[]
  /** One linear-attention layer of a hybrid model. */
  linearAttention: Step[]
  /** One MoE layer (routed and shared experts), or one FFN layer of a dense model. */
  ffn: Step[]
  /** One leading dense layer of a MoE model. */
  denseFfn: Step[]
  /** Collectives of a MoE (or dense model) layer and of a leading dense layer. */
  comm: LayerComm
  counts: LayerCounts
}

export function layerCounts(ctx: SimContext): LayerCounts {
  const {model} = ctx
  const L = model.layers
  const lin = model.linear
  const ffn = model.ffn.isMoe ? moeLayerCount(model) : L
  const denseFfn = model.ffn.isMoe && model.ffn.denseIntermediate > 0 ? L - ffn : 0
  return {layers: L, fullAttention: lin ? lin.fullLayers : L, linearAttention: lin ? lin.linearLayers : 0, ffn, denseFfn}
}

/** DSA is modelled when configs are read as published; the compat profile treats the model as MLA. */
const sparseAttention = (ctx: SimContext) => {
  const a = ctx.model.attention
  return ctx.switches.publishedConfigs && a.kind === 'mla' ? a.sparse : undefined
}

/** Sliding-window layers when configs are read as published (the compat profile times every layer over the whole context, as the reference does). */
const slidingLayers = (ctx: SimContext) => (ctx.switches.publishedConfigs ? slidingLayerShare(ctx.model) : undefined)

const counted = (s: Step, count: number): Step => {
  s.count = count
  return s
}

/** Attention cores of a full-attention layer: the decoding requests' and the prompts' (with DSA, their indexers). */
export function attentionCores(ctx: SimContext, mix: TokenMix): Step[] {
  const out: Step[] = []
  const sparse = sparseAttention(ctx)
  const sliding = sparse ? undefined : slidingLayers(ctx)
  if (mix.decodeRequests > 0) {
    const q = mix.queriesPerRequest ?? 1
    // DSA's indexer picks its keys for each query: a query apiece.
    if (sparse) out.push(...dsaDecodeSteps(ctx, ctx.model.attention as MlaAttention, sparse, mix.decodeRequests * q, mix.kvLen))
    else if (sliding) {
      // A layer's figure is the average over the layers: the full ones and the sliding ones by their shares.
      out.push(counted(decodeAttentionCore(ctx, mix.decodeRequests, mix.kvLen, undefined, q), 1 - sliding.share))
      out.push(counted(windowedDecodeAttentionCore(ctx, mix.decodeRequests, mix.kvLen, sliding.window, q), sliding.share))
    } else out.push(decodeAttentionCore(ctx, mix.decodeRequests, mix.kvLen, undefined, q))
  }
  if (mix.prompts > 0) {
    const cores = sparse
      ? dsaPrefillSteps(ctx, ctx.model.attention as MlaAttention, sparse, mix.promptLen).map((c) => counted(c, mix.prompts))
      : sliding
        ? [
            counted(prefillAttentionCore(ctx, mix.promptLen), mix.prompts * (1 - sliding.share)),
            counted(windowedPrefillAttentionCore(ctx, mix.promptLen, sliding.window), mix.prompts * sliding.share),
          ]
        : [counted(prefillAttentionCore(ctx, mix.promptLen), mix.prompts)]
    for (const core of cores) {
      if (mix.decodeRequests > 0) core.id = `${core.id}-prefill`
      out.push(core)
    }
  }
  return out
}

/** Linear-attention cores: decode steps carry the recurrent state of each request; a prefill runs the chunked kernel per prompt. */
export function linearAttentionCores(ctx: SimContext, mix: TokenMix): Step[] {
  const lin = ctx.model.linear
  if (!lin) return []
  const out: Step[] = []
  // The recurrent state is read once a request, whatever the tokens it advances over.
  if (mix.decodeRequests > 0) out.push(linearAttentionCore(ctx, lin, 'decode', mix.decodeRequests * (mix.queriesPerRequest ?? 1), mix.decodeRequests))
  if (mix.prompts > 0) {
    const core = counted(linearAttentionCore(ctx, lin, 'prefill', mix.promptLen, 1), mix.prompts)
    if (mix.decodeRequests > 0) core.id = `${core.id}-prefill`
    out.push(core)
  }
  return out
}

/** FFN steps of a MoE layer (or a dense model's layer) and of a leading dense layer, for `tokens` tokens. */
export function ffnSteps(ctx: SimContext, tokens: number, phase: Phase): {ffn: Step[]; denseFfn: Step[]} {
  const ffn = [routedFfn(ctx, phase, tokens)]
  const shared = sharedExperts(ctx, tokens)
  if (shared) ffn.push(shared)
  const {isMoe, denseIntermediate} = ctx.model.ffn
  const denseFfn = isMoe && denseIntermediate > 0 ? [denseLayerFfn(ctx, tokens)] : []
  return {ffn, denseFfn}
}

export function layerSteps(ctx: SimContext, mix: TokenMix): LayerSteps {
  const counts = layerCounts(ctx)
  const lin = ctx.model.linear
  const {ffn, denseFfn} = ffnSteps(ctx, mix.tokens, mix.phase)
  return {
    fullAttention: [...attentionCores(ctx, mix), ...attentionProjections(ctx, mix.tokens)],
    linearAttention: lin ? [...linearAttentionCores(ctx, mix), ...linearAttentionProjections(ctx, lin, mix.tokens)] : [],
    ffn,
    denseFfn,
    comm: layerCommSteps(ctx, mix.tokens, mix.phase),
    counts,
  }
}

/** The LM head for `tokens` tokens that need logits (the last token of each prompt, every decoding token). */
export const lmHeadStep = (ctx: SimContext, tokens: number): Step => gemmStep(ctx, 'lm-head', tokens, ctx.model.hidden, Math.ceil(ctx.model.vocab / ctx.d.tp), ctx.lmHeadGemm)

export const sumSeconds = (steps: readonly Step[]) => steps.reduce((acc, s) => acc + stepLayerSeconds(s), 0)

/** Seconds of all layers' steps of one part (gemm, attention, comm), run one after the other. */
export function partSeconds(layer: LayerSteps, part: Step['part']): number {
  const of = (steps: readonly Step[]) => sumSeconds(steps.filter((s) => s.part === part))
  const counts = layer.counts
  return (
    counts.fullAttention * of(layer.fullAttention) +
    counts.linearAttention * of(layer.linearAttention) +
    counts.ffn * (of(layer.ffn) + of(layer.comm.moe)) +
    counts.denseFfn * (of(layer.denseFfn) + of(layer.comm.dense))
  )
}

/** How two micro-batches overlap communication with compute (two-batch overlap), or none. */
export type Overlap = {phase: Phase; smRatio: number} | undefined

const commOf = (steps: readonly Step[], id: string) => steps.find((s) => s.id === id)?.seconds ?? 0

/**
 * Per-layer time of a standard (non-hybrid) model layer: attention, FFN and
 * communication one after the other; with two-batch overlap, the
 * reference's formulas (prefill: each of attention and FFN on the SMs left
 * by communication, overlapped with dispatch and combine; decode: two
 * micro-batches, attention against FFN plus communication).
 */
function standardLayerSeconds(attention: number, ffn: number, comm: readonly Step[], overlap: Overlap): number {
  const before = commOf(comm, 'comm-before')
  const after = commOf(comm, 'comm-after')
  if (!overlap) return attention + ffn + sumSeconds(comm)
  if (overlap.phase === 'prefill') {
    const attentionOnSms = attention / overlap.smRatio
    const ffnOnSms = ffn / overlap.smRatio
    return Math.max(attentionOnSms, before) + Math.max(attentionOnSms, after) + Math.max(ffnOnSms, before) + Math.max(ffnOnSms, after)
  }
  return 2 * Math.max(attention, ffn + before + after)
}

/**
 * The layer groups of one forward: standard models as whole layers (MoE
 * layers, then leading dense layers); hybrid models by part, as the
 * reference sums them (full attention, linear attention, FFN, and
 * communication on every layer: two TP all-reduces with tp > 1, else the MoE
 * pair, in the compat profile).
 */
export function layerGroups(ctx: SimContext, layer: LayerSteps, overlap: Overlap): LayerGroup[] {
  const counts = layer.counts
  const moeKind = ctx.model.ffn.isMoe ? 'moe' : 'dense-ffn'
  const ffnSeconds = sumSeconds(layer.ffn)
  const denseSeconds = sumSeconds(layer.denseFfn)
  if (ctx.model.linear) {
    const comm = ctx.switches.layoutCollectives
      ? sumSeconds(layer.comm.moe)
      : ctx.d.tp > 1
        ? 2 * commOf(layer.comm.moe, 'tp-allreduce')
        : commOf(layer.comm.moe, 'comm-before') + commOf(layer.comm.moe, 'comm-after')
    const groups: LayerGroup[] = [
      {kind: 'full-attention', count: counts.fullAttention, secondsPerLayer: sumSeconds(layer.fullAttention)},
      {kind: 'linear-attention', count: counts.linearAttention, secondsPerLayer: sumSeconds(layer.linearAttention)},
      {kind: moeKind, count: counts.ffn, secondsPerLayer: ffnSeconds},
    ]
    if (counts.denseFfn > 0) groups.push({kind: 'dense-ffn', count: counts.denseFfn, secondsPerLayer: denseSeconds})
    groups.push({kind: 'communication', count: counts.layers, secondsPerLayer: comm})
    return groups
  }
  const attention = sumSeconds(layer.fullAttention)
  const groups: LayerGroup[] = [{kind: 'layer', count: counts.ffn, secondsPerLayer: standardLayerSeconds(attention, ffnSeconds, layer.comm.moe, overlap)}]
  if (counts.denseFfn > 0) groups.push({kind: 'layer', count: counts.denseFfn, secondsPerLayer: standardLayerSeconds(attention, denseSeconds, layer.comm.dense, overlap)})
  return groups
}

export const groupsSeconds = (groups: readonly LayerGroup[]) => groups.reduce((acc, g) => acc + g.count * g.secondsPerLayer, 0)

/** The steps of one layer as the report lists them: attention, linear attention, FFN, dense FFN, communication. */
export function flatSteps(layer: LayerSteps): Step[] {
  return [...layer.fullAttention, ...layer.linearAttention, ...layer.ffn, ...layer.denseFfn, ...layer.comm.moe]
}

/**
 * The share of the model's layers that run each of flatSteps' steps, in their order, or undefined
 * where every layer runs every step: a MoE model's routed experts and their collectives skip its
 * leading dense layers; a hybrid model's full and linear attention alternate, and its collectives
 * run on every layer.
 */
export function flatLayerShares(layer: LayerSteps): number[] | undefined {
  const c = layer.counts
  const commLayers = c.linearAttention > 0 ? c.layers : c.ffn
  const groups: [readonly Step[], number][] = [
    [layer.fullAttention, c.fullAttention],
    [layer.linearAttention, c.linearAttention],
    [layer.ffn, c.ffn],
    [layer.denseFfn, c.denseFfn],
    [layer.comm.moe, commLayers],
  ]
  if (groups.every(([steps, layers]) => steps.length === 0 || layers === c.layers)) return undefined
  return groups.flatMap(([steps, layers]) => steps.map(() => layers / c.layers))
}

/** Attention cores of all layers for a mix (decoding requests, prompts), seconds: full-attention and linear-attention layers. */
export function coreSeconds(ctx: SimContext, mix: TokenMix): number {
  const counts = layerCounts(ctx)
  return counts.fullAttention * sumSeconds(attentionCores(ctx, mix)) + counts.linearAttention * sumSeconds(linearAttentionCores(ctx, mix))
}
