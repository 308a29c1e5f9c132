/** One-line architecture facts of a model, for listings. */
import {parameterCount} from '../cost/params.js'
import type {ModelSpec} from '../model/types.js'

export interface ModelSummary {
  name: string
  modelType: string
  layers: number
  hidden: number
  attention: string
  ffn: string
  paramsB: number
  activeParamsB: number
  shippedQuant?: string
  source: string
}

export function summarizeModel(m: ModelSpec): ModelSummary {
  const a = m.attention
  let attention =
    a.kind === 'mha' ? `${a.kvHeads === a.heads ? 'MHA' : 'GQA'} ${a.heads}/${a.kvHeads}x${a.headDim}` : `MLA ${a.heads}h r${a.kvLoraRank}${a.sparse ? ' +DSA' : ''}`
  if (m.linear) attention += ` + GDN (${m.linear.fullLayers} full / ${m.linear.linearLayers} linear)`
  if (a.kind === 'mha' && a.slidingWindow) attention += ` + SWA ${a.slidingWindow.window} (${a.slidingWindow.layers}/${m.layers} layers)`
  const f = m.ffn
  const ffn = f.isMoe
    ? `MoE ${f.experts}e top-${f.topk} I=${f.intermediate}${f.sharedExperts ? ` +${f.sharedExperts} shared` : ''}${f.denseLayers ? `, ${f.denseLayers} dense` : ''}`
    : `dense I=${f.intermediate}`
  const p = parameterCount(m)
  return {
    name: m.name,
    modelType: m.modelType,
    layers: m.layers,
    hidden: m.hidden,
    attention,
    ffn,
    paramsB: p.total / 1e9,
    activeParamsB: p.active / 1e9,
    shippedQuant: m.shippedQuant,
    source: m.source,
  }
}
