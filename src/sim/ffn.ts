/** MoE and dense FFN layers, for m tokens on one GPU. */
import type {MoeLayout} from '../cost/moe-layout.js'
import {transferSeconds} from '../cost/units.js'
import type {Phase} from '../tables/paths.js'
import {DEFAULT_MOE_DISTRIBUTION} from './moe-routing.js'
import {gemmStep, rooflineBound, rooflineFloors, secondsForGflops, type SimContext} from './context.js'
import type {Step} from './result.js'
import {narrowWeightsSeconds} from './narrow-weights.js'
import {gemmMfu} from './fp8-gemm.js'

/**
 * Expert weights a MoE layer reads for `tokens` tokens per GPU. The
 * reference reads every local expert; with `activeExpertsOnly` only those
 * some token of the group picks: each of the N = tokens x replicas tokens
 * picks k of E experts, so a local expert is idle with probability
 * (1 - k/E)^N.
 */
function loadedExperts(ctx: SimContext, layout: MoeLayout, tokens: number): number {
  return ctx.switches.activeExpertsOnly ? activeExperts(ctx, layout, tokens) : layout.localExperts
}

/** Local experts some token of the group picks, on average, for `tokens` tokens per GPU (loadedExperts). */
function activeExperts(ctx: SimContext, layout: MoeLayout, tokens: number): number {
  const {experts: E, topk: k} = ctx.model.ffn
  return layout.localExperts * (1 - Math.pow(1 - k / E, tokens * layout.replicas))
}

/**
 * Rows one GPU's expert GEMMs run for `pairs` (token, expert) pairs over
 * `active` experts when each expert's group is padded to `blockRows`
 * (DeepGEMM's contiguous layout): a whole block for every active expert
 * while they get fewer tokens than half a block (decode), then the pairs
 * and half a block of padding each on average.
 *
 * @example
 * // Qwen3-235B at MoE TP 2, 4 tokens: 32 pairs over 29.1 of 128 experts
 * paddedExpertRows(32, 29.1, 128) // 3724.8: each active expert one block of 128 rows
 * paddedExpertRows(65536, 128, 128) // 73728: 512 rows an expert, plus 64 of padding
 */
export function paddedExpertRows(pairs: number, active: number, blockRows: number): number {
  if (!(blockRows > 0) || !(active > 0)) return pairs
  return Math.max(active * blockRows, pairs + (active * blockRows) / 2)
}

/** Routed experts (or the dense FFN of a dense model): compute at the grouped-GEMM MFU vs loading the experts. */
export function routedFfn(ctx: SimContext, phase: Phase, m: number): Step {
  const {model, d} = ctx
  const D = model.hidden
  const {experts: E, topk: k, isMoe} = model.ffn
  if (!isMoe) return denseModelFfn(ctx, m)
  const layout = ctx.moe
  // The wide-EP tables time the DeepEP + DeepGEMM path: they stand for deployments that dispatch with DeepEP.
  const wideEp = ctx.switches.wideEpTables && d.deepep && layout.moeTp === 1 && layout.moeEp > 1
  // Tokens through one GPU's experts: the group's N = m x replicas tokens, k pairs each, over moeEp GPUs;
  // with padded groups, the GEMMs run (and the table is read at) the padded rows. The wide-EP tables
  // time DeepGEMM's own layout, padding included.
  const pairs = ((m * layout.replicas) / layout.moeEp) * k
  const rows = d.moeExpertBlockRows && !wideEp ? paddedExpertRows(pairs, activeExperts(ctx, layout, m), d.moeExpertBlockRows) : pairs
  const tokens = rows / k
  const gflops = (2 * D * layout.width * rows * 3) / 1e9
  const loadBytes = ctx.shapes.weightBytes * 3 * D * layout.width * loadedExperts(ctx, layout, m)
  const work = {flops: gflops * 1e9, bytes: loadBytes, peakTflops: ctx.gemm.gemmPeak}
  // The reference's nearest lookup keys local experts as E // (W // tp).
  const localExperts = ctx.switches.interpolateMfu ? layout.localExperts : Math.floor(layout.localExperts)
  const key = {experts: E, gpus: d.worldSize, localExperts, topk: k, hidden: D, intermediate: layout.width}
  const mfu = ctx.mfu.groupedGemm(phase, key, tokens, work, wideEp ? (d.moeDistribution ?? DEFAULT_MOE_DISTRIBUTION) : undefined)
  return ffnStep(ctx, gflops, loadBytes, mfu, {tokens: m, experts: E, topk: k, intermediate: layout.width, ...(rows > pairs ? {paddedRows: rows} : {})}, 'moe')
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
  const denseFix = ctx.switches.denseFfnTpShard
  const loadBytes = s.weightBytes * 3 * D * s.itp * (denseFix ? 1 : 1 / Math.floor(d.worldSize / d.tp))
  const n = Math.floor((model.ffn.intermediate * 2) / (denseFix ? d.tp : d.worldSize))
  const mfu = gemmMfu(ctx, ctx.gemm, m, D, n, {flops: gflops * 1e9, bytes: loadBytes, peakTflops: ctx.gemm.gemmPeak})
  return ffnStep(ctx, gflops, loadBytes, mfu, {m, k: D, n})
}

function ffnStep(ctx: SimContext, gflops: number, loadBytes: number, mfu: Step['mfu'] & {}, shape: Record<string, number>, part: Step['part'] = 'gemm'): Step {
  const table = secondsForGflops(ctx, gflops, ctx.gemm.gemmPeak, mfu.value)
  const weightBytes = ctx.shapes.weightBytes
  const computeSeconds = narrowWeightsSeconds(ctx, table, mfu, {weights: loadBytes / weightBytes, weightBytes, otherBytes: 0, flops: gflops * 1e9, peakTflops: ctx.gemm.gemmPeak})
  const memorySeconds = transferSeconds(loadBytes, ctx.gpu.memBw)
  const floors = rooflineFloors(ctx, gflops * 1e9, loadBytes, ctx.gemm.gemmPeak)
  return {
    id: 'ffn',
    seconds: Math.max(computeSeconds, memorySeconds),
    bound: rooflineBound(floors),
    part,
    mfu,
    computeSeconds,
    memorySeconds,
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
  const width = ctx.shapes.sharedItp
  return pairStep('shared-expert', gemmStep(ctx, 'shared-up', m, D, width * 2 * S), gemmStep(ctx, 'shared-down', m, width * S, D), {m, shared: S, intermediate: width})
}

/** Leading dense layers of a MoE model (first_k_dense_replace): a TP-sharded FFN. */
export function denseLayerFfn(ctx: SimContext, m: number): Step {
  const D = ctx.model.hidden
  const width = Math.floor(ctx.model.ffn.denseIntermediate / ctx.d.tp)
  return pairStep('dense-ffn', gemmStep(ctx, 'dense-up', m, D, width * 2), gemmStep(ctx, 'dense-down', m, width, D), {m, intermediate: width})
}
