/**
 * DeepSeek V3.2 sparse attention (DSA, `index_topk`): each query attends to
 * its top-k selected tokens, chosen by a lightweight fp8 indexer that scores
 * every cached token. FLOPs follow the conventions of the measured `dsa`
 * tables (checked against their rows): sparse core = absorbed MLA over top-k
 * tokens, no causal discount; indexer logits = 2 * heads * dim per (query,
 * key) pair, causal in prefill (keys seen on average: s_kv - s_q/2).
 *
 * Where a GPU has no dsa tables (AIConfigurator publishes none), the sparse
 * core borrows the MLA decode table's MFU at the top-k context (the same
 * absorbed kernel over top-k tokens; a prefill is isl such queries) and the
 * indexer borrows the GEMM table's MFU at its logits shape; both are
 * reported as `borrowed`.
 */
import {kvBytesPerLayerToken} from '../cost/kvcache.js'
import {mlaAbsorbedPairFlops} from '../model/attention-flops.js'
import type {MlaAttention} from '../model/types.js'
import {tablePaths} from '../tables/paths.js'
import {coreStep} from './attention.js'
import {secondsForGflops, type SimContext} from './context.js'
import type {MfuLookup} from '../tables/types.js'
import type {Step} from './result.js'

type Sparse = NonNullable<MlaAttention['sparse']>

/** A borrowed lookup keeps its rows but says where it came from. */
function borrowed(lookup: MfuLookup, why: string): MfuLookup {
  return lookup.kind === 'fallback' ? lookup : {...lookup, kind: 'borrowed', note: `${why}; ${lookup.kind} in ${lookup.table}`}
}

/** The sparse core is the absorbed MLA kernel over the top-k selected tokens. */
const sparseCoreFlopsPerQuery = (a: MlaAttention, heads: number, topk: number) => mlaAbsorbedPairFlops(heads, a.kvLoraRank, a.qkRopeHeadDim) * topk

export function dsaDecodeSteps(ctx: SimContext, a: MlaAttention, sparse: Sparse, batch: number, context: number): [Step, Step] {
  const {shapes: s, gpu} = ctx
  const latent = a.kvLoraRank + a.qkRopeHeadDim
  const coreFlops = batch * sparseCoreFlopsPerQuery(a, s.htp, sparse.indexTopk)
  const coreBytes = batch * Math.min(context, sparse.indexTopk) * kvBytesPerLayerToken(ctx.model, s)
  const corePath = tablePaths.dsaAttention(ctx.gpuKey, 'decode', s.htp, latent, sparse.indexTopk)
  const coreWork = {flops: coreFlops, bytes: coreBytes, peakTflops: gpu.fp16Tflops}
  const coreMfu = ctx.mfu.hasTable(corePath)
    ? ctx.mfu.rowMfu(corePath, {batch_size: batch, kv_len: context}, {}, coreWork)
    : borrowed(
        ctx.mfu.decodeAttention(tablePaths.mlaDecode(ctx.gpuKey, s.htp, a.kvLoraRank, a.qkRopeHeadDim), batch, sparse.indexTopk, ctx.d.fp8Kv, coreWork),
        `no ${corePath}: MLA decode at the top-k context`,
      )
  const core = coreStep(ctx, 'attn-core', coreFlops, secondsForGflops(ctx, coreFlops / 1e9, gpu.fp16Tflops, coreMfu.value), coreBytes, coreMfu, {batch, kv_len: context, topk: sparse.indexTopk})

  const indexerFlops = batch * 2 * sparse.indexHeads * sparse.indexHeadDim * context
  const indexerBytes = batch * context * sparse.indexHeadDim
  const indexerPath = tablePaths.dsaLogits(ctx.gpuKey, 'decode', sparse.indexHeads, sparse.indexHeadDim)
  const indexerWork = {flops: indexerFlops, bytes: indexerBytes, peakTflops: gpu.fp8Tflops}
  const indexerMfu = ctx.mfu.hasTable(indexerPath)
    ? ctx.mfu.rowMfu(indexerPath, {batchsize: batch, s_kv: context}, {next_n: 1}, indexerWork)
    : borrowed(ctx.mfu.gemm(batch * sparse.indexHeads, sparse.indexHeadDim, context, indexerWork), `no ${indexerPath}: GEMM of the logits shape`)
  const indexer = coreStep(ctx, 'dsa-indexer', indexerFlops, secondsForGflops(ctx, indexerFlops / 1e9, gpu.fp8Tflops, indexerMfu.value), indexerBytes, indexerMfu, {batch, s_kv: context}, gpu.fp8Tflops)
  return [core, indexer]
}

export function dsaPrefillSteps(ctx: SimContext, a: MlaAttention, sparse: Sparse, isl: number): [Step, Step] {
  const {shapes: s, gpu} = ctx
  const latent = a.kvLoraRank + a.qkRopeHeadDim
  const coreFlops = isl * sparseCoreFlopsPerQuery(a, s.htp, sparse.indexTopk)
  const coreBytes = isl * kvBytesPerLayerToken(ctx.model, s)
  const corePath = tablePaths.dsaAttention(ctx.gpuKey, 'prefill', s.htp, latent, sparse.indexTopk)
  const coreWork = {flops: coreFlops, bytes: coreBytes, peakTflops: gpu.fp16Tflops}
  const coreMfu = ctx.mfu.hasTable(corePath)
    ? ctx.mfu.rowMfu(corePath, {s_q: isl, s_kv: isl}, {}, coreWork)
    : borrowed(
        ctx.mfu.decodeAttention(tablePaths.mlaDecode(ctx.gpuKey, s.htp, a.kvLoraRank, a.qkRopeHeadDim), isl, sparse.indexTopk, ctx.d.fp8Kv, coreWork),
        `no ${corePath}: the absorbed MLA kernel, isl queries over top-k tokens each`,
      )
  const core = coreStep(ctx, 'attn-core', coreFlops, secondsForGflops(ctx, coreFlops / 1e9, gpu.fp16Tflops, coreMfu.value), coreBytes, coreMfu, {seq_len: isl, topk: sparse.indexTopk})

  const indexerFlops = 2 * sparse.indexHeads * sparse.indexHeadDim * isl * (isl / 2)
  const indexerBytes = isl * sparse.indexHeadDim
  const indexerPath = tablePaths.dsaLogits(ctx.gpuKey, 'prefill', sparse.indexHeads, sparse.indexHeadDim)
  const indexerWork = {flops: indexerFlops, bytes: indexerBytes, peakTflops: gpu.fp8Tflops}
  const indexerMfu = ctx.mfu.hasTable(indexerPath)
    ? ctx.mfu.rowMfu(indexerPath, {s_q: isl, s_kv: isl}, {}, indexerWork)
    : borrowed(ctx.mfu.gemm(isl, sparse.indexHeadDim, isl, indexerWork), `no ${indexerPath}: GEMM of the logits shape`)
  const indexer = coreStep(ctx, 'dsa-indexer', indexerFlops, secondsForGflops(ctx, indexerFlops / 1e9, gpu.fp8Tflops, indexerMfu.value), indexerBytes, indexerMfu, {s_q: isl, s_kv: isl}, gpu.fp8Tflops)
  return [core, indexer]
}
