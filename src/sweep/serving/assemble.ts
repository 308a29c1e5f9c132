/** Plain result views of aggregated and disaggregated deployments: figures with their bands, reproducing lines, launch commands. */
import type {Engine} from '../../engine.js'
import type {EngineLaunchSpec} from '../../io/launch-flags.js'
import {simulateCommand, type CommandContext} from '../command-line.js'
import type {Layout} from '../types.js'
import {layoutView} from '../views.js'
import type {PlannedPoint} from './aggregate.js'
import {highTokenRateWarning} from '../../serving/simulate.js'
import {bandsOf} from './band.js'
import type {DisaggPlan} from './disaggregated.js'
import {launchCommand, type LaunchUnit} from './launch.js'
import type {AggregatedPlan, DisaggregatedPlan} from './result.js'
import type {ServingLayout} from './types.js'
import {servingLayoutView, servingSimulateCommand, type ServingCommandContext} from './views.js'

export interface AssembleContext {
  cmd: ServingCommandContext
  engines: Engine[]
  specs: EngineLaunchSpec[]
  layouts: readonly ServingLayout[]
  /** The phase sweep's layouts and command context (disaggregated plans). */
  phaseLayouts: readonly Layout[]
  phaseCmd: CommandContext
}

export function aggregatedPlan(a: AssembleContext, {point: p, plan}: PlannedPoint): AggregatedPlan {
  const l = a.layouts[p.layout]
  const engine = a.engines[l.engine]
  const view = servingLayoutView(l, a.cmd)
  const unit: LaunchUnit = {kind: l.kind, worldSize: l.worldSize, nodes: l.nodes, tp: l.tp, dp: view.dp, moeEp: view.moeEp, moe: a.cmd.moe, weights: l.weights, fp8Kv: l.fp8Kv, deepep: l.deepep}
  return {
    mode: 'aggregated',
    engine: engine.name,
    layout: view,
    stepTokens: p.budget,
    concurrency: p.concurrency,
    units: plan.units,
    gpus: plan.gpus,
    totalConcurrency: plan.concurrency,
    requestsPerSecond: plan.requestsPerSecond,
    tokensPerSecond: plan.tgs * plan.gpus,
    figures: {
      ttftMs: p.ttftMs,
      tpotMs: p.tpotMs,
      userTps: 1000 / p.tpotMs,
      tgs: plan.tgs,
      band: bandsOf(engine.accuracy, p.ttftMs, p.tpotMs, a.cmd.osl, p.concurrency),
      ...(highTokenRateWarning(p.rankRps * a.cmd.osl) ? {ttftLikelyLow: true as const} : {}),
    },
    simulate: servingSimulateCommand(a.cmd, l, p.budget, p.concurrency),
    launch: launchCommand(engine.name, a.specs[l.engine], unit, {
      // A mean of 3.5 a rank still means a rank that admits 4 at times: the engine's limit is a whole number.
      maxRunning: Math.ceil(p.concurrency),
      stepTokens: p.budget,
      memoryFraction: engine.params.gpu_memory_fraction,
      units: plan.units,
      mixedChunk: engine.params.mixed_chunk,
      ...(a.cmd.speculative ? {speculative: a.cmd.speculative} : {}),
    }),
  }
}

/** A phase layout as the launch commands see it. */
function phaseUnit(l: Layout, moe: boolean): LaunchUnit {
  const dpEp = moe && l.tp === 1 && l.worldSize > 1
  return {
    kind: dpEp ? 'dp-ep' : 'tp',
    worldSize: l.worldSize,
    nodes: l.nodes,
    tp: l.tp,
    dp: l.worldSize / l.tp,
    moeEp: dpEp ? l.worldSize : 1,
    moe,
    weights: l.weights,
    fp8Kv: l.fp8Kv,
    deepep: l.deepep,
  }
}

const LINK_NAMES = {nvlink: 'NVLink (the deployment fits one node)', rdma: 'inter-node network (RDMA)'} as const

export function disaggregatedPlan(a: AssembleContext, d: DisaggPlan): DisaggregatedPlan {
  const pl = a.phaseLayouts[d.prefill.layout]
  const dl = a.phaseLayouts[d.decode.layout]
  const pool = (pick: DisaggPlan['prefill'], l: Layout, phase: 'prefill' | 'decode') => ({
    layout: layoutView(l, a.phaseCmd.gpuNames),
    value: pick.value,
    latencyMs: pick.latencyMs,
    tgs: pick.tgs,
    instances: pick.instances,
    simulate: simulateCommand(a.phaseCmd, l, phase === 'prefill' ? {prefillTokens: pick.value} : {decodeBatch: pick.value}),
  })
  return {
    mode: 'disaggregated',
    gpu: a.phaseCmd.gpuNames[d.gpu],
    prefill: pool(d.prefill, pl, 'prefill'),
    decode: pool(d.decode, dl, 'decode'),
    kvTransfer: {...d.kvTransfer, linkName: LINK_NAMES[d.kvTransfer.link]},
    gpus: d.gpus,
    requestsPerSecond: d.requestsPerSecond,
    tokensPerSecond: d.tgs * d.gpus,
    figures: {ttftMs: d.ttftMs, tpotMs: d.tpotMs, userTps: 1000 / d.tpotMs, tgs: d.tgs},
    launch: a.engines.map((engine, i) => ({
      engine: engine.name,
      prefill: launchCommand(engine.name, a.specs[i], phaseUnit(pl, a.cmd.moe), {
        stepTokens: d.prefill.value,
        memoryFraction: engine.params.gpu_memory_fraction,
        units: d.prefill.instances,
        role: 'prefill',
        ...(a.cmd.speculative ? {speculative: a.cmd.speculative} : {}),
      }),
      decode: launchCommand(engine.name, a.specs[i], phaseUnit(dl, a.cmd.moe), {
        maxRunning: d.decode.value,
        memoryFraction: engine.params.gpu_memory_fraction,
        units: d.decode.instances,
        role: 'decode',
        ...(a.cmd.speculative ? {speculative: a.cmd.speculative} : {}),
      }),
    })),
  }
}
