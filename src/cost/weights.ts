/** Weight bytes per GPU of each layer kind (docs/model.md, Weights and memory). */
import type {LinearAttention, ModelSpec} from '../model/types.js'
import type {MoeLayout} from './moe-layout.js'
import {linearShard, type ShardShapes} from './shapes.js'

/** Attention weights of one full-attention layer on one GPU. */
export function attentionWeightBytes(model: ModelSpec, s: ShardShapes): number {
  const D = model.hidden
  const a = model.attention
  if (a.kind === 'mha') return s.attentionWeightBytes * (2 * D * s.htp * a.headDim + 2 * D * s.hkvtp * a.headDim)
  const qk = a.qkNopeHeadDim + a.qkRopeHeadDim
  return (
    s.attentionWeightBytes *
    (D * a.qLoraRank +
      a.qLoraRank * s.htp * qk +
      D * a.kvLoraRank +
      a.kvLoraRank * s.htp * (a.qkNopeHeadDim + a.vHeadDim) +
      D * s.htp * a.vHeadDim)
  )
}

/** Weights of one GDN linear-attention layer on one GPU (its heads' share, linearShard; projections in the weight format, conv bytes as stored). */
export function linearAttentionWeightBytes(model: ModelSpec, layer: LinearAttention, s: ShardShapes): number {
  const lin = linearShard(layer, s)
  const D = model.hidden
  const proj = 2 * D * lin.keyHeads * lin.keyHeadDim + 2 * D * lin.valueHeads * lin.valueHeadDim + 2 * D * lin.valueHeads
  const conv = (2 * lin.keyHeads * lin.keyHeadDim + lin.valueHeads * lin.valueHeadDim) * lin.convKernel
  return s.weightBytes * proj + conv
}

/** One routed expert (or the dense FFN) on one GPU: gate, up and down. */
export const expertWeightBytes = (model: ModelSpec, s: ShardShapes) => s.weightBytes * 3 * model.hidden * s.itp

/** One shared expert on one GPU. */
export const sharedExpertWeightBytes = (model: ModelSpec, s: ShardShapes) => s.weightBytes * 3 * model.hidden * s.sharedItp

/**
 * Routed experts each GPU holds: E / W with attention data-parallel (tp = 1,
 * experts spread over every GPU), else all E (the reference's reading).
 */
export const routedExpertsPerGpu = (model: ModelSpec, tp: number, worldSize: number) =>
  tp === 1 ? model.ffn.experts / worldSize : model.ffn.experts

/** Number of layers whose FFN is MoE (published configs: leading dense layers and moe_layer_freq). */
export function moeLayerCount(model: ModelSpec): number {
  const {denseLayers, moeLayerFreq, isMoe} = model.ffn
  if (!isMoe) return 0
  let count = 0
  for (let i = denseLayers; i < model.layers; i++) if (i % Math.max(1, moeLayerFreq) === 0) count++
  return count
}

export interface ParamBreakdown {
  attentionBytes: number
  linearAttentionBytes: number
  expertBytes: number
  sharedExpertBytes: number
  expertsPerGpu: number
  denseFfnBytes: number
  perGpuBytes: number
}

/**
 * Weights one GPU holds. With a MoE layout, its E / moeEp routed experts of
 * width I / moeTp; without, the reference's count (E / W with tp 1, else all
 * E at width I / tp).
 */
export function paramsPerGpu(model: ModelSpec, s: ShardShapes, tp: number, worldSize: number, moe?: MoeLayout): ParamBreakdown {
  const attentionBytes = attentionWeightBytes(model, s)
  const expertBytes = moe && model.ffn.isMoe ? s.weightBytes * 3 * model.hidden * moe.width : expertWeightBytes(model, s)
  const sharedExpertBytes = sharedExpertWeightBytes(model, s)
  const routed = moe && model.ffn.isMoe ? moe.localExperts : routedExpertsPerGpu(model, tp, worldSize)
  const ffnLayer = expertBytes * routed + sharedExpertBytes * model.ffn.sharedExperts
  const moeLayers = model.ffn.isMoe ? moeLayerCount(model) : model.layers
  const denseLayers = model.layers - moeLayers
  const denseFfnBytes = s.weightBytes * 3 * model.hidden * Math.floor((model.ffn.denseIntermediate || model.ffn.intermediate) / tp)
  const ffnBytes = ffnLayer * moeLayers + denseFfnBytes * denseLayers
  const lin = model.linear
  const linearAttentionBytes = lin ? linearAttentionWeightBytes(model, lin, s) : 0
  const attnTotal = lin ? attentionBytes * lin.fullLayers + linearAttentionBytes * lin.linearLayers : attentionBytes * model.layers
  return {
    attentionBytes,
    linearAttentionBytes,
    expertBytes,
    sharedExpertBytes,
    expertsPerGpu: routed + model.ffn.sharedExperts,
    denseFfnBytes,
    perGpuBytes: attnTotal + ffnBytes,
  }
}

/**
 * Bytes of the token embedding and the LM head one GPU holds: both split by
 * vocabulary over the tp GPUs, as the engines shard them, and kept in BF16 by
 * every checkpoint format (FP8 and NVFP4 checkpoints quantize the layers, not
 * these). They take memory the KV pool cannot have.
 *
 * @example
 * // Qwen3-32B (151,936 x 5,120, untied) on one GPU: 3.11e9 bytes
 * embeddingBytesPerGpu({vocab: 151936, hidden: 5120, tiedEmbeddings: false}, 1) // 3111714816
 */
export function embeddingBytesPerGpu(model: Pick<ModelSpec, 'vocab' | 'hidden' | 'tiedEmbeddings'>, tp: number): number {
  return (embeddingParams(model) * 2) / tp
}

/** Parameters of the token embedding and the LM head (one matrix when tied). */
export const embeddingParams = (model: Pick<ModelSpec, 'vocab' | 'hidden' | 'tiedEmbeddings'>) => model.vocab * model.hidden * (model.tiedEmbeddings ? 1 : 2)
