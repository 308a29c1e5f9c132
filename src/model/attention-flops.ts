/**
 * FLOPs of attention cores: the one place the simulator, the FLOPs summary,
 * the table importers and the interpolation count them.
 *
 * Everything is built from the FLOPs of one query attending to one key on
 * `heads` heads (QK^T and PV, a multiply-add being two FLOPs):
 * - MHA/GQA: 4 * heads * headDim;
 * - MLA absorbed (the decode kernel: queries and values in the latent space):
 *   2 * heads * (rank + rope) + 2 * heads * rank;
 * - MLA expanded (prefill run as multi-head attention on the up-projected
 *   keys and values): 2 * heads * (nope + rope) + 2 * heads * v.
 *
 * A causal prefill of S tokens has S^2 (query, key) pairs of which about half
 * are computed: the simulator divides by CAUSAL_DISCOUNT (1.8, as the InferSim
 * project does, a kernel keeping part of the masked tiles), while the InferSim
 * kernel tables state their MFU with exactly half (2).
 */
import type {Attention} from './types.js'

/** What the simulator divides a full S x S prefill by for the causal mask. */
export const CAUSAL_DISCOUNT = 1.8
/** What measured prefill tables count: exactly half of the S x S pairs. */
export const CAUSAL_HALF = 2

export const mhaPairFlops = (heads: number, headDim: number) => 4 * heads * headDim

export const mlaAbsorbedPairFlops = (heads: number, kvLoraRank: number, rope: number) => 2 * heads * (kvLoraRank + rope) + 2 * heads * kvLoraRank

export const mlaExpandedPairFlops = (heads: number, nope: number, rope: number, vHeadDim: number) => 2 * heads * (nope + rope) + 2 * heads * vHeadDim

/** One query against one cached key in decode (MLA: the absorbed kernel). */
export function decodePairFlops(a: Attention, heads: number): number {
  return a.kind === 'mha' ? mhaPairFlops(heads, a.headDim) : mlaAbsorbedPairFlops(heads, a.kvLoraRank, a.qkRopeHeadDim)
}

/** One query against one key in prefill (MLA: expanded to multi-head form, not absorbed). */
export function prefillPairFlops(a: Attention, heads: number): number {
  return a.kind === 'mha' ? mhaPairFlops(heads, a.headDim) : mlaExpandedPairFlops(heads, a.qkNopeHeadDim, a.qkRopeHeadDim, a.vHeadDim)
}

/**
 * FLOPs of a causal prefill of `seqLen` tokens given the FLOPs of one pair.
 * @example causalPrefillFlops(10, 4) // 10 * 10 * 4 / 1.8 = 222.2...
 */
export const causalPrefillFlops = (seqLen: number, pairFlops: number, discount = CAUSAL_DISCOUNT) => (seqLen * seqLen * pairFlops) / discount

/**
 * FLOPs of a prefill of `seqLen` tokens in a sliding-window layer, each query
 * attending to at most the last `window` keys: causal over the first window,
 * then `window` keys a query.
 * @example windowedPrefillFlops(1000, 100, 4) // 100 * 100 * 4 / 1.8 + 900 * 100 * 4 = 382222.2...
 */
export const windowedPrefillFlops = (seqLen: number, window: number, pairFlops: number, discount = CAUSAL_DISCOUNT) =>
  seqLen <= window ? causalPrefillFlops(seqLen, pairFlops, discount) : causalPrefillFlops(window, pairFlops, discount) + (seqLen - window) * window * pairFlops
