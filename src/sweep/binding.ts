/** When nothing meets the targets: which constraint binds (memory, TTFT, TPOT) and how close the nearest point came. */
import type {SweepAggregator} from './aggregate.js'
import type {CommandContext} from './command-line.js'
import type {Binding, TopDeployment} from './result.js'
import {RESERVED_GIB} from '../cost/kvcache.js'
import {weightsDoNotFit} from '../sim/validate.js'
import type {Layout, LayoutProblems, MemoryShortfall} from './types.js'
import {layoutLabel, pointView} from './views.js'

const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(2))

function memoryBinding(closest: MemoryShortfall, ctx: CommandContext): Binding {
  const context = ctx.workload.isl + ctx.workload.osl
  const where = `${closest.gpu} x${closest.worldSize} tp${closest.tp} ${closest.weights}`
  const short = `${(-closest.freeGiB).toFixed(1)} GiB short of ${closest.memGiB} GiB`
  const why =
    closest.weightsGiB > closest.availableGiB
      ? `${weightsDoNotFit(closest.weightsGiB, closest.availableGiB, `${closest.memGiB} GB less the ${RESERVED_GIB} GB runtime reserve`)}. Closest: ${where}, ${short}; ` +
        'allow more GPUs (--max-gpus) or a smaller weight format'
      : `weights, the ${RESERVED_GIB} GiB runtime reserve and one request's KV cache (${context} tokens) need more than the GPU has. Closest: ${where}, ${short}; ` +
        'allow more GPUs (--max-gpus), a smaller weight format or shorter sequences'
  return {constraint: 'memory', message: `memory: no layout fits: ${why}`, nearest: {value: -closest.freeGiB, target: 0}}
}

/** No candidate layout was left to try: the tensor-parallel sizes match no world size, or heads do not divide. */
function layoutBinding(p: LayoutProblems): Binding {
  const reasons: string[] = []
  if (p.unmatchedTps.length > 0) {
    const tps = p.unmatchedTps.join(', ')
    reasons.push(
      `tp ${tps} equals no world size searched (${p.worldSizes.join(', ')}): a tensor-parallel replica spans tp GPUs; add it with --world-sizes or choose tp among the world sizes`,
    )
  }
  reasons.push(...p.divisibility)
  if (reasons.length === 0) reasons.push('the space holds no candidate layout (check --world-sizes, --tp and --min-gpus)')
  return {constraint: 'layout', message: `layout: no layout to simulate: ${reasons.join('; ')}`}
}

export function bindingConstraints(
  agg: SweepAggregator,
  layouts: readonly Layout[],
  top: readonly TopDeployment[],
  space: {closestMemory?: MemoryShortfall; problems: LayoutProblems},
  ctx: CommandContext,
): Binding[] {
  if (layouts.length === 0) return [space.closestMemory ? memoryBinding(space.closestMemory, ctx) : layoutBinding(space.problems)]
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
