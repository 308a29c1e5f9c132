/** Full-attention layers: core (SPEC A6) and projections, prefill and decode. */
import {kvBytesPerToken} from '../cost/kvcache.js'
import {transferSeconds} from '../cost/units.js'
import {tablePaths} from '../tables/paths.js'
import {gemmStep, seconds, type SimContext} from './context.js'
import type {Step} from './result.js'

/** KV bytes per token the full-attention layers keep (hybrid: F of L layers). */
export function effectiveKvPerToken(ctx: SimContext): number {
  const perToken = kvBytesPerToken(ctx.model, ctx.shapes)
  const lin = ctx.model.linear
  return lin ? (perToken / ctx.model.layers) * lin.fullLayers : perToken
}

function coreStep(computeS: number, memoryS: number, mfu: Step['mfu'], shape: Record<string, number>): Step {
  return {
    id: 'attn-core',
    seconds: Math.max(computeS, memoryS),
    bound: computeS >= memoryS ? 'compute' : 'memory',
    mfu,
    computeSeconds: computeS,
    memorySeconds: memoryS,
    shape,
  }
}

/** Heads used by MLA cores: H in the compat profile (defect B4), Htp with the fix. */
const mlaCoreHeads = (ctx: SimContext) =>
  ctx.sw.mlaCoreUsesHtp ? ctx.shapes.htp : ctx.model.attention.heads

export function decodeAttentionCore(ctx: SimContext, batch: number, context: number): Step {
  const {model, shapes: s, gpu} = ctx
  const a = model.attention
  const fp16 = gpu.fp16Tflops
  let gflopsPerRequest: number
  let path: string
  if (a.kind === 'mha') {
    gflopsPerRequest = (4 * s.htp * a.headDim * context) / 1e9
    path = tablePaths.mhaDecode(ctx.gpuKey, s.htp, s.hkvtp, a.headDim)
  } else {
    const h = mlaCoreHeads(ctx)
    gflopsPerRequest = (2 * h * (a.kvLoraRank + a.qkRopeHeadDim) * context + 2 * context * h * a.kvLoraRank) / 1e9
    path = tablePaths.mlaDecode(ctx.gpuKey, s.htp, a.kvLoraRank, a.qkRopeHeadDim)
  }
  const kvBytes = (effectiveKvPerToken(ctx) * context * batch) / model.layers
  const mfu = ctx.mfu.decodeAttention(path, batch, context, ctx.d.fp8Kv, {
    flops: batch * gflopsPerRequest * 1e9,
    bytes: kvBytes,
    peakTflops: fp16,
  })
  const computeS = seconds(ctx, batch * gflopsPerRequest, fp16, mfu.value)
  const memoryS = transferSeconds(kvBytes, gpu.memBw)
  return coreStep(computeS, memoryS, mfu, {batch, kv_len: context})
}

/** One prefill of `isl` tokens (causal: /1.8); the caller multiplies by the prefills per forward. */
export function prefillAttentionCore(ctx: SimContext, isl: number): Step {
  const {model, shapes: s, gpu} = ctx
  const a = model.attention
  const fp16 = gpu.fp16Tflops
  let gflops: number
  let path: string
  if (a.kind === 'mha') {
    gflops = (4 * s.htp * a.headDim * isl) / 1e9
    path = tablePaths.mhaPrefill(ctx.gpuKey, s.htp, s.hkvtp, a.headDim)
  } else {
    const h = mlaCoreHeads(ctx)
    gflops = (2 * h * (a.qkNopeHeadDim + a.qkRopeHeadDim) * isl + 2 * isl * h * a.vHeadDim) / 1e9
    path = tablePaths.mlaPrefill(ctx.gpuKey, s.htp, a.qkNopeHeadDim, a.qkRopeHeadDim)
  }
  const kvBytes = (effectiveKvPerToken(ctx) * isl) / model.layers
  const mfu = ctx.mfu.prefillAttention(path, isl, {flops: (isl * gflops * 1e9) / 1.8, bytes: kvBytes, peakTflops: fp16})
  const computeS = seconds(ctx, (isl * gflops) / 1.8, fp16, mfu.value)
  const memoryS = transferSeconds(kvBytes, gpu.memBw)
  return coreStep(computeS, memoryS, mfu, {seq_len: isl})
}

/** QKV and output projections (MHA) or the six MLA projections, for m tokens. */
export function attentionProjections(ctx: SimContext, m: number): Step[] {
  const {model, shapes: s} = ctx
  const a = model.attention
  const D = model.hidden
  if (a.kind === 'mha') {
    return [gemmStep(ctx, 'qkv-proj', m, D, (s.htp + 2 * s.hkvtp) * a.headDim), gemmStep(ctx, 'o-proj', m, s.htp * a.headDim, D)]
  }
  const qk = a.qkNopeHeadDim + a.qkRopeHeadDim
  return [
    gemmStep(ctx, 'q-down-proj', m, D, a.qLoraRank),
    gemmStep(ctx, 'q-up-proj', m, a.qLoraRank, s.htp * qk),
    gemmStep(ctx, 'kv-down-proj', m, D, a.kvLoraRank + a.qkRopeHeadDim),
    gemmStep(ctx, 'bmm-q-wk', m, s.htp * a.qkNopeHeadDim, a.kvLoraRank),
    gemmStep(ctx, 'bmm-o-wv', m, s.htp * a.kvLoraRank, a.vHeadDim),
    gemmStep(ctx, 'o-proj', m, s.htp * a.vHeadDim, D),
  ]
}

