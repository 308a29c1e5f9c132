/**
 * Features of a simulated row for the linear error model, each a share of
 * time in [0, 1]. Chosen because each names a part of the model that is
 * known to be rough:
 * - overhead: the fixed per-forward scheduler overhead (30 ms prefill, 5 ms
 *   decode, from SGLang) over the latency; engines differ (TensorRT-LLM's is
 *   far smaller), so rows dominated by it carry its error.
 * - comm: communication-bound step time, from bytes / derated bandwidth with
 *   no latency term and no overlap beyond TBO.
 * - memory: memory-bound step time (weights and KV loading at a fixed
 *   bandwidth efficiency).
 * - fallback: step time whose MFU is a fallback (no measured kernel table).
 * Step shares use one layer's steps, each once (not weighed by the layers that run it, as the
 * breakdown's shares are): the shipped fit's features were measured so.
 */
import type {PhaseResult} from '../sim/result.js'
import type {FeatureName, Features} from './types.js'

export const FEATURE_NAMES: readonly FeatureName[] = ['overhead', 'comm', 'memory', 'fallback']

export function phaseFeatures(p: PhaseResult): Features {
  let total = 0
  let comm = 0
  let memory = 0
  let fallback = 0
  for (const s of p.steps) {
    if (!(s.seconds > 0)) continue
    total += s.seconds
    if (s.bound === 'communication') comm += s.seconds
    if (s.bound === 'memory') memory += s.seconds
    if (s.mfu?.kind === 'fallback') fallback += s.seconds
  }
  const share = (x: number) => (total > 0 ? x / total : 0)
  return {
    overhead: p.latencyMs > 0 ? p.overheadMs / p.latencyMs : 0,
    comm: share(comm),
    memory: share(memory),
    fallback: share(fallback),
  }
}

/** Features of a run made of two parts, weighted by each part's share of the time. */
export function mixFeatures(a: Features, aWeight: number, b: Features): Features {
  const out = {} as Features
  for (const f of FEATURE_NAMES) out[f] = aWeight * a[f] + (1 - aWeight) * b[f]
  return out
}
