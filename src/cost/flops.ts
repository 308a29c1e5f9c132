/** Per-token FLOPs summary at the mean context, per layer and over the layers (the report's FLOPs section). */
import type {ModelSpec} from '../model/types.js'
import {decodePairFlops} from '../model/attention-flops.js'
import {slidingLayerShare} from '../model/sliding-window.js'
import type {ShardShapes} from './shapes.js'
import {gemmFlops} from './units.js'

export interface FlopsSummary {
  contextLen: number
  perLayer: {attentionCore: number; ffn: number; others: number}
  perToken: {attentionCore: number; ffn: number; others: number; total: number}
}

/** Average context of a decode step: int(isl + osl/2). */
export const averageContext = (isl: number, osl: number) => Math.floor(isl + osl / 2)

/** One token's attention core in one layer at `context` cached tokens; with sliding-window layers (configs as published), the average over the layers, a sliding one reading at most its window. */
export function attentionCoreFlopsPerToken(model: ModelSpec, s: ShardShapes, context: number): number {
  const sliding = slidingLayerShare(model)
  const keys = sliding ? (1 - sliding.share) * context + sliding.share * Math.min(context, sliding.window) : context
  return decodePairFlops(model.attention, s.htp) * keys
}

export function projectionFlopsPerToken(model: ModelSpec, s: ShardShapes): number {
  const D = model.hidden
  const a = model.attention
  if (a.kind === 'mha') return 2 * D * a.headDim * (2 * s.htp + 2 * s.hkvtp)
  const qk = a.qkNopeHeadDim + a.qkRopeHeadDim
  return (
    gemmFlops(1, D, a.qLoraRank) +
    gemmFlops(1, a.qLoraRank, s.htp * qk) +
    gemmFlops(1, D, a.kvLoraRank + a.qkRopeHeadDim) +
    s.htp * gemmFlops(1, a.qkNopeHeadDim, a.kvLoraRank) +
    s.htp * gemmFlops(1, a.kvLoraRank, a.vHeadDim) +
    gemmFlops(1, s.htp * a.vHeadDim, D)
  )
}

export const ffnFlopsPerToken = (model: ModelSpec, s: ShardShapes) =>
  (model.ffn.sharedExperts + model.ffn.topk) * 3 * gemmFlops(1, model.hidden, s.itp)

/**
 * The printed summary. Hybrid models print the full-attention core over F
 * layers but count it over all L layers in the total, as the reference does.
 */
export function flopsSummary(model: ModelSpec, s: ShardShapes, isl: number, osl: number): FlopsSummary {
  const contextLen = averageContext(isl, osl)
  const L = model.layers
  const core = attentionCoreFlopsPerToken(model, s, contextLen) / 1e9
  const ffn = ffnFlopsPerToken(model, s) / 1e9
  const others = projectionFlopsPerToken(model, s) / 1e9
  const coreLayers = model.linear ? model.linear.fullLayers : L
  return {
    contextLen,
    perLayer: {attentionCore: core, ffn, others},
    perToken: {attentionCore: core * coreLayers, ffn: ffn * L, others: others * L, total: core * L + ffn * L + others * L},
  }
}
