/** Total parameters of a model (all GPUs together), for `infersim models` and the size check. */
import type {ModelSpec} from '../model/types.js'
import {moeLayerCount} from './weights.js'

export interface ParameterCount {
  total: number
  /** Parameters one token passes through (active experts only). */
  active: number
  embedding: number
}

function attentionParams(m: ModelSpec): number {
  const D = m.hidden
  const a = m.attention
  if (a.kind === 'mha') return D * a.heads * a.headDim * (a.outputGate ? 3 : 2) + D * a.kvHeads * a.headDim * 2
  const qk = a.qkNopeHeadDim + a.qkRopeHeadDim
  const q = a.qLoraRank > 0 ? D * a.qLoraRank + a.qLoraRank * a.heads * qk : D * a.heads * qk
  let p = q + D * (a.kvLoraRank + a.qkRopeHeadDim) + a.kvLoraRank * a.heads * (a.qkNopeHeadDim + a.vHeadDim) + a.heads * a.vHeadDim * D
  // DSA indexer: per-head queries from the q latent, one shared key head, per-head weights.
  if (a.sparse) p += (a.qLoraRank || D) * a.sparse.indexHeads * a.sparse.indexHeadDim + D * a.sparse.indexHeadDim + D * a.sparse.indexHeads
  return p
}

function linearAttentionParams(m: ModelSpec): number {
  const lin = m.linear
  if (!lin) return 0
  const D = m.hidden
  const k = lin.keyHeads * lin.keyHeadDim
  const v = lin.valueHeads * lin.valueHeadDim
  return D * (2 * k + 2 * v + 2 * lin.valueHeads) + (2 * k + v) * lin.convKernel + v * D
}

export function parameterCount(m: ModelSpec): ParameterCount {
  const D = m.hidden
  const f = m.ffn
  const expert = 3 * D * f.intermediate
  const shared = 3 * D * f.sharedIntermediate * f.sharedExperts
  const moeLayers = f.isMoe ? moeLayerCount(m) : 0
  const denseLayers = m.layers - moeLayers
  const denseFfn = 3 * D * (f.isMoe ? f.denseIntermediate || f.intermediate : f.intermediate)
  const router = f.isMoe ? D * f.experts : 0
  const attnLayers = m.linear ? m.linear.fullLayers : m.layers
  const attention = attentionParams(m) * attnLayers + linearAttentionParams(m) * (m.linear?.linearLayers ?? 0)
  const embedding = m.vocab * D * (m.tiedEmbeddings ? 1 : 2)
  const body = attention + denseLayers * denseFfn + moeLayers * (expert * f.experts + shared + router)
  const activeBody = attention + denseLayers * denseFfn + moeLayers * (expert * f.topk + shared + router)
  return {total: body + embedding, active: activeBody + embedding, embedding}
}
