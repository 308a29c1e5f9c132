/**
 * A layer's communication steps. With the `layoutCollectives` switch the
 * collectives each layout really runs (src/cost/collectives.ts): two steps,
 * before and after the FFN, each the sum of its collectives. The compat
 * profile keeps the reference's three figures: a MoE communication pair
 * (DeepEP dispatch/combine or two all-reduces of n x W x D x 2 bytes) and a
 * tensor-parallel all-reduce, on every layer.
 *
 * Each collective is timed from the measured comm/<gpu>/ tables where they
 * cover the group (switch `measuredComm`), else by the bandwidth formula.
 */
import {layerCollectives, type Collective, type CollectiveLayout} from '../cost/collectives.js'
import {collectiveSeconds, moeCommPair, tpAllReduceSeconds, type CommTopology} from '../cost/comm.js'
import type {CommLookup} from '../tables/comm-lookup.js'
import type {Phase} from '../tables/paths.js'
import type {SimContext} from './context.js'
import type {Step} from './result.js'

/**
 * The layout's links and collective shape in one object literal: a spread
 * adding `deepep` to it made a dictionary-mode object on Node 20, slow to
 * build and to read in every collective of a sweep.
 */
export function commTopology(ctx: SimContext): CommTopology & CollectiveLayout {
  return {
    worldSize: ctx.d.worldSize,
    nodes: ctx.d.nodes,
    tp: ctx.d.tp,
    hidden: ctx.model.hidden,
    topk: ctx.model.ffn.topk,
    nvlinkBw: ctx.gpu.nvlinkBw,
    rdmaBw: ctx.gpu.rdmaBw,
    deepep: ctx.d.deepep,
  }
}

const commStep = (id: string, seconds: number, measured?: CommLookup, collectives?: Collective[]): Step => {
  const step: Step = {id, seconds: measured ? measured.seconds : seconds, bound: 'communication', part: 'comm'}
  if (measured) step.source = measured
  if (collectives) step.collectives = collectives
  return step
}

/** Communication steps of one MoE layer (or one layer of a dense model) and of one leading dense layer. */
export interface LayerComm {
  moe: Step[]
  dense: Step[]
}

export function layerCommSteps(ctx: SimContext, tokens: number, phase: Phase): LayerComm {
  if (!ctx.switches.layoutCollectives) {
    const steps = referenceCommSteps(ctx, tokens, phase)
    return {moe: steps, dense: steps}
  }
  const topology = commTopology(ctx)
  const moe = layoutSteps(ctx, topology, tokens, phase, ctx.model.ffn.isMoe)
  return {moe, dense: ctx.model.ffn.isMoe ? layoutSteps(ctx, topology, tokens, phase, false) : moe}
}

function layoutSteps(ctx: SimContext, topology: CommTopology & CollectiveLayout, tokens: number, phase: Phase, moe: boolean): Step[] {
  const {beforeFfn, afterFfn} = layerCollectives(topology, tokens, phase, moe)
  return [timed(ctx, topology, 'comm-before', beforeFfn), timed(ctx, topology, 'comm-after', afterFfn)]
}

/**
 * A step running `collectives` one after the other; measured where every one of them is covered.
 * The tables time one NVLink domain: a collective across nodes reads them only where one
 * domain joins the nodes (GB200 NVL72's trays of 4, all on the rack's NVLink switches).
 */
function timed(ctx: SimContext, topology: CommTopology, id: string, collectives: Collective[]): Step {
  let seconds = 0
  let measured: CommLookup | undefined
  let allMeasured = collectives.length > 0
  const domain = ctx.gpu.nvlinkDomain
  for (const c of collectives) {
    const inDomain = !c.interNode || (domain !== undefined && c.gpus <= domain)
    const lookup = ctx.switches.measuredComm && inDomain ? ctx.mfu.collective(c.op, c.gpus, c.bytes) : undefined
    if (lookup && !measured) measured = lookup
    if (!lookup) allMeasured = false
    seconds += lookup ? lookup.seconds : collectiveSeconds(c, topology)
  }
  const step = commStep(id, seconds, undefined, collectives)
  if (measured) step.source = allMeasured ? measured : {...measured, note: `${measured.note ? `${measured.note}; ` : ''}partly the bandwidth formula`}
  return step
}

/** The reference's figures: MoE pair (before, after) and the TP all-reduce, optionally from measured tables. */
function referenceCommSteps(ctx: SimContext, tokens: number, phase: Phase): Step[] {
  const topology = commTopology(ctx)
  const [beforeSeconds, afterSeconds] = moeCommPair(topology, tokens, ctx.d.deepep, phase)
  const tpAllReduce = tpAllReduceSeconds(topology, tokens)
  if (!ctx.switches.measuredComm || topology.worldSize <= 1) {
    return [commStep('comm-before', beforeSeconds), commStep('comm-after', afterSeconds), commStep('tp-allreduce', tpAllReduce)]
  }
  const [measuredBefore, measuredAfter] = measuredMoeComm(ctx, topology, tokens, phase)
  const measuredTp = topology.tp > 1 ? ctx.mfu.collective('allreduce', topology.tp, tokens * topology.hidden * 2) : undefined
  return [commStep('comm-before', beforeSeconds, measuredBefore), commStep('comm-after', afterSeconds, measuredAfter), commStep('tp-allreduce', tpAllReduce, measuredTp)]
}

/**
 * Measured figures for the reference's MoE pair: DeepEP messages as the
 * tables count them, else an all-reduce of the tokens' hidden states over
 * the GPUs (the tables cover one node).
 */
function measuredMoeComm(ctx: SimContext, topology: CommTopology, tokens: number, phase: Phase): [CommLookup | undefined, CommLookup | undefined] {
  if (topology.nodes > 1 && !ctx.d.deepep) return [undefined, undefined]
  if (ctx.d.deepep) {
    const mode = phase === 'decode' ? 'deepep_ll' : 'deepep_normal'
    const bytes = tokens * topology.topk * topology.hidden
    return [ctx.mfu.collective(`${mode}_dispatch`, topology.worldSize, bytes), ctx.mfu.collective(`${mode}_combine`, topology.worldSize, bytes * 2)]
  }
  const allReduce = ctx.mfu.collective('allreduce', topology.worldSize, tokens * topology.hidden * 2)
  return [allReduce, allReduce]
}
