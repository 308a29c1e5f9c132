/**
 * Kernel time of one engine step (one forward over a mixed batch) from the
 * simulator's per-layer costs, split into the parts an engine scales
 * separately: token-proportional GEMM/MoE work (projections, FFN or MoE,
 * shared experts, leading dense layers, LM head) and communication over all
 * tokens of the step; decode attention of the decoding requests at their
 * mean KV length; prefill attention of the prefill chunks.
 *
 * Token curves are evaluated on a geometric grid of token counts and
 * interpolated linearly between grid points (lookups are memoized).
 */
import {moeCommPair, type CommTopology} from '../cost/comm.js'
import {kvBytesPerToken, linearStateBytesPerLayer} from '../cost/kvcache.js'
import {transferSeconds} from '../cost/units.js'
import {moeLayerCount, paramsPerGpu} from '../cost/weights.js'
import type {MlaAttention} from '../model/types.js'
import {attentionProjections, decodeAttentionCore, prefillAttentionCore} from '../sim/attention.js'
import {gemmStep, seconds, type SimContext} from '../sim/context.js'
import {dsaDecodeSteps, dsaPrefillSteps} from '../sim/dsa.js'
import {denseLayerFfn, routedFfn, sharedExperts} from '../sim/ffn.js'
import {linearAttentionCore, linearAttentionProjections} from '../sim/linear.js'
import type {MfuLookup, TableSet} from '../tables/types.js'
import {allReduceTime} from './comm.js'

export interface StepCost {
  /** GEMM and MoE kernels of all layers plus the LM head, for `tokens` tokens in the step, seconds. */
  gemmSeconds(tokens: number): number
  /** Communication of all layers for `tokens` tokens, seconds. */
  commSeconds(tokens: number): number
  /** Attention cores of all layers for `requests` decoding requests at the mean KV length, seconds. */
  decodeAttentionSeconds(requests: number): number
  /** Attention cores of all layers over one request's whole prefill (spread over its chunks), seconds. */
  prefillAttentionSeconds: number
  /** Weights held by one GPU, bytes. */
  weightBytesPerGpu: number
  /** KV cache per token of one request on one GPU (full-attention layers), bytes. */
  kvBytesPerToken: number
  /** Recurrent state of one request on one GPU (hybrid models), bytes. */
  stateBytesPerRequest: number
  /** Mean KV length of a decoding request: isl + osl / 2. */
  meanKvLength: number
  /** Where the communication time comes from. */
  commSource: string
  /** MFU provenance of the lookups, by step id (last lookup of each). */
  lookups: Record<string, MfuLookup>
}

export interface StepCostOptions {
  isl: number
  osl: number
  /** Expert-parallel size inside the TP replica (MoE TP = tp / moeEp). */
  moeEp: number
}

/** Geometric grid of token counts: 1, 2, 3, 4, 6, 8, 12, 16, ... up to 2^24. */
const GRID: number[] = [1]
for (let p = 2; p <= 2 ** 24; p *= 2) GRID.push(p, p === 2 ** 24 ? p * 1.5 : Math.round(p * 1.5))

/** Index of the last grid point <= tokens (binary search). */
function gridIndexBelow(tokens: number): number {
  let lo = 0
  let hi = GRID.length - 2
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if (GRID[mid] <= tokens) lo = mid
    else hi = mid - 1
  }
  return lo
}

/**
 * A memoized function of token count, linear between grid points and never
 * decreasing: a step with more tokens does not take less time (measured
 * tables are noisy at small m, where kernels change).
 */
function tokenCurve(at: (tokens: number) => number): (tokens: number) => number {
  const values: number[] = []
  const raw = (k: number) => {
    // A table that gives no finite time at this size (MFU 0 from a nearest row) borrows the next size's:
    // fewer tokens take no longer.
    for (let j = k; j < GRID.length; j++) {
      const v = at(GRID[j])
      if (Number.isFinite(v)) return v
    }
    return Number.NaN
  }
  const value = (i: number) => {
    while (values.length <= i) {
      const k = values.length
      values.push(Math.max(raw(k), k > 0 ? values[k - 1] : 0))
    }
    return values[i]
  }
  return (tokens) => {
    if (tokens <= 0) return 0
    if (tokens <= 1) return value(0) * tokens
    const i = gridIndexBelow(tokens)
    const x0 = GRID[i]
    const x1 = GRID[i + 1]
    return value(i) + ((tokens - x0) / (x1 - x0)) * (value(i + 1) - value(i))
  }
}

/** Routed experts with expert parallelism inside the TP replica: E/ep experts of width I/(tp/ep) per GPU; only the experts some token picks are loaded. */
function moeInsideReplica(ctx: SimContext, tokens: number, moeEp: number): {seconds: number; mfu: MfuLookup} {
  const {model, shapes: s, d} = ctx
  const {experts: E, topk: k} = model.ffn
  const D = model.hidden
  const moeTp = Math.max(1, Math.floor(d.tp / moeEp))
  const width = Math.floor(model.ffn.intermediate / moeTp)
  const localExperts = E / moeEp
  const perGpu = tokens / moeEp
  const gflops = (2 * D * width * perGpu * k * 3) / 1e9
  const activeShare = 1 - Math.pow(1 - k / E, tokens)
  const bytes = localExperts * activeShare * 3 * D * width * s.weightBytes
  const phase = perGpu <= 512 ? 'decode' : 'prefill'
  const mfu = ctx.mfu.groupedGemm(phase, {experts: E, gpus: d.tp, localExperts, topk: k, hidden: D, intermediate: width}, Math.max(1, Math.round(perGpu)), {
    flops: gflops * 1e9,
    bytes,
    peakTflops: ctx.gemmPeak,
  })
  return {seconds: Math.max(seconds(ctx, gflops, ctx.gemmPeak, mfu.value), transferSeconds(bytes, ctx.gpu.memBw)), mfu}
}

export function buildStepCost(ctx: SimContext, tables: TableSet, opts: StepCostOptions): StepCost {
  const {model, d} = ctx
  const lookups: Record<string, MfuLookup> = {}
  const note = (id: string, mfu: MfuLookup | undefined) => {
    if (mfu) lookups[id] = mfu
  }
  const L = model.layers
  const lin = model.linear
  const fullLayers = lin ? lin.fullLayers : L
  const moeLayers = model.ffn.isMoe ? moeLayerCount(model) : L
  const insideReplica = model.ffn.isMoe && d.worldSize === d.tp
  const vocabShard = Math.ceil(model.vocab / d.tp)

  const gemmAt = (T: number) => {
    let perFull = 0
    for (const st of attentionProjections(ctx, T)) {
      perFull += st.seconds
      note(st.id, st.mfu)
    }
    let perLinear = 0
    if (lin) for (const st of linearAttentionProjections(ctx, lin, T)) perLinear += st.seconds
    let perMoe: number
    if (insideReplica) {
      const moe = moeInsideReplica(ctx, T, opts.moeEp)
      perMoe = moe.seconds
      note('ffn', moe.mfu)
    } else {
      const ffn = routedFfn(ctx, T <= 512 ? 'decode' : 'prefill', T)
      perMoe = ffn.seconds
      note('ffn', ffn.mfu)
    }
    const shared = sharedExperts(ctx, T)
    if (shared) perMoe += shared.seconds
    const denseLayers = L - moeLayers
    const dense = model.ffn.isMoe && model.ffn.denseIntermediate > 0 && denseLayers > 0 ? denseLayerFfn(ctx, T).seconds : 0
    const head = gemmStep(ctx, 'lm-head', T, model.hidden, vocabShard)
    note('lm-head', head.mfu)
    return fullLayers * perFull + (L - fullLayers) * perLinear + moeLayers * perMoe + (L - moeLayers) * dense + head.seconds
  }

  const topo: CommTopology = {
    worldSize: d.worldSize,
    nodes: d.nodes,
    tp: d.tp,
    hidden: model.hidden,
    topk: model.ffn.topk,
    nvlinkBw: ctx.gpu.nvlinkBw,
    rdmaBw: ctx.gpu.rdmaBw,
  }
  const allReduce = allReduceTime(tables, ctx.gpuKey, topo)
  const commAt = (T: number) => {
    const tp = d.tp > 1 ? 2 * allReduce.seconds(T * model.hidden * 2) : 0
    const moe = model.ffn.isMoe && d.worldSize > d.tp ? moeCommPair(topo, T, d.deepep, T <= 512 ? 'decode' : 'prefill').reduce((a, b) => a + b, 0) : 0
    return L * tp + moeLayers * moe
  }

  const kv = opts.isl + opts.osl / 2
  const sparse = ctx.sw.publishedConfigs && model.attention.kind === 'mla' ? model.attention.sparse : undefined
  const decodeAt = (n: number) => {
    let full: number
    if (sparse) {
      const [core, indexer] = dsaDecodeSteps(ctx, model.attention as MlaAttention, sparse, n, kv)
      full = core.seconds + indexer.seconds
      note('attn-core', core.mfu)
    } else {
      const core = decodeAttentionCore(ctx, n, kv)
      full = core.seconds
      note('attn-core', core.mfu)
    }
    const linear = lin ? linearAttentionCore(ctx, lin, 'decode', n, n).seconds : 0
    return fullLayers * full + (L - fullLayers) * linear
  }
  const decodeCache = new Map<number, number>()
  const decodeInt = (n: number): number => {
    let v = decodeCache.get(n)
    if (v === undefined) {
      v = decodeAt(n)
      // as for token curves: no finite time from the table here, so the next batch size's (up to 4 over)
      if (!Number.isFinite(v) && n < 1e6) {
        for (let k = n + 1; k <= 4 * n + 4 && !Number.isFinite(v); k++) v = decodeAt(k)
      }
      decodeCache.set(n, v)
    }
    return v
  }

  let prefillFull: number
  if (sparse) {
    const [core, indexer] = dsaPrefillSteps(ctx, model.attention as MlaAttention, sparse, opts.isl)
    prefillFull = core.seconds + indexer.seconds
  } else {
    const core = prefillAttentionCore(ctx, opts.isl)
    prefillFull = core.seconds
    note('attn-prefill', core.mfu)
  }
  const prefillLinear = lin ? linearAttentionCore(ctx, lin, 'prefill', opts.isl, 1).seconds : 0

  const weights = paramsPerGpu(model, ctx.shapes, d.tp, d.worldSize)
  const perToken = kvBytesPerToken(model, ctx.shapes)

  return {
    gemmSeconds: tokenCurve(gemmAt),
    commSeconds: tokenCurve(commAt),
    decodeAttentionSeconds: (n) => {
      if (n <= 0) return 0
      const lo = Math.max(1, Math.floor(n))
      const hi = Math.ceil(n)
      if (n < 1) return decodeInt(1) * n
      return lo === hi ? decodeInt(lo) : decodeInt(lo) + (n - lo) * (decodeInt(hi) - decodeInt(lo))
    },
    prefillAttentionSeconds: fullLayers * prefillFull + (L - fullLayers) * prefillLinear,
    weightBytesPerGpu: weights.perGpuBytes,
    kvBytesPerToken: lin ? (perToken / L) * lin.fullLayers : perToken,
    stateBytesPerRequest: lin ? lin.linearLayers * linearStateBytesPerLayer(lin) : 0,
    meanKvLength: kv,
    commSource: allReduce.table ?? 'bandwidth formula (SPEC A7)',
    lookups,
  }
}
