/**
 * FLOPs of one measured kernel call, as the simulator counts them (GEMMs,
 * attention cores, experts; docs/model.md), used to recompute MFU = FLOPs /
 * latency / peak (1 TFLOPS = 1e12 FLOP/s, the convention the reference tables
 * were written with).
 *
 * Two counting conventions follow the reference benchmarks, checked against
 * their stated MFU: prefill attention is causal, so it counts half of the
 * full S x S score matrix (the simulator's prefill core counts it all and
 * divides its time by 1.8 instead); DSA sparse attention counts the top-k
 * keys each query attends to, whatever the context.
 */
import {CAUSAL_HALF, causalPrefillFlops, mhaPairFlops, windowedPrefillFlops, mlaAbsorbedPairFlops, mlaExpandedPairFlops} from '../../model/attention-flops.js'
import type {Values} from './types.js'

const n = (v: Values, c: string) => v[c] as number

/** gemm(m,k,n) = 2mkn. */
export const gemmFlops = (v: Values) => ({mfu: 2 * n(v, 'm') * n(v, 'k') * n(v, 'n')})

/** MHA/GQA decode: 4 * H * hd * kv_len per request (QK^T and PV); a sliding window (shape.window) attends to at most its window. */
export const mhaDecodeFlops = (v: Values, s: Record<string, number>) => ({
  mfu: mhaPairFlops(s.heads, s.head_dim) * Math.min(n(v, 'kv_len'), s.window ?? Infinity) * n(v, 'batch_size'),
})

/** MHA/GQA prefill, causal: half of 4 * H * hd * S^2; a sliding window: causal over the first window, then `window` keys a query. */
export const mhaPrefillFlops = (v: Values, s: Record<string, number>) => ({
  mfu: s.window
    ? windowedPrefillFlops(n(v, 'seq_len'), s.window, mhaPairFlops(s.heads, s.head_dim), CAUSAL_HALF)
    : causalPrefillFlops(n(v, 'seq_len'), mhaPairFlops(s.heads, s.head_dim), CAUSAL_HALF),
})

/** MLA decode, absorbed: 2*H*(r+rope)*kv + 2*kv*H*r per request. */
export const mlaDecodeFlops = (v: Values, s: Record<string, number>) => ({
  mfu: n(v, 'batch_size') * n(v, 'kv_len') * mlaAbsorbedPairFlops(s.heads, s.kv_lora_rank, s.qk_rope_head_dim),
})

/** MLA prefill, not absorbed, causal: half of S^2 * (2*H*(nope+rope) + 2*H*v); v defaults to nope. */
export const mlaPrefillFlops = (v: Values, s: Record<string, number>, hints?: Record<string, number>) => {
  const vDim = hints?.v_head_dim ?? s.qk_nope_head_dim
  return {mfu: causalPrefillFlops(n(v, 'seq_len'), mlaExpandedPairFlops(s.heads, s.qk_nope_head_dim, s.qk_rope_head_dim, vDim), CAUSAL_HALF)}
}

/**
 * Grouped GEMM (MoE experts on one GPU): tokens x topk token-expert pairs,
 * up (gate+up) 2*D*2I each and down 2*D*I each (2*D*I*m*k*3 in all, the simulator's MoE count).
 */
export function groupedGemmFlops(tokensColumn: string) {
  return (v: Values) => {
    const pairs = n(v, tokensColumn) * n(v, 'topk')
    const perPair = 2 * n(v, 'hidden_size') * n(v, 'intermediate_size')
    return {up_mfu: pairs * perPair * 2, down_mfu: pairs * perPair}
  }
}

/** DSA value width: the latent rank, qk dim minus its 64 rope dims (DeepSeek-V3.2). */
const dsaValueDim = (s: Record<string, number>) => s.head_dim - 64

/** DSA sparse attention decode: each query attends top-k keys: 2*H*topk*(d_qk + d_v) per request (the absorbed MLA pair). */
export const dsaAttnDecodeFlops = (v: Values, s: Record<string, number>) => ({
  mfu: n(v, 'batch_size') * s.heads * s.topk * 2 * (s.head_dim + dsaValueDim(s)),
})

export const dsaAttnPrefillFlops = (v: Values, s: Record<string, number>) => ({
  mfu: n(v, 's_q') * s.heads * s.topk * 2 * (s.head_dim + dsaValueDim(s)),
})

/** DSA indexer logits decode: 2*H*d*s_kv per query token (next_n tokens per request). */
export const dsaLogitsDecodeFlops = (v: Values, s: Record<string, number>) => ({
  mfu: 2 * n(v, 'batchsize') * n(v, 'next_n') * s.heads * s.head_dim * n(v, 's_kv'),
})

/** DSA indexer logits prefill, causal: the s_q new tokens are the last of s_kv, each sees s_kv - s_q/2 keys on average. */
export const dsaLogitsPrefillFlops = (v: Values, s: Record<string, number>) => ({
  mfu: 2 * s.heads * s.head_dim * n(v, 's_q') * (n(v, 's_kv') - n(v, 's_q') / 2),
})
