/**
 * End-to-end static batch (TensorRT-LLM's throughput tables): B requests per
 * replica are prefilled (isl tokens each, in forwards of at most P tokens),
 * then decoded together for osl steps. Per replica of tp GPUs:
 *
 *   N          = B * isl                     prefill tokens
 *   k          = max(1, floor(min(P, N) / isl))  whole requests per simulated forward
 *   T_fwd      = TTFT_sim(k * isl tokens) - o_p  work of one simulated forward (o_p: prefill overhead per forward)
 *   T_prefill  = (N / (k * isl)) * T_fwd + ceil(N / P) * o_p
 *   T_decode   = osl * TPOT_sim(B, context isl + osl/2)
 *   output_tgs = B * osl / (T_prefill + T_decode) / tp
 *
 * Simulating whole requests keeps each request's attention core counted once
 * even when the engine chunks a long prompt (P < isl); the overhead is still
 * paid once per real forward.
 */
import type {PhaseResult, SimResult} from '../sim/result.js'
import {mixFeatures, phaseFeatures} from './features.js'
import type {Features} from './types.js'

export interface StaticBatchPlan {
  /** Requests per replica. */
  batch: number
  /** Tokens of one simulated prefill forward per replica (whole requests). */
  forwardTokens: number
}

export function staticBatchPlan(batch: number, isl: number, maxPrefillTokens: number): StaticBatchPlan {
  const total = batch * isl
  const perForward = Math.max(1, Math.floor(Math.min(maxPrefillTokens, total) / isl))
  return {batch, forwardTokens: perForward * isl}
}

export interface StaticBatchTimes {
  prefillMs: number
  decodeMs: number
  outputTgs: number
  features: Features
}

export function staticBatchTimes(
  r: SimResult & {prefill: PhaseResult; decode: PhaseResult},
  plan: StaticBatchPlan,
  maxPrefillTokens: number,
): StaticBatchTimes {
  const {isl, osl, tp} = r.deployment
  const total = plan.batch * isl
  const op = r.prefill.overheadMs
  const forwards = Math.ceil(total / maxPrefillTokens)
  const prefillWorkMs = (total / r.prefill.tokens) * (r.prefill.latencyMs - op)
  const prefillMs = prefillWorkMs + forwards * op
  const decodeMs = osl * r.decode.latencyMs
  const totalMs = prefillMs + decodeMs
  const mixed = mixFeatures(phaseFeatures(r.prefill), prefillMs / totalMs, phaseFeatures(r.decode))
  mixed.overhead = (forwards * op + osl * r.decode.overheadMs) / totalMs
  return {prefillMs, decodeMs, outputTgs: (plan.batch * osl) / (totalMs / 1000) / tp, features: mixed}
}
