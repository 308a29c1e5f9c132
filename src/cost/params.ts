/** Total parameters of a model (all GPUs together), for `infersim models` and the size check. */
import type {ModelSpec} from '../model/types.js'
import {embeddingParams, moeLayerCount} from './weights.js'

export interface ParameterCount {
  total: number
  /** Parameters one token passes through (active experts only). */
  active: number
  embedding: number
}

function attentionParams(model: ModelSpec): number {
  const D = model.hidden
  const a = model.attention
  if (a.kind === 'mha') return D * a.heads * a.headDim * (a.outputGate ? 3 : 2) + D * a.kvHeads * a.headDim * 2
  const qk = a.qkNopeHeadDim + a.qkRopeHeadDim
  const q = a.qLoraRank > 0 ? D * a.qLoraRank + a.qLoraRank * a.heads * qk : D * a.heads * qk
  let params = q + D * (a.kvLoraRank + a.qkRopeHeadDim) + a.kvLoraRank * a.heads * (a.qkNopeHeadDim + a.vHeadDim) + a.heads * a.vHeadDim * D
  // DSA indexer: per-head queries from the q latent, one shared key head, per-head weights.
  if (a.sparse) params += (a.qLoraRank || D) * a.sparse.indexHeads * a.sparse.indexHeadDim + D * a.sparse.indexHeadDim + D * a.sparse.indexHeads
  return params
}

function linearAttentionParams(model: ModelSpec): number {
  const lin = model.linear
  if (!lin) return 0
  const D = model.hidden
  const keyWidth = lin.keyHeads * lin.keyHeadDim
  const valueWidth = lin.valueHeads * lin.valueHeadDim
  return D * (2 * keyWidth + 2 * valueWidth + 2 * lin.valueHeads) + (2 * keyWidth + valueWidth) * lin.convKernel + valueWidth * D
}

export function parameterCount(model: ModelSpec): ParameterCount {
  const D = model.hidden
  const ffn = model.ffn
  const expert = 3 * D * ffn.intermediate
  const shared = 3 * D * ffn.sharedIntermediate * ffn.sharedExperts
  const moeLayers = ffn.isMoe ? moeLayerCount(model) : 0
  const denseLayers = model.layers - moeLayers
  const denseFfn = 3 * D * (ffn.isMoe ? ffn.denseIntermediate || ffn.intermediate : ffn.intermediate)
  const router = ffn.isMoe ? D * ffn.experts : 0
  const attnLayers = model.linear ? model.linear.fullLayers : model.layers
  const attention = attentionParams(model) * attnLayers + linearAttentionParams(model) * (model.linear?.linearLayers ?? 0)
  const embedding = embeddingParams(model)
  const body = attention + denseLayers * denseFfn + moeLayers * (expert * ffn.experts + shared + router)
  const activeBody = attention + denseLayers * denseFfn + moeLayers * (expert * ffn.topk + shared + router)
  return {total: body + embedding, active: activeBody + embedding, embedding}
}
