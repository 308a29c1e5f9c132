/** When nothing meets the targets: which one binds (memory, TTFT, TPOT, both together, the GPU budget) and how close the nearest deployment came. */
import type {ServingAggregator} from './aggregate.js'
import type {DisaggOutcome} from './disaggregated.js'
import type {ServingBinding} from './result.js'
import type {ServingLayout, ServingPoint, ServingTargets} from './types.js'
import {servingLayoutLabel, servingLayoutView, type ServingCommandContext} from './views.js'

const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(2))

export interface BindingInput {
  agg?: ServingAggregator
  disagg?: DisaggOutcome
  layouts: readonly ServingLayout[]
  targets: ServingTargets
  cmd: ServingCommandContext
  maxGpus: number
  memoryMessage?: string
}

export function servingBindings(b: BindingInput): ServingBinding[] {
  const out: ServingBinding[] = []
  const t = b.targets
  const where = (p: ServingPoint) =>
    `${b.cmd.engineNames[b.layouts[p.layout].engine]} ${servingLayoutLabel(servingLayoutView(b.layouts[p.layout], b.cmd))}, ${p.concurrency} requests per replica, budget ${p.budget}`
  if (b.agg) {
    if (b.layouts.length === 0) {
      out.push({constraint: 'memory', message: `memory: no serving unit fits${b.memoryMessage ? ` (${b.memoryMessage})` : ''}; allow more GPUs (--max-gpus), a smaller weight format or shorter sequences`})
    } else {
      const a = b.agg
      let latencyReachable = true
      for (const [name, target, p, get] of [
        ['TTFT', t.ttftMax, a.fastestTtft, (q: ServingPoint) => q.ttftMs],
        ['TPOT', t.tpotMax, a.fastestTpot, (q: ServingPoint) => q.tpotMs],
      ] as const) {
        if (target === undefined || !p || get(p) <= target) continue
        latencyReachable = false
        out.push({
          constraint: name === 'TTFT' ? 'ttft' : 'tpot',
          message: `${name}: no deployment reaches ${name} <= ${target} ms; the fastest comes to ${ms(get(p))} ms (${(get(p) / target).toFixed(2)}x the target) with ${where(p)}`,
        })
      }
      if (latencyReachable && a.nearestBoth && a.nearestBoth.ratio > 1) {
        const p = a.nearestBoth.point
        out.push({
          constraint: 'both',
          message: `TTFT and TPOT: each target is met by some deployment but none meets both; the closest is ${where(p)} with TTFT ${ms(p.ttftMs)} ms and TPOT ${ms(p.tpotMs)} ms (${a.nearestBoth.ratio.toFixed(2)}x a target)`,
        })
      } else if (latencyReachable && a.fewestGpus) {
        const s = t.sustain
        const what = s.kind === 'rate' ? `${s.requestsPerSecond} requests/s` : s.kind === 'concurrency' ? `${s.requests} concurrent requests` : 'the deployment'
        out.push({
          constraint: 'gpus',
          message: `GPU budget: sustaining ${what} within the latency targets needs at least ${a.fewestGpus.gpus} GPUs (${where(a.fewestGpus.point)}), above --max-gpus ${b.maxGpus}`,
        })
      }
    }
  }
  if (b.disagg && b.disagg.bests.length === 0) {
    const d = b.disagg
    const parts: string[] = []
    if (t.ttftMax !== undefined && d.fastestPrefillMs !== undefined && d.fastestPrefillMs > t.ttftMax) parts.push(`the fastest prefill with its KV transfer takes ${ms(d.fastestPrefillMs)} ms, above TTFT ${t.ttftMax} ms`)
    if (t.tpotMax !== undefined && d.fastestDecodeMs !== undefined && d.fastestDecodeMs > t.tpotMax) parts.push(`the fastest decode step takes ${ms(d.fastestDecodeMs)} ms, above TPOT ${t.tpotMax} ms`)
    if (parts.length === 0) parts.push('no pair of prefill and decode instances fits the GPU budget and what must be sustained')
    out.push({constraint: 'disaggregated', message: `disaggregated: ${parts.join('; ')}`})
  }
  return out
}
