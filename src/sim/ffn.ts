/** MoE and dense FFN layers (SPEC A6), for m tokens on one GPU. */
import {expertWeightBytes} from '../cost/weights.js'
import {transferSeconds} from '../cost/units.js'
import type {Phase} from '../tables/paths.js'
import {gemmStep, seconds, type SimContext} from './context.js'
import type {Step} from './result.js'

/** Routed experts (or the dense FFN): compute at the grouped-GEMM MFU vs loading the experts. */
export function routedFfn(ctx: SimContext, phase: Phase, m: number): Step {
  const {model, shapes: s, d} = ctx
  const D = model.hidden
  const {experts: E, topk: k, isMoe} = model.ffn
  const gflops = (2 * D * s.itp * m * k * 3) / 1e9
  const epGroups = Math.floor(d.worldSize / d.tp)
  const denseFix = !isMoe && ctx.sw.denseFfnTpShard
  const expertsLoaded = denseFix ? 1 : E / epGroups
  const loadBytes = expertWeightBytes(model, s) * expertsLoaded
  const work = {flops: gflops * 1e9, bytes: loadBytes, peakTflops: ctx.gemmPeak}
  const mfu = isMoe
    ? ctx.mfu.groupedGemm(
        phase,
        {experts: E, gpus: d.worldSize, localExperts: Math.floor(E / epGroups), topk: k, hidden: D, intermediate: s.itp},
        m,
        work,
      )
    : ctx.mfu.gemm(m, D, Math.floor((model.ffn.intermediate * 2) / (denseFix ? d.tp : d.worldSize)), work)
  const computeS = seconds(ctx, gflops, ctx.gemmPeak, mfu.value)
  const memoryS = transferSeconds(loadBytes, ctx.gpu.memBw)
  return {
    id: 'ffn',
    seconds: Math.max(computeS, memoryS),
    bound: computeS >= memoryS ? 'compute' : 'memory',
    mfu,
    computeSeconds: computeS,
    memorySeconds: memoryS,
    shape: isMoe ? {tokens: m, experts: E, topk: k, intermediate: s.itp} : {m, k: D, n: Math.floor((model.ffn.intermediate * 2) / (denseFix ? d.tp : d.worldSize))},
  }
}

/** Shared experts: one up/gate GEMM and one down GEMM over S shared experts. */
export function sharedExperts(ctx: SimContext, m: number): Step | undefined {
  const S = ctx.model.ffn.sharedExperts
  if (S <= 0) return undefined
  const D = ctx.model.hidden
  const w = ctx.shapes.sharedItp
  const up = gemmStep(ctx, 'shared-up', m, D, w * 2 * S)
  const down = gemmStep(ctx, 'shared-down', m, w * S, D)
  return {
    id: 'shared-expert',
    seconds: up.seconds + down.seconds,
    bound: up.bound,
    mfu: up.mfu,
    shape: {m, shared: S, intermediate: w},
  }
}

/** Leading dense layers of a MoE model (B3 first_k_dense_replace): a TP-sharded FFN. */
export function denseLayerFfn(ctx: SimContext, m: number): Step {
  const D = ctx.model.hidden
  const width = Math.floor(ctx.model.ffn.denseIntermediate / ctx.d.tp)
  const up = gemmStep(ctx, 'dense-up', m, D, width * 2)
  const down = gemmStep(ctx, 'dense-down', m, width, D)
  const computeS = up.seconds + down.seconds
  return {id: 'dense-ffn', seconds: computeS, bound: up.bound, mfu: up.mfu, shape: {m, intermediate: width}}
}

