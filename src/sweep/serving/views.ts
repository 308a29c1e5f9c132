/** Result views of serving units and the `infersim simulate --serving` line that reproduces a point. */
import type {SpeculativeRun} from '../../serving/speculative.js'
import type {WeightQuant} from '../../model/types.js'
import {joinArgs, layoutArgs, mtpArgs, simulateHead, type CommandContext} from '../command-line.js'
import type {ServingLayout, UnitKind} from './types.js'

export interface ServingLayoutView {
  gpu: string
  engine: string
  kind: UnitKind
  /** GPUs of one unit. */
  worldSize: number
  nodes: number
  /** Attention tensor-parallel size. */
  tp: number
  /** Attention replicas (DP ranks) of one unit. */
  dp: number
  /** Expert parallelism and MoE tensor parallelism (MoE models). */
  moeEp: number
  moeTp: number
  weights: WeightQuant
  fp8Kv: boolean
  deepep: boolean
}

export interface ServingCommandContext extends Pick<CommandContext, 'model' | 'gpuSpec' | 'benchData' | 'profile'> {
  gpuNames: string[]
  engineNames: string[]
  /** By engine: whether its reproducing line asks for chunked prefill, which its file leaves off and the sweep's launch turns on. */
  chunkedPrefill?: boolean[]
  /** --engine-dir as given, when not the bundled engines. */
  engineDir?: string
  isl: number
  osl: number
  moe: boolean
  /** --opening-wave as given. */
  openingWave?: number
  /** --cuda-graph-batches as given. */
  cudaGraphBatchSizes?: number[]
  /** --mtp and --accept-length as given (an assumed acceptance length is not written out), with the model's draft the launch commands turn on. */
  speculative?: SpeculativeRun
}

export function servingLayoutView(l: ServingLayout, ctx: Pick<ServingCommandContext, 'gpuNames' | 'engineNames' | 'moe'>): ServingLayoutView {
  const moeEp = !ctx.moe ? 1 : l.kind === 'dp-ep' ? l.worldSize : l.moeEp
  return {
    gpu: ctx.gpuNames[l.gpu],
    engine: ctx.engineNames[l.engine],
    kind: l.kind,
    worldSize: l.worldSize,
    nodes: l.nodes,
    tp: l.tp,
    dp: l.ranks,
    moeEp,
    moeTp: ctx.moe ? l.worldSize / moeEp : 1,
    weights: l.weights.resolved,
    fp8Kv: l.fp8Kv,
    deepep: l.deepep,
  }
}

/** "H200-SXM TP8 (MoE EP4 x TP2) fp8 kv-fp8" or "H200-SXM x16 (2 nodes) DP16 attention + EP16 MoE, DeepEP, fp8". */
export function servingLayoutLabel(v: ServingLayoutView): string {
  const gpus = `${v.gpu}${v.worldSize > 1 ? ` x${v.worldSize}` : ''}${v.nodes > 1 ? ` (${v.nodes} nodes)` : ''}`
  let shape: string
  if (v.kind === 'dp-ep') shape = `DP${v.dp} attention + EP${v.moeEp} MoE${v.deepep ? ' DeepEP' : ''}`
  else {
    const moe = v.moeEp > 1 || v.moeTp > 1 ? ` (MoE ${v.moeEp > 1 ? `EP${v.moeEp}` : ''}${v.moeEp > 1 && v.moeTp > 1 ? ' x ' : ''}${v.moeTp > 1 ? `TP${v.moeTp}` : ''})` : ''
    shape = `TP${v.tp}${moe}`
  }
  return [gpus, shape, v.weights, ...(v.fp8Kv ? ['kv-fp8'] : [])].join(' ')
}

/** The `infersim simulate --serving` line whose serving figures are the point's (one unit at this load). */
export function servingSimulateCommand(ctx: ServingCommandContext, l: ServingLayout, budget: number, concurrency: number): string {
  const args = [...simulateHead(ctx, ctx.gpuNames[l.gpu]), ...layoutArgs({...l, tbo: false})]
  args.push('--isl', ctx.isl, '--osl', ctx.osl, '--max-prefill-tokens', budget, '--serving', '--concurrency', concurrency, '--engine', ctx.engineNames[l.engine])
  if (ctx.engineDir) args.push('--engine-dir', ctx.engineDir)
  if (ctx.chunkedPrefill?.[l.engine]) args.push('--chunked-prefill')
  if (l.moeEp > 1) args.push('--moe-ep', l.moeEp)
  if (ctx.openingWave !== undefined) args.push('--opening-wave', ctx.openingWave)
  if (ctx.cudaGraphBatchSizes !== undefined) args.push('--cuda-graph-batches', ctx.cudaGraphBatchSizes.join(','))
  if (ctx.speculative) args.push(...mtpArgs(ctx.speculative))
  return joinArgs(args)
}
