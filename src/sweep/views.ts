/** Result views of layouts and points (plain data with the reproducing command line). */
import {simulateCommand, type CommandContext} from './command-line.js'
import type {FrontierPoint, LayoutView} from './result.js'
import type {Layout, SweepPoint} from './types.js'

export function layoutView(layout: Layout, gpuNames: string[]): LayoutView {
  return {
    gpu: gpuNames[layout.gpu],
    worldSize: layout.worldSize,
    nodes: layout.nodes,
    tp: layout.tp,
    weights: layout.weights.resolved,
    fp8Kv: layout.fp8Kv,
    deepep: layout.deepep,
    tbo: layout.tbo,
  }
}

export function pointView(p: SweepPoint, layouts: readonly Layout[], ctx: CommandContext): FrontierPoint {
  const layout = layouts[p.layout]
  return {
    layout: layoutView(layout, ctx.gpuNames),
    phase: p.phase,
    value: p.value,
    latencyMs: p.latencyMs,
    tgs: p.tgs,
    ...(p.phase === 'decode' ? {userTps: 1000 / p.latencyMs} : {}),
    command: simulateCommand(ctx, layout, p.phase === 'prefill' ? {prefillTokens: p.value} : {decodeBatch: p.value}),
  }
}

/** Short text form of a layout: "H800 x128 (16 nodes) tp1 fp8 kv-fp8 deepep tbo". */
export function layoutLabel(v: LayoutView): string {
  const parts = [`${v.gpu} x${v.worldSize}${v.nodes > 1 ? ` (${v.nodes} nodes)` : ''}`, v.tp > 1 ? `TP${v.tp}` : v.worldSize > 1 ? 'DP+EP' : 'tp1', v.weights]
  if (v.fp8Kv) parts.push('kv-fp8')
  if (v.deepep) parts.push('DeepEP')
  if (v.tbo) parts.push('TBO')
  return parts.join(' ')
}
