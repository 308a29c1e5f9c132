/**
 * The serving units a serving sweep searches, per GPU and engine:
 * - attention TP replicas of tp GPUs (powers of two up to maxAttentionTp: a node, or 8 in GB200 NVL72's NVLink domain), a MoE
 *   model's experts split MoE EP x MoE TP = tp inside each (every EP size
 *   dividing tp and the experts where the engine allows it, else none or all);
 * - for MoE models on engines that run it, attention data-parallel over W GPUs
 *   with the experts spread over all W (W = powers of two and whole nodes),
 *   with and without DeepEP where the engine has it (both across nodes by default);
 * each in every weight format and KV format of the space. Units whose heads,
 * experts or GPUs do not divide, whose weights leave no room for one request's
 * KV cache, or that the engine cannot run are counted and left out.
 */
import {InfersimError} from '../../errors.js'
import {maxAttentionTp, type GpuSpec} from '../../hardware/gpu.js'
import type {EngineLaunchSpec} from '../../io/launch-flags.js'
import type {ModelSpec} from '../../model/types.js'
import {defaultWorldSizes, gpusPerNodeOf, powersOfTwo, toggleValues, weightChoices} from '../space.js'
import type {SkipCounts, WeightChoice} from '../types.js'
import {servingResultAt, type ServingEvalContext} from './evaluate.js'
import {checkpointKvFp8} from '../../serving/simulate.js'
import {NO_ROOM} from '../../serving/no-room.js'
import type {ServingLayout, ServingSpace} from './types.js'
import {paramsOn} from '../../serving/engine-on-gpu.js'

export interface ServingSkipCounts extends SkipCounts {
  /** Layouts the engine does not run (e.g. DeepEP on an engine without a DeepEP flag). */
  engine: number
}

export interface ServingLayoutSpace {
  layouts: ServingLayout[]
  skipped: ServingSkipCounts
  /** When no unit fits: what the serving model said of the largest one. */
  memoryMessage?: string
}

/** The serving model's code when the weights do not fit at all, or leave no room for one request's KV cache. */
const noRoom = (error: InfersimError): string | undefined => {
  const code = error.data?.code
  return code === NO_ROOM.weights || code === NO_ROOM.kv ? code : undefined
}

interface UnitShape {
  kind: ServingLayout['kind']
  worldSize: number
  tp: number
  moeEp: number
  deepeps: boolean[]
}

const divisors = (n: number) => powersOfTwo(1, n).filter((d) => n % d === 0)

function tpUnits(model: ModelSpec, spec: EngineLaunchSpec, tps: number[], maxGpus: number, space: ServingSpace): UnitShape[] {
  const out: UnitShape[] = []
  for (const tp of tps) {
    if (tp > maxGpus) continue
    const eps = !model.ffn.isMoe ? [1] : spec.moeEpInsideTp === 'whole-group' ? [...new Set([1, tp])] : divisors(tp)
    for (const moeEp of eps) {
      if (moeEp > 1 && model.ffn.experts % moeEp !== 0) continue
      out.push({kind: 'tp', worldSize: tp, tp, moeEp, deepeps: toggleValues(space.deepep, false, false)})
    }
  }
  return out
}

export function enumerateServingLayouts(ctx: ServingEvalContext, specs: EngineLaunchSpec[], space: ServingSpace): ServingLayoutSpace {
  const {model} = ctx
  const skipped: ServingSkipCounts = {memory: 0, weights: 0, divisibility: 0, format: 0, engine: 0}
  const layouts: ServingLayout[] = []
  let memory: {worldSize: number; message: string} | undefined
  ctx.gpus.forEach((gpu: GpuSpec, gpuIndex) => {
    const perNode = gpusPerNodeOf(gpu, space)
    const tps = space.tps ?? powersOfTwo(1, Math.min(maxAttentionTp(gpu, perNode), space.maxGpus))
    const worlds = (space.worldSizes ?? defaultWorldSizes(2, space.maxGpus, perNode)).filter((w) => w >= 2 && w <= space.maxGpus)
    const weights: WeightChoice[] = weightChoices(model, gpu, ctx.profile, space, skipped)
    const fp8Kvs = toggleValues(space.fp8Kv, true, true)
    ctx.engines.forEach((engine, engineIndex) => {
      const spec = specs[engineIndex]
      const units = tpUnits(model, spec, tps, space.maxGpus, space)
      // tp 1 in --tp is a rank of one GPU: alone, or attention data-parallel with the experts over the unit (as in the phase sweep).
      if (model.ffn.isMoe && (space.tps === undefined || space.tps.includes(1))) {
        for (const w of worlds) {
          const multiNode = w > perNode
          const deepeps = toggleValues(space.deepep, true, multiNode)
          const runnable = spec.attentionDp ? deepeps.filter((d) => !d || spec.deepep) : []
          skipped.engine += (deepeps.length - runnable.length) * weights.length * fp8Kvs.length
          if (runnable.length > 0) units.push({kind: 'dp-ep', worldSize: w, tp: 1, moeEp: 1, deepeps: runnable})
        }
      }
      for (const u of units) {
        const nodes = u.worldSize <= perNode ? 1 : u.worldSize / perNode
        for (const w of weights) {
          // An engine that keeps this checkpoint's KV cache in FP8 at these weights (checkpointKvFp8) does so with or without --fp8-kv: one layout, not two.
          const kvs = checkpointKvFp8(model, w.resolved, engine.params) ? [true] : fp8Kvs
          for (const fp8Kv of kvs) {
            for (const deepep of u.deepeps) {
              if (!Number.isInteger(nodes)) {
                skipped.divisibility++
                continue
              }
              const layout: ServingLayout = {
                gpu: gpuIndex,
                engine: engineIndex,
                kind: u.kind,
                worldSize: u.worldSize,
                nodes,
                tp: u.tp,
                moeEp: u.moeEp,
                weights: w,
                fp8Kv,
                deepep,
                ranks: u.worldSize / u.tp,
                maxConcurrency: 0,
              }
              try {
                // One request at the engine's budget: the checks, the KV capacity and the step costs (cached for the sweep).
                const onGpu = paramsOn(engine, gpu)
                const probe = servingResultAt(ctx, layout, onGpu.max_prefill_tokens, 1)
                layout.maxConcurrency = Math.max(1, Math.min(onGpu.max_running_requests, probe.kvCapacity))
                layouts.push(layout)
              } catch (error) {
                if (!(error instanceof InfersimError)) throw error
                const room = noRoom(error)
                if (error.kind === 'usage') skipped.divisibility++
                else if (!room) throw error
                else {
                  skipped.memory++
                  if (room === NO_ROOM.weights) skipped.weights++
                  if (!memory || u.worldSize > memory.worldSize) memory = {worldSize: u.worldSize, message: `${gpu.name} x${u.worldSize}: ${error.message}`}
                }
              }
            }
          }
        }
      }
    })
  })
  return {layouts, skipped, memoryMessage: layouts.length === 0 ? memory?.message : undefined}
}
