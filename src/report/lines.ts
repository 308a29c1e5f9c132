/**
 * The reference report as a list of entries (the sections and labels the
 * reference prints, figures to 2 decimals): the text view prints
 * them, the parity tests compare them with the reference's printed figures.
 */
import {GiB, MiB} from '../cost/units.js'
import type {PhaseResult, SimResult, Step} from '../sim/result.js'
import {stepById} from '../sim/result.js'
import {pyFixed} from '../util/pyformat.js'

export type ReportEntry =
  | {kind: 'title'; text: string}
  | {kind: 'section'; text: string}
  | {kind: 'line'; label: string; value: string; step?: Step}
  | {kind: 'error'; text: string}

const f2 = (x: number) => pyFixed(x, 2)
const us = (s: number | undefined) => f2((s ?? 0) * 1e6)
const line = (label: string, value: string | number, step?: Step): ReportEntry => ({kind: 'line', label, value: String(value), step})

export function reportEntries(r: SimResult): ReportEntry[] {
  const d = r.deployment
  const hybrid = r.model.hybrid
  const out: ReportEntry[] = [
    {kind: 'title', text: 'Simulator Result'},
    line('Device type:', r.gpu),
    line('World size:', d.worldSize),
    line('TP size:', d.tp),
    line('Attn type:', r.model.attention),
    line('Use FP8 GEMM:', d.fp8Gemm ? 1 : 0),
    line('Use FP8 KV:', d.fp8Kv ? 1 : 0),
  ]
  if (hybrid) out.push(line('Model type:', 'HybridModel'))
  out.push({kind: 'section', text: 'Model Weights'})
  const w = r.weights
  if (hybrid) {
    out.push(line('One full attn params size (MB):', f2(w.attentionBytes / MiB)))
    out.push(line('One linear attn params size (MB):', f2(w.linearAttentionBytes / MiB)))
  } else {
    out.push(line('One attn params size (MB):', f2(w.attentionBytes / MiB)))
  }
  out.push(line('One expert params size (MB):', f2(w.expertBytes / MiB)))
  out.push(line('Per GPU params size (GB):', f2(w.perGpuBytes / GiB)))

  const kv = r.kvCache
  out.push({kind: 'section', text: 'KV Cache'})
  out.push(line('KV cache space (GB):', f2(kv.spaceGiB)))
  out.push(line('Input seq len:', d.isl))
  out.push(line('Output seq len:', d.osl))
  out.push(line('Target decode batchsize:', kv.batch))
  if (hybrid) {
    out.push(line('Target per-req KV cache size (MB):', f2(kv.budgetBytes / MiB)))
    out.push(line('Current per-req full attn KV cache size (MB):', f2((kv.perRequestKvBytes ?? 0) / MiB)))
    out.push(line('Current per-req states size (MB):', f2((kv.perRequestStateBytes ?? 0) / MiB)))
    out.push(line('Current per-req cache size (MB):', f2(kv.neededBytes / MiB)))
  } else {
    out.push(line('Target per-token KV cache size (KB):', f2(kv.budgetBytes / 1024)))
    out.push(line('Current per-token KV cache size (KB):', f2(kv.neededBytes / 1024)))
  }
  // Before the reference's line: when the weights alone do not fit, a smaller KV cache would not help.
  const weights = r.warnings.find((w) => w.code === 'weights-do-not-fit' || w.code === 'weights-over-reserve')
  if (weights) out.push({kind: 'error', text: `!Error: ${weights.message}`})
  if (!kv.fits) out.push({kind: 'error', text: '!Error: need smaller kvcache'})

  const fl = r.flops
  const core = hybrid ? 'full attn core' : 'attn core'
  out.push({kind: 'section', text: 'FLOPs'})
  out.push(line('Num hidden layers:', r.model.layers))
  out.push(line(`Per-token per-layer ${core} (GFLOPs):`, f2(fl.perLayer.attentionCore)))
  out.push(line('Per-token per-layer MoE/FFN (GFLOPs):', f2(fl.perLayer.ffn)))
  out.push(line('Per-token per-layer others (GFLOPs):', f2(fl.perLayer.others)))
  out.push(line(`Per-token ${core} (GFLOPs):`, f2(fl.perToken.attentionCore)))
  out.push(line('Per-token MoE (GFLOPs):', f2(fl.perToken.ffn)))
  out.push(line('Per-token others (GFLOPs):', f2(fl.perToken.others)))
  out.push(line('Per-token total (GFLOPs):', f2(fl.perToken.total)))

  if (r.prefill) out.push(...phaseEntries(r, r.prefill))
  if (r.decode) out.push(...phaseEntries(r, r.decode))
  return out
}

const PROJECTION_LABELS: Record<string, string> = {
  'qkv-proj': 'QKV_proj',
  'o-proj': 'O_proj',
  'q-down-proj': 'Q_down_proj',
  'q-up-proj': 'Q_up_proj',
  'kv-down-proj': 'KV_down_proj',
  'bmm-q-wk': 'bmm_q_wk',
  'bmm-o-wv': 'bmm_o_wv',
  'qkvzba-proj': 'qkvzba_proj',
  'linear-o-proj': 'O_proj',
}

function phaseEntries(r: SimResult, p: PhaseResult): ReportEntry[] {
  const prefill = p.phase === 'prefill'
  const out: ReportEntry[] = [{kind: 'section', text: prefill ? 'Prefilling' : 'Decoding'}]
  if (prefill) out.push(line('Max prefill tokens:', r.deployment.maxPrefillTokens))
  const core = stepById(p, 'attn-core')!
  out.push(line('Attn core MFU:', f2(core.mfu!.value), core))
  out.push(line('Attn core latency (us):', us(core.computeSeconds), core))
  out.push(line('KV loading latency (us):', us(core.memorySeconds), core))
  for (const s of p.steps) {
    if (s.id === 'linear-core') {
      out.push(line(prefill ? 'Linear Attn core latency (us):' : 'Linear attn core latency (us):', us(s.computeSeconds), s))
      out.push(line('States loading latency (us):', us(s.memorySeconds), s))
    } else if (PROJECTION_LABELS[s.id]) {
      out.push(line(`${PROJECTION_LABELS[s.id]} latency (us):`, us(s.seconds), s))
    }
  }
  const ffn = stepById(p, 'ffn')!
  const ffnLabel = prefill ? 'Routed experts' : 'Routed experts/FFN'
  out.push(line(`${ffnLabel} MFU:`, f2(ffn.mfu!.value), ffn))
  out.push(line(`${ffnLabel} latency (us):`, us(ffn.computeSeconds), ffn))
  out.push(line('Experts loading latency (us):', us(ffn.memorySeconds), ffn))
  const shared = stepById(p, 'shared-expert')
  if (shared) out.push(line('Shared expert latency (us):', us(shared.seconds), shared))
  const dense = stepById(p, 'dense-ffn')
  if (dense) out.push(line('Dense layer FFN latency (us):', us(dense.seconds), dense))
  const before = stepById(p, 'comm-before')!
  const after = stepById(p, 'comm-after')!
  out.push(line('Comm before MoE/FFN (us):', us(before.seconds), before))
  out.push(line('Comm after MoE/FFN (us):', us(after.seconds), after))
  // With the layout's collectives the TP all-reduces are the comm lines above; the reference prints its own.
  const tpAllReduce = stepById(p, 'tp-allreduce')
  if (r.deployment.tp > 1 && tpAllReduce) out.push(line('TP all_reduce (us):', us(tpAllReduce.seconds), tpAllReduce))
  const spec = p.speculative
  if (spec && prefill) out.push(line('Draft layer latency (ms):', f2(spec.draftMs)))
  else if (spec) {
    out.push(line('Verify latency (ms):', f2(spec.verifyMs)))
    out.push(line('Draft latency (ms):', f2(spec.draftMs)))
    out.push(line('Draft and verify step (ms):', f2(spec.stepMs)))
    out.push(line('Tokens per step per request:', f2(spec.acceptLength)))
  }
  out.push(line(prefill ? 'TTFT (ms):' : 'TPOT (ms):', f2(p.latencyMs)))
  out.push(line('Throughput (TGS:tok/GPU/s):', pyFixed(p.tgs, 0)))
  if (!prefill && p.meetsSlo === false) out.push({kind: 'error', text: '!Error: TPOT > SLO, need smaller GFLOPs to speedup'})
  return out
}
