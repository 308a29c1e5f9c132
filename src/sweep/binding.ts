/** When nothing meets the targets: which constraint binds (memory, TTFT, TPOT) and how close the nearest point came. */
import type {SweepAggregator} from './aggregate.js'
import type {CommandContext} from './command-line.js'
import type {Binding, TopDeployment} from './result.js'
import type {Layout, MemoryShortfall} from './types.js'
import {layoutLabel, pointView} from './views.js'

const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(2))

function memoryBinding(closest: MemoryShortfall | undefined, ctx: CommandContext): Binding {
  const context = ctx.workload.isl + ctx.workload.osl
  if (!closest) return {constraint: 'memory', message: 'memory: no layout of the space fits (no candidate layout was left to try)'}
  return {
    constraint: 'memory',
    message:
      `memory: no layout fits: weights, the 20 GiB runtime reserve and one request's KV cache (${context} tokens) need more than the GPU has. ` +
      `Closest: ${closest.gpu} x${closest.worldSize} tp${closest.tp} ${closest.weights}, ${(-closest.freeGiB).toFixed(1)} GiB short of ${closest.memGiB} GiB; ` +
      'allow more GPUs (--max-gpus), a smaller weight format or shorter sequences',
    nearest: {value: -closest.freeGiB, target: 0},
  }
}

export function bindingConstraints(
  agg: SweepAggregator,
  layouts: readonly Layout[],
  top: readonly TopDeployment[],
  closest: MemoryShortfall | undefined,
  ctx: CommandContext,
): Binding[] {
  if (layouts.length === 0) return [memoryBinding(closest, ctx)]
  if (top.length > 0) return []
  const out: Binding[] = []
  const w = ctx.workload
  for (const [phase, target, name] of [
    ['prefill', w.ttftMax, 'ttft'],
    ['decode', w.tpotMax, 'tpot'],
  ] as const) {
    const fastest = agg.fastest[phase]
    if (target === undefined || !fastest || fastest.latencyMs <= target) continue
    const point = pointView(fastest, layouts, ctx)
    const label = name.toUpperCase()
    out.push({
      constraint: name,
      message:
        `${label}: no deployment reaches ${label} <= ${target} ms; the fastest comes to ${ms(fastest.latencyMs)} ms ` +
        `(${(fastest.latencyMs / target).toFixed(2)}x the target) with ${layoutLabel(point.layout)}, ${phase === 'prefill' ? `${fastest.value} prefill tokens` : `batch ${fastest.value}`}`,
      nearest: {value: fastest.latencyMs, target, point},
    })
  }
  if (out.length === 0) {
    out.push({
      constraint: 'both-phases',
      message: 'TTFT and TPOT: each target is met by some layout, but no single layout meets both; run the phases on separate instances (disaggregated serving, below)',
    })
  }
  return out
}
