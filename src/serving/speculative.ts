/**
 * Speculative decoding (--mtp, --accept-length), in serving and in the static
 * decode step alike (src/serving/mean-field.ts draftKernelSeconds): each step a
 * draft proposes k tokens per decoding request, one after the other, and the
 * model verifies all k + 1 positions in one forward; a request keeps the
 * accepted drafts and one token of the model's own, L tokens a step on
 * average (the acceptance length engines report: vLLM's "mean acceptance
 * length", SGLang's "accept len", TensorRT-LLM's "acceptance length").
 *
 * The draft is one decoder layer and the LM head: DeepSeek-V3/R1's and
 * GLM-5's multi-token-prediction layer (num_nextn_predict_layers), Qwen3.5's
 * (mtp_num_hidden_layers), or an EAGLE-style head of one layer for a model
 * that ships none. Its cost is the model's average layer at the draft's
 * tokens, read from the same step model as the rest (src/serving/step-cost.ts).
 */
import {usageError} from '../errors.js'
import type {ModelSpec} from '../model/types.js'

export interface Speculative {
  /** Draft tokens proposed per request and step (--mtp). */
  draftTokens: number
  /** Tokens a step gives a decoding request on average, its own included (--accept-length): from 1 to draftTokens + 1. */
  acceptLength: number
  /** Whether the acceptance length was given or assumed from DRAFT_ACCEPTANCE. */
  acceptLengthFrom: 'given' | 'assumed'
}

/**
 * The chance that a draft token is accepted when the ones before it were,
 * assumed where no --accept-length is given. DeepSeek-V3's report measures
 * 85-90% for its one MTP token on its own evaluation prompts; benchmarks of
 * random prompts accept fewer, and later drafts of a chained MTP layer fewer
 * again. With 0.7, k = 1, 2, 3 give L = 1.7, 2.19, 2.53.
 */
export const DRAFT_ACCEPTANCE = 0.7

/**
 * Mean tokens a step gives a request when each draft token is accepted with
 * probability `p` given the ones before it: 1 + p + p^2 + ... + p^k.
 *
 * @example
 * acceptLengthOf(3, 0.7) // 2.533
 * acceptLengthOf(1, 0.9) // 1.9
 */
export function acceptLengthOf(draftTokens: number, p: number): number {
  let sum = 1
  for (let i = 1, term = 1; i <= draftTokens; i++) sum += term *= p
  return sum
}

/** Checks --mtp and --accept-length and gives the speculative decoding they describe; undefined without --mtp (or --mtp 0). */
export function speculativeOf(draftTokens: number | undefined, acceptLength: number | undefined): Speculative | undefined {
  if (draftTokens === undefined || draftTokens === 0) {
    if (acceptLength !== undefined) throw usageError('--accept-length needs --mtp: the draft tokens each step proposes')
    return undefined
  }
  if (!(Number.isInteger(draftTokens) && draftTokens > 0 && draftTokens <= 16)) throw usageError(`--mtp is the draft tokens a step proposes per request, a whole number from 1 to 16; got ${draftTokens}`)
  if (acceptLength === undefined) return {draftTokens, acceptLength: acceptLengthOf(draftTokens, DRAFT_ACCEPTANCE), acceptLengthFrom: 'assumed'}
  if (!(acceptLength >= 1 && acceptLength <= draftTokens + 1)) {
    throw usageError(`--accept-length is the tokens a step gives a request on average, its own included: from 1 to --mtp + 1 (${draftTokens + 1}); got ${acceptLength}`)
  }
  return {draftTokens, acceptLength, acceptLengthFrom: 'given'}
}

/** Speculative decoding as a prediction ran it: which draft. */
export interface SpeculativeRun extends Speculative {
  /** The checkpoint's multi-token-prediction layer, or a head of one layer for a checkpoint that ships none. */
  draft: 'mtp-layer' | 'one-layer-head'
}

/**
 * What the draft layer adds to what one GPU holds: one layer's weights, at the
 * model's average per layer, as a share of the model's; and the KV cache one
 * full-attention layer keeps per token (a DSA layer's with its indexer key),
 * bytes. The draft is a full-attention layer whatever the model's others
 * are: on a hybrid model (12 of 48 layers full attention) it adds a twelfth
 * to the KV cache, not a forty-eighth. Nothing without speculative decoding.
 *
 * @example
 * draftLayerMemory({draftTokens: 1}, 61, 576) // {weightShare: 1 / 61, kvBytesPerToken: 576}
 * draftLayerMemory(undefined, 61, 576) // {weightShare: 0, kvBytesPerToken: 0}
 */
export const draftLayerMemory = (s: Pick<Speculative, 'draftTokens'> | undefined, layers: number, fullLayerKvBytesPerToken: number): DraftMemory =>
  s ? {weightShare: 1 / layers, kvBytesPerToken: fullLayerKvBytesPerToken} : NO_DRAFT

/** What a speculative draft layer adds to one GPU's memory (draftLayerMemory). */
export interface DraftMemory {
  /** Weights, as a share of the model's layers'. */
  weightShare: number
  /** KV cache per token of a request, bytes. */
  kvBytesPerToken: number
}

export const NO_DRAFT: DraftMemory = {weightShare: 0, kvBytesPerToken: 0}

/**
 * A forward's layers for the engine's per-layer overheads with `draftLayers`
 * forwards of the draft's one layer beside them: their small kernels launch
 * as the model's layers' do (a MoE model's draft layer is a MoE layer).
 *
 * @example
 * withDraftLayers({layers: 61, moeLayers: 58}, 3) // {layers: 64, moeLayers: 61}
 */
export function withDraftLayers<F extends {layers: number; moeLayers: number}>(f: F, draftLayers: number): F {
  return draftLayers > 0 ? {...f, layers: f.layers + draftLayers, moeLayers: f.moeLayers > 0 ? f.moeLayers + draftLayers : 0} : f
}

/** The speculative decoding of a model's prediction. */
export const speculativeRun = (model: Pick<ModelSpec, 'mtpLayers'>, s: Speculative): SpeculativeRun => ({...s, draft: model.mtpLayers ? 'mtp-layer' : 'one-layer-head'})

/**
 * The draft tokens and the acceptance length, in words.
 *
 * @example
 * speculativeText({draftTokens: 3, acceptLength: 2.4, acceptLengthFrom: 'given'}) // "3 draft tokens a step; 2.4 tokens a step per request (--accept-length)"
 */
export function speculativeText(s: Speculative, by = ''): string {
  const accepted = s.acceptLengthFrom === 'given' ? '--accept-length' : `assumed: each draft accepted with probability ${DRAFT_ACCEPTANCE} after the ones before it`
  return `${s.draftTokens} draft token${s.draftTokens === 1 ? '' : 's'} a step${by}; ${+s.acceptLength.toFixed(2)} tokens a step per request (${accepted})`
}

/**
 * What the draft is and what it gives, in words, for the reports.
 *
 * @example
 * draftText({draftTokens: 1, acceptLength: 1.8, acceptLengthFrom: 'given', draft: 'mtp-layer'})
 * // "1 draft token a step by the checkpoint's multi-token-prediction layer; 1.8 tokens a step per request (--accept-length)"
 */
export function draftText(s: SpeculativeRun): string {
  const draft = s.draft === 'mtp-layer' ? "the checkpoint's multi-token-prediction layer" : 'a draft head of one layer (the checkpoint ships no multi-token-prediction layer)'
  return speculativeText(s, ` by ${draft}`)
}
