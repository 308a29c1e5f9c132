/** Per-step breakdown of a phase: time per layer, share, what bounds it, where its MFU came from. */
import {stepForwardSeconds, stepLayerSeconds, type PhaseResult, type Step} from '../sim/result.js'
import type {Provenance} from '../tables/types.js'

export const STEP_NAMES: Record<string, string> = {
  'attn-core': 'attention core',
  'attn-core-window': 'sliding-window attention core',
  'qkv-proj': 'QKV projection',
  'o-proj': 'O projection',
  'q-down-proj': 'Q down projection',
  'q-up-proj': 'Q up projection',
  'kv-down-proj': 'KV down projection',
  'bmm-q-wk': 'bmm q*Wk',
  'bmm-o-wv': 'bmm o*Wv',
  'dsa-indexer': 'DSA indexer (logits)',
  'linear-core': 'linear attention core',
  'qkvzba-proj': 'qkvzba projection',
  'linear-o-proj': 'linear O projection',
  ffn: 'routed experts / FFN',
  'shared-expert': 'shared experts',
  'dense-ffn': 'dense-layer FFN',
  'comm-before': 'comm before FFN/MoE',
  'comm-after': 'comm after FFN/MoE',
  'tp-allreduce': 'TP all-reduce',
  'lm-head': 'LM head (per forward / L)',
  'attn-core-prefill': 'prefill attention core',
  'attn-core-window-prefill': 'prefill sliding-window attention core',
  'dsa-indexer-prefill': 'prefill DSA indexer',
  'linear-core-prefill': 'prefill linear attention core',
}

export interface BreakdownRow {
  id: string
  name: string
  microseconds: number
  share: number
  bound: Step['bound']
  mfu?: number
  provenance?: string
}

export function describeProvenance(p: Provenance): string {
  const where = p.table ? `${p.table}${p.lines.length ? `:${p.lines.join(',')}` : ''}` : ''
  return [p.kind, where, p.kind === 'fallback' ? p.note : ''].filter(Boolean).join(' ')
}

/**
 * Steps of one layer with their time in a layer that runs them (a prefill core runs once per prompt),
 * and their share of the forward's step time (weighed by the layers that run them: a MoE model's dense
 * layers are a few of its layers).
 */
export function breakdown(phase: PhaseResult): BreakdownRow[] {
  const steps = phase.steps.map((s, i) => ({s, forward: stepForwardSeconds(s, phase.stepLayerShares?.[i])})).filter(({s}) => s.seconds > 0)
  const total = steps.reduce((a, x) => a + x.forward, 0) || 1
  return steps.map(({s, forward}) => ({
    id: s.id,
    name: STEP_NAMES[s.id] ?? s.id,
    microseconds: stepLayerSeconds(s) * 1e6,
    share: forward / total,
    bound: s.bound,
    mfu: s.mfu && s.id !== 'linear-core' ? s.mfu.value : undefined,
    provenance: s.mfu ? describeProvenance(s.mfu) : s.source ? describeProvenance(s.source) : undefined,
  }))
}

/** The step that takes the most time and what bounds the phase overall. */
export function dominantBound(phase: PhaseResult): {bound: Step['bound']; share: number} {
  const shares = new Map<Step['bound'], number>()
  for (const row of breakdown(phase)) shares.set(row.bound, (shares.get(row.bound) ?? 0) + row.share)
  let best: Step['bound'] = 'compute'
  let bestShare = -1
  for (const [b, s] of shares) if (s > bestShare) [best, bestShare] = [b, s]
  return {bound: best, share: bestShare}
}
