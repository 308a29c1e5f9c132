/** Prefill (TTFT) and decode (TPOT) of one forward, assembled from per-layer steps (SPEC A8). */
import {moeCommPair, tpAllReduceSeconds, type CommTopology} from '../cost/comm.js'
import type {CommLookup} from '../tables/comm-lookup.js'
import {moeLayerCount} from '../cost/weights.js'
import {attentionProjections, decodeAttentionCore, prefillAttentionCore} from './attention.js'
import type {SimContext} from './context.js'
import {dsaDecodeSteps, dsaPrefillSteps} from './dsa.js'
import type {MlaAttention} from '../model/types.js'
import {denseLayerFfn, routedFfn, sharedExperts} from './ffn.js'
import {linearAttentionCore, linearAttentionProjections} from './linear.js'
import type {LayerGroup, PhaseResult, Step} from './result.js'

/** Scheduler overheads per forward, ms (SPEC A8). */
export const PREFILL_OVERHEAD_MS = 30
export const DECODE_OVERHEAD_MS = 5
export const HYBRID_DECODE_OVERHEAD_MS = 2

/** DSA is modelled when configs are read as published (B3); the compat profile treats the model as MLA. */
function sparseAttention(ctx: SimContext) {
  const a = ctx.model.attention
  return ctx.sw.publishedConfigs && a.kind === 'mla' ? a.sparse : undefined
}

const sum = (steps: Step[]) => steps.reduce((acc, s) => acc + s.seconds, 0)

function topology(ctx: SimContext): CommTopology {
  return {
    worldSize: ctx.d.worldSize,
    nodes: ctx.d.nodes,
    tp: ctx.d.tp,
    hidden: ctx.model.hidden,
    topk: ctx.model.ffn.topk,
    nvlinkBw: ctx.gpu.nvlinkBw,
    rdmaBw: ctx.gpu.rdmaBw,
  }
}

function commSteps(ctx: SimContext, tokens: number, phase: 'prefill' | 'decode'): [Step, Step, Step] {
  const t = topology(ctx)
  const [c1, c2] = moeCommPair(t, tokens, ctx.d.deepep, phase)
  const tpc = tpAllReduceSeconds(t, tokens)
  const step = (id: string, formula: number, measured?: CommLookup): Step =>
    measured ? {id, seconds: measured.seconds, bound: 'communication', source: measured} : {id, seconds: formula, bound: 'communication'}
  if (!ctx.sw.measuredComm || t.worldSize <= 1) return [step('comm-before', c1), step('comm-after', c2), step('tp-allreduce', tpc)]
  const [before, after] = measuredMoeComm(ctx, t, tokens, phase)
  const tp = t.tp > 1 ? ctx.mfu.collective('allreduce', t.tp, tokens * t.hidden * 2) : undefined
  return [step('comm-before', c1, before), step('comm-after', c2, after), step('tp-allreduce', tpc, tp)]
}

/**
 * B8: the collectives around the MoE from measured tables. DeepEP messages
 * are counted as the tables count them (tokens x top-k x hidden, fp8 dispatch,
 * bf16 combine); without DeepEP, an all-reduce of the tokens' hidden states
 * over the GPUs (the tables cover one node).
 */
function measuredMoeComm(ctx: SimContext, t: CommTopology, tokens: number, phase: 'prefill' | 'decode'): [CommLookup | undefined, CommLookup | undefined] {
  if (t.nodes > 1 && !ctx.d.deepep) return [undefined, undefined]
  if (ctx.d.deepep) {
    const mode = phase === 'decode' ? 'deepep_ll' : 'deepep_normal'
    const bytes = tokens * t.topk * t.hidden
    return [ctx.mfu.collective(`${mode}_dispatch`, t.worldSize, bytes), ctx.mfu.collective(`${mode}_combine`, t.worldSize, bytes * 2)]
  }
  const ar = ctx.mfu.collective('allreduce', t.worldSize, tokens * t.hidden * 2)
  return [ar, ar]
}

/** FFN layer groups: MoE layers, plus leading dense layers when the config has them (B3). */
function ffnGroups(ctx: SimContext, moeSeconds: number, denseSeconds: number | undefined): LayerGroup[] {
  const L = ctx.model.layers
  const moeLayers = ctx.model.ffn.isMoe ? moeLayerCount(ctx.model) : L
  const groups: LayerGroup[] = [{kind: ctx.model.ffn.isMoe ? 'moe' : 'dense-ffn', count: moeLayers, secondsPerLayer: moeSeconds}]
  if (moeLayers < L && denseSeconds !== undefined) groups.push({kind: 'dense-ffn', count: L - moeLayers, secondsPerLayer: denseSeconds})
  return groups
}

function denseFfnStep(ctx: SimContext, m: number): Step | undefined {
  const f = ctx.model.ffn
  return f.isMoe && f.denseIntermediate > 0 ? denseLayerFfn(ctx, m) : undefined
}

/** A group as a whole layer (written out: a spread plus a property is slow on Node 20). */
const asLayer = (g: LayerGroup): LayerGroup => ({kind: 'layer', count: g.count, secondsPerLayer: g.secondsPerLayer})

const groupsTotal = (groups: LayerGroup[]) => groups.reduce((acc, g) => acc + g.count * g.secondsPerLayer, 0)

export function simulatePrefill(ctx: SimContext): PhaseResult {
  const {d, model} = ctx
  const P = d.maxPrefillTokens
  const [core, indexer] = sparseAttention(ctx) ? dsaPrefillSteps(ctx, model.attention as MlaAttention, sparseAttention(ctx)!, d.isl) : [prefillAttentionCore(ctx, d.isl)]
  const proj = [...attentionProjections(ctx, P), ...(indexer ? [{...indexer, seconds: indexer.seconds * Math.ceil(P / d.isl)}] : [])]
  const routed = routedFfn(ctx, 'prefill', P)
  const shared = sharedExperts(ctx, P)
  const dense = denseFfnStep(ctx, P)
  const [c1, c2, tpc] = commSteps(ctx, P, 'prefill')
  const ffnSeconds = routed.seconds + (shared?.seconds ?? 0)
  const projSeconds = sum(proj)
  const steps: Step[] = [core, ...proj]
  const lin = model.linear
  let groups: LayerGroup[]
  let tokens = P
  if (lin) {
    const linCore = linearAttentionCore(ctx, lin, 'prefill', d.isl, 1)
    const linProj = linearAttentionProjections(ctx, lin, P)
    steps.push(linCore, ...linProj)
    const scale = ctx.sw.hybridPrefillScale ? Math.ceil(P / d.isl) : P / d.isl
    const comm = d.tp > 1 ? 2 * tpc.seconds : c1.seconds + c2.seconds
    groups = [
      {kind: 'full-attention', count: lin.fullLayers, secondsPerLayer: core.seconds * scale + projSeconds},
      {kind: 'linear-attention', count: lin.linearLayers, secondsPerLayer: linCore.seconds * scale + sum(linProj)},
      ...ffnGroups(ctx, ffnSeconds, dense?.seconds),
      {kind: 'communication', count: model.layers, secondsPerLayer: comm},
    ]
  } else {
    const coreSeconds = core.seconds * Math.ceil(P / d.isl)
    const layerTime = (ffn: number) => {
      if (d.tbo) {
        const attn = (coreSeconds + projSeconds) / d.smRatio
        const f = ffn / d.smRatio
        return Math.max(attn, c1.seconds) + Math.max(attn, c2.seconds) + Math.max(f, c1.seconds) + Math.max(f, c2.seconds)
      }
      return coreSeconds + ffn + projSeconds + c1.seconds + c2.seconds + tpc.seconds
    }
    if (d.tbo) tokens = 2 * P
    groups = ffnGroups(ctx, layerTime(ffnSeconds), dense && layerTime(dense.seconds)).map(asLayer)
  }
  steps.push(routed, ...(shared ? [shared] : []), ...(dense ? [dense] : []), c1, c2, tpc)
  const latencyMs = groupsTotal(groups) * 1000 + PREFILL_OVERHEAD_MS
  return {phase: 'prefill', tokens, batch: P, steps, groups, overheadMs: PREFILL_OVERHEAD_MS, latencyMs, tgs: tokens / d.tp / (latencyMs / 1000)}
}

export function simulateDecode(ctx: SimContext, batch: number, context: number): PhaseResult {
  const {d, model} = ctx
  const sparse = sparseAttention(ctx)
  const [core, indexer] = sparse ? dsaDecodeSteps(ctx, model.attention as MlaAttention, sparse, batch, context) : [decodeAttentionCore(ctx, batch, context)]
  const proj = [...attentionProjections(ctx, batch), ...(indexer ? [indexer] : [])]
  const routed = routedFfn(ctx, 'decode', batch)
  const shared = sharedExperts(ctx, batch)
  const dense = denseFfnStep(ctx, batch)
  const [c1, c2, tpc] = commSteps(ctx, batch, 'decode')
  const ffnSeconds = routed.seconds + (shared?.seconds ?? 0)
  const projSeconds = sum(proj)
  const steps: Step[] = [core, ...proj]
  const lin = model.linear
  let groups: LayerGroup[]
  let tokens = batch
  let overheadMs = DECODE_OVERHEAD_MS
  if (lin) {
    const linCore = linearAttentionCore(ctx, lin, 'decode', batch, batch)
    const linProj = linearAttentionProjections(ctx, lin, batch)
    steps.push(linCore, ...linProj)
    const comm = d.tp > 1 ? 2 * tpc.seconds : c1.seconds + c2.seconds
    groups = [
      {kind: 'full-attention', count: lin.fullLayers, secondsPerLayer: core.seconds + projSeconds},
      {kind: 'linear-attention', count: lin.linearLayers, secondsPerLayer: linCore.seconds + sum(linProj)},
      ...ffnGroups(ctx, ffnSeconds, dense?.seconds),
      {kind: 'communication', count: model.layers, secondsPerLayer: comm},
    ]
    overheadMs = HYBRID_DECODE_OVERHEAD_MS
  } else {
    const layerTime = (ffn: number) =>
      d.tbo
        ? 2 * Math.max(core.seconds + projSeconds, ffn + c1.seconds + c2.seconds)
        : core.seconds + projSeconds + ffn + c1.seconds + c2.seconds + tpc.seconds
    if (d.tbo) tokens = 2 * batch
    groups = ffnGroups(ctx, layerTime(ffnSeconds), dense && layerTime(dense.seconds)).map(asLayer)
  }
  steps.push(routed, ...(shared ? [shared] : []), ...(dense ? [dense] : []), c1, c2, tpc)
  const latencyMs = groupsTotal(groups) * 1000 + overheadMs
  return {
    phase: 'decode',
    tokens,
    batch,
    steps,
    groups,
    overheadMs,
    latencyMs,
    tgs: tokens / d.tp / (latencyMs / 1000),
    meetsSlo: latencyMs <= d.targetTpot,
  }
}
