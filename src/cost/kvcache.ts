/** KV cache and recurrent-state sizes (docs/model.md, Weights and memory). */
import type {LinearAttention, ModelSpec} from '../model/types.js'
import {linearShard, type ShardShapes} from './shapes.js'
import {GiB} from './units.js'
import {draftLayerMemory, NO_DRAFT, type DraftMemory, type Speculative} from '../serving/speculative.js'

/** Runtime reserve per GPU: 15 GiB runtime + 5 GiB encoder, as the reference reserves. */
export const RESERVED_GIB = 20

/**
 * KV bytes one full-attention layer keeps per token on one GPU: K and V of its KV heads, or MLA's latent
 * and rope key. A sparse-attention (DSA) layer's FP8 cache keeps DeepSeek's FlashMLA sparse layout: the
 * latent in FP8 with an FP32 scale per 128 values, the rope key in BF16 (656 bytes for DeepSeek-V3.2 and
 * GLM-5: 512 + 4 x 4 + 64 x 2), as SGLang's and vLLM's FP8 caches for these models store it.
 */
export function kvBytesPerLayerToken(model: ModelSpec, s: ShardShapes): number {
  const a = model.attention
  if (a.kind === 'mha') return 2 * s.hkvtp * a.headDim * s.kvBytes
  if (a.sparse && s.kvBytes === 1) return a.kvLoraRank + (a.kvLoraRank / 128) * 4 + a.qkRopeHeadDim * 2
  return (a.kvLoraRank + a.qkRopeHeadDim) * s.kvBytes
}

/**
 * KV bytes one GPU keeps per token of a request, over the layers that keep a
 * KV cache (all L, or a hybrid model's F full-attention layers). MLA keeps
 * one latent per token, the same on every tensor-parallel rank.
 */
export function kvBytesPerToken(model: ModelSpec, s: ShardShapes): number {
  const allLayers = model.layers * kvBytesPerLayerToken(model, s)
  return model.linear ? (allLayers / model.layers) * model.linear.fullLayers : allLayers
}

/**
 * KV bytes one GPU keeps per token of a request over the layers that keep the
 * whole context: kvBytesPerToken less sliding-window layers, which keep only
 * their window (fixedKvBytesPerRequest), and with a DSA layer's indexer key.
 * The serving KV pool counts these.
 */
export function contextKvBytesPerToken(model: ModelSpec, s: ShardShapes): number {
  const a = model.attention
  const sliding = a.kind === 'mha' ? a.slidingWindow : undefined
  const indexer = a.kind === 'mla' && a.sparse ? model.layers * indexerKeyBytesPerLayerToken(a.sparse) : 0
  return kvBytesPerToken(model, s) - (sliding ? sliding.layers * kvBytesPerLayerToken(model, s) : 0) + indexer
}

/**
 * Bytes one DSA (sparse attention) layer keeps per token for its indexer,
 * beside the MLA latent: one key of index_head_dim in FP8 and its FP32
 * scale, as the engines store it (SGLang's NSA index-key buffer, vLLM's and
 * TensorRT-LLM's indexer caches), the same on every tensor-parallel rank.
 *
 * @example
 * indexerKeyBytesPerLayerToken({indexHeadDim: 128}) // 132
 */
export const indexerKeyBytesPerLayerToken = (sparse: {indexHeadDim: number}) => sparse.indexHeadDim + 4

/** KV bytes one full-attention layer keeps per token on one GPU, a DSA layer's indexer key included: what a speculative draft layer adds. */
export function fullLayerKvBytesPerToken(model: ModelSpec, s: ShardShapes): number {
  const a = model.attention
  return kvBytesPerLayerToken(model, s) + (a.kind === 'mla' && a.sparse ? indexerKeyBytesPerLayerToken(a.sparse) : 0)
}

/** The memory a speculative draft layer adds on one GPU (draftLayerMemory) for this model and layout. */
export const draftMemoryOf = (spec: Pick<Speculative, 'draftTokens'> | undefined, model: ModelSpec, s: ShardShapes): DraftMemory =>
  draftLayerMemory(spec, model.layers, fullLayerKvBytesPerToken(model, s))

/** What one request keeps on one GPU whatever its length: a hybrid model's recurrent state, and the KV of sliding-window layers' `window` tokens, bytes. */
export function fixedKvBytesPerRequest(model: ModelSpec, s: ShardShapes): number {
  const lin = model.linear
  const sliding = model.attention.kind === 'mha' ? model.attention.slidingWindow : undefined
  return (lin ? linearStateBytesPerRequest(lin, s) : 0) + (sliding ? sliding.layers * sliding.window * kvBytesPerLayerToken(model, s) : 0)
}

/** One request's recurrent state over all GDN layers on one GPU (its share of the heads, linearShard). */
export const linearStateBytesPerRequest = (lin: LinearAttention, s: ShardShapes) => lin.linearLayers * linearStateBytesPerLayer(linearShard(lin, s))

/** Recurrent state of one GDN layer for one request: conv state + SSM state (of the heads `lin` names: linearShard for one GPU's). */
export function linearStateBytesPerLayer(lin: LinearAttention): number {
  const conv = (lin.valueHeads * lin.valueHeadDim + 2 * lin.keyHeads * lin.keyHeadDim) * (lin.convKernel - 1) * 2
  const ssm = lin.valueHeads * lin.keyHeadDim * lin.valueHeadDim * 4
  return conv + ssm
}

export interface KvCacheFit {
  /** Free memory for KV cache, GiB. */
  spaceGiB: number
  /** KV bytes per token that the attention layers really keep (hybrid: full layers only). */
  kvBytesPerToken: number
  /** Standard models: the per-token budget; hybrid: the per-request budget. */
  budgetBytes: number
  /** Standard models: per-token bytes; hybrid: per-request bytes (KV + state). */
  neededBytes: number
  /** Hybrid only: per-request full-attention KV and recurrent state. */
  perRequestKvBytes?: number
  perRequestStateBytes?: number
  fits: boolean
}

/** Whether `batch` requests' KV cache fits beside the weights; `draft`: what a speculative draft layer adds to both (draftLayerMemory). */
export function kvCacheFit(
  model: ModelSpec,
  s: ShardShapes,
  paramsBytes: number,
  memGiB: number,
  batch: number,
  contextLen: number,
  draft: DraftMemory = NO_DRAFT,
): KvCacheFit {
  const spaceGiB = memGiB - (paramsBytes * (1 + draft.weightShare)) / GiB - RESERVED_GIB
  const perToken = kvBytesPerToken(model, s) + draft.kvBytesPerToken
  const lin = model.linear
  if (!lin) {
    const budgetBytes = (spaceGiB * GiB) / batch / contextLen
    return {spaceGiB, kvBytesPerToken: perToken, budgetBytes, neededBytes: perToken, fits: perToken <= budgetBytes}
  }
  const fullPerToken = perToken
  const perRequestKvBytes = fullPerToken * contextLen
  const perRequestStateBytes = linearStateBytesPerRequest(lin, s)
  const budgetBytes = (spaceGiB * GiB) / batch
  const neededBytes = perRequestKvBytes + perRequestStateBytes
  return {
    spaceGiB,
    kvBytesPerToken: fullPerToken,
    budgetBytes,
    neededBytes,
    perRequestKvBytes,
    perRequestStateBytes,
    fits: neededBytes <= budgetBytes,
  }
}

/** Largest decode batch whose KV cache (and state) fits at `contextLen` tokens per request; `draft` as for kvCacheFit. */
export function maxDecodeBatch(model: ModelSpec, s: ShardShapes, paramsBytes: number, memGiB: number, contextLen: number, draft: DraftMemory = NO_DRAFT): number {
  const spaceBytes = (memGiB - (paramsBytes * (1 + draft.weightShare)) / GiB - RESERVED_GIB) * GiB
  if (spaceBytes <= 0) return 0
  const perToken = kvBytesPerToken(model, s) + draft.kvBytesPerToken
  const lin = model.linear
  const perRequest = lin ? perToken * contextLen + linearStateBytesPerRequest(lin, s) : perToken * contextLen
  return Math.floor(spaceBytes / perRequest)
}
