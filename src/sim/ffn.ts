/** MoE and dense FFN layers, for m tokens on one GPU. */
import {transferSeconds} from '../cost/units.js'
import type {Phase} from '../tables/paths.js'
import {DEFAULT_MOE_DISTRIBUTION} from './moe-routing.js'
import {gemmStep, rooflineBound, rooflineFloors, secondsForGflops, type SimContext} from './context.js'
import type {Step} from './result.js'

/**
 * How the routed experts are spread. Attention runs in `replicas` groups of
 * tp GPUs; inside a group the MoE is split moeTp ways by width and moeEp ways
 * by experts (moeTp x moeEp = tp), and the groups split the experts further:
 * expertParallel = replicas x moeEp GPUs hold E / expertParallel experts
 * each. With moeEp = 1 this is the reference's reading: expert width I / tp,
 * E / (W / tp) experts per GPU.
 */
export interface MoeLayout {
  replicas: number
  moeEp: number
  moeTp: number
  expertParallel: number
  localExperts: number
  /** Width of one expert on one GPU. */
  width: number
}

export function moeLayout(ctx: SimContext): MoeLayout {
  const {model, d} = ctx
  const replicas = Math.floor(d.worldSize / d.tp)
  const moeEp = ctx.sw.layoutCollectives ? (d.moeEp ?? 1) : 1
  const moeTp = d.tp / moeEp
  const expertParallel = replicas * moeEp
  return {replicas, moeEp, moeTp, expertParallel, localExperts: model.ffn.experts / expertParallel, width: Math.floor(model.ffn.intermediate / moeTp)}
}

/**
 * Expert weights a MoE layer reads for `tokens` tokens per GPU. The
 * reference reads every local expert; with `activeExpertsOnly` only those
 * some token of the group picks: each of the N = tokens x replicas tokens
 * picks k of E experts, so a local expert is idle with probability
 * (1 - k/E)^N.
 */
function loadedExperts(ctx: SimContext, layout: MoeLayout, tokens: number): number {
  const {experts: E, topk: k} = ctx.model.ffn
  const all = E / layout.replicas / layout.moeEp
  if (!ctx.sw.activeExpertsOnly) return all
  return all * (1 - Math.pow(1 - k / E, tokens * layout.replicas))
}

/** Routed experts (or the dense FFN of a dense model): compute at the grouped-GEMM MFU vs loading the experts. */
export function routedFfn(ctx: SimContext, phase: Phase, m: number): Step {
  const {model, d} = ctx
  const D = model.hidden
  const {experts: E, topk: k, isMoe} = model.ffn
  if (!isMoe) return denseModelFfn(ctx, m)
  const layout = moeLayout(ctx)
  const tokens = m / layout.moeEp
  const gflops = (2 * D * layout.width * tokens * k * 3) / 1e9
  const loadBytes = ctx.shapes.weightBytes * 3 * D * layout.width * loadedExperts(ctx, layout, m)
  const work = {flops: gflops * 1e9, bytes: loadBytes, peakTflops: ctx.gemmPeak}
  // The reference's nearest lookup keys local experts as E // (W // tp).
  const localExperts = ctx.sw.interpolateMfu ? layout.localExperts : Math.floor(layout.localExperts)
  const key = {experts: E, gpus: d.worldSize, localExperts, topk: k, hidden: D, intermediate: layout.width}
  const wideEp = ctx.sw.wideEpTables && layout.moeTp === 1 && layout.expertParallel > 1
  const mfu = ctx.mfu.groupedGemm(phase, key, tokens, work, wideEp ? (d.moeDistribution ?? DEFAULT_MOE_DISTRIBUTION) : undefined)
  return ffnStep(ctx, gflops, loadBytes, mfu, {tokens: m, experts: E, topk: k, intermediate: layout.width})
}

/**
 * The FFN of a dense model as one step: its GEMM MFU at the width the
 * reference looks up (2I / W; the tp shard with `denseFfnTpShard`), one
 * FFN's weights loaded (the reference divides them by W / tp).
 */
function denseModelFfn(ctx: SimContext, m: number): Step {
  const {model, d, shapes: s} = ctx
  const D = model.hidden
  const gflops = (2 * D * s.itp * m * 1 * 3) / 1e9
  const denseFix = ctx.sw.denseFfnTpShard
  const loadBytes = s.weightBytes * 3 * D * s.itp * (denseFix ? 1 : 1 / Math.floor(d.worldSize / d.tp))
  const n = Math.floor((model.ffn.intermediate * 2) / (denseFix ? d.tp : d.worldSize))
  const mfu = ctx.mfu.gemm(m, D, n, {flops: gflops * 1e9, bytes: loadBytes, peakTflops: ctx.gemmPeak})
  return ffnStep(ctx, gflops, loadBytes, mfu, {m, k: D, n})
}

function ffnStep(ctx: SimContext, gflops: number, loadBytes: number, mfu: Step['mfu'] & {}, shape: Record<string, number>): Step {
  const computeS = secondsForGflops(ctx, gflops, ctx.gemmPeak, mfu.value)
  const memoryS = transferSeconds(loadBytes, ctx.gpu.memBw)
  const floors = rooflineFloors(ctx, gflops * 1e9, loadBytes, ctx.gemmPeak)
  return {
    id: 'ffn',
    seconds: Math.max(computeS, memoryS),
    bound: rooflineBound(floors),
    part: 'gemm',
    mfu,
    computeSeconds: computeS,
    memorySeconds: memoryS,
    computeFloorSeconds: floors.computeFloorSeconds,
    memoryFloorSeconds: floors.memoryFloorSeconds,
    shape,
  }
}

/** Two GEMMs as one step (up/gate then down): times add, the label and MFU are the up projection's. */
function pairStep(id: string, up: Step, down: Step, shape: Record<string, number>): Step {
  return {
    id,
    seconds: up.seconds + down.seconds,
    bound: up.bound,
    part: 'gemm',
    mfu: up.mfu,
    computeFloorSeconds: (up.computeFloorSeconds ?? 0) + (down.computeFloorSeconds ?? 0),
    memoryFloorSeconds: (up.memoryFloorSeconds ?? 0) + (down.memoryFloorSeconds ?? 0),
    shape,
  }
}

/** Shared experts: one up/gate GEMM and one down GEMM over S shared experts. */
export function sharedExperts(ctx: SimContext, m: number): Step | undefined {
  const S = ctx.model.ffn.sharedExperts
  if (S <= 0) return undefined
  const D = ctx.model.hidden
  const w = ctx.shapes.sharedItp
  return pairStep('shared-expert', gemmStep(ctx, 'shared-up', m, D, w * 2 * S), gemmStep(ctx, 'shared-down', m, w * S, D), {m, shared: S, intermediate: w})
}

/** Leading dense layers of a MoE model (first_k_dense_replace): a TP-sharded FFN. */
export function denseLayerFfn(ctx: SimContext, m: number): Step {
  const D = ctx.model.hidden
  const width = Math.floor(ctx.model.ffn.denseIntermediate / ctx.d.tp)
  return pairStep('dense-ffn', gemmStep(ctx, 'dense-up', m, D, width * 2), gemmStep(ctx, 'dense-down', m, width, D), {m, intermediate: width})
}
