/**
 * The layouts a sweep searches, with the infeasible ones counted and dropped
 * before any simulation: layouts whose heads or world size do not divide
 * (checkDeployment), whose weights plus one request's KV cache do not fit,
 * or whose weight format the GPU cannot run.
 *
 * tp = 1 is attention data-parallel with expert-parallel MoE over all W GPUs
 * (MoE models; a dense model's replica at tp = 1 is one GPU); tp > 1 is one
 * tensor-parallel group of W = tp GPUs (tp as the reference reads it).
 */
import {draftMemoryOf, kvCacheFit, maxDecodeBatch, RESERVED_GIB} from '../cost/kvcache.js'
import {shardShapes, type ShardShapes} from '../cost/shapes.js'
import {GiB} from '../cost/units.js'
import {paramsPerGpu} from '../cost/weights.js'
import {InfersimError} from '../errors.js'
import {gpuNodeSize, maxAttentionTp, type GpuSpec} from '../hardware/gpu.js'
import type {ModelSpec, WeightQuant} from '../model/types.js'
import type {Profile} from '../profile.js'
import {DEFAULT_DEPLOYMENT, type Deployment} from '../sim/deployment.js'
import {checkDeployment} from '../sim/validate.js'
import {attentionWeightBits, resolveWeightFormat} from '../sim/weight-format.js'
import type {Layout, LayoutProblems, MemoryShortfall, SkipCounts, SweepSpace, Toggle, WeightChoice, Workload} from './types.js'

export interface LayoutSpace {
  layouts: Layout[]
  skipped: SkipCounts
  /** Decode batches of the grid left out because their KV cache does not fit. */
  batchesOverMemory: number
  /** When no layout fits in memory: the one that came closest. */
  closestMemory?: MemoryShortfall
  /** Why candidates were left out before any memory check. */
  problems: LayoutProblems
}

export const powersOfTwo = (lo: number, hi: number) => {
  const out: number[] = []
  for (let v = 1; v <= hi; v *= 2) if (v >= lo) out.push(v)
  return out
}

/** GPUs per replica: powers of two and whole nodes within [min, max]. */
export function defaultWorldSizes(minGpus: number, maxGpus: number, gpusPerNode: number): number[] {
  const sizes = new Set(powersOfTwo(minGpus, maxGpus))
  for (let w = gpusPerNode; w <= maxGpus; w += gpusPerNode) if (w >= minGpus) sizes.add(w)
  return [...sizes].sort((a, b) => a - b)
}

export const toggleValues = (t: Toggle, meaningful: boolean, autoBoth: boolean): boolean[] => {
  if (!meaningful || t === 'off') return [false]
  if (t === 'on') return [true]
  return autoBoth ? [false, true] : [false]
}

/** Weight choices that resolve to distinct formats on this GPU; the ones the GPU cannot run are counted. */
export function weightChoices(model: ModelSpec, gpu: GpuSpec, profile: Profile, space: Pick<SweepSpace, 'weightFormats'>, skipped: Pick<SkipCounts, 'format'>): WeightChoice[] {
  // FP8 GEMMs by default only on GPUs with FP8 tensor cores (an FP8 peak above the BF16 one; e.g. not A100).
  const wanted = space.weightFormats ?? ['auto', ...(gpu.fp8Tflops > gpu.fp16Tflops ? (['fp8'] as const) : [])]
  const out: WeightChoice[] = []
  for (const w of wanted) {
    const choice = w === 'auto' ? {fp8Gemm: false} : w === 'fp8' ? {fp8Gemm: true} : {fp8Gemm: false, weightFormat: w}
    let resolved: WeightQuant
    try {
      resolved = resolveWeightFormat(model, {...DEFAULT_DEPLOYMENT, ...choice}, gpu, profile.switches).format
    } catch (error) {
      if (!(error instanceof InfersimError)) throw error
      skipped.format++
      continue
    }
    if (!out.some((c) => c.resolved === resolved)) out.push({...choice, resolved})
  }
  return out
}

interface Candidate {
  worldSize: number
  tp: number
}

function candidates(model: ModelSpec, worldSizes: number[], tps: number[]): Candidate[] {
  const out: Candidate[] = []
  for (const worldSize of worldSizes) {
    for (const tp of tps) {
      if (tp === 1 && worldSize > 1 && !model.ffn.isMoe) continue
      if (tp > 1 && worldSize !== tp) continue
      out.push({worldSize, tp})
    }
  }
  return out
}

export function bitsOf(format: WeightQuant): 4 | 8 | 16 {
  return format === 'bf16' ? 16 : format === 'fp8' ? 8 : 4
}

/** A layout's shard shapes and the weights one GPU holds, bytes. */
function layoutWeights(model: ModelSpec, d: Deployment, weights: WeightChoice, linearTpShard: boolean): {shapes: ShardShapes; params: number} {
  const shapes = shardShapes(model, {
    tp: d.tp,
    fp8Gemm: weights.fp8Gemm || weights.resolved === 'fp8',
    fp8Kv: d.fp8Kv,
    weightBits: bitsOf(weights.resolved),
    attentionWeightBits: attentionWeightBits(model, weights.resolved),
    linearTpShard,
  })
  return {shapes, params: paramsPerGpu(model, shapes, d.tp, d.worldSize).perGpuBytes}
}

/** Free memory left after the weights, the runtime reserve and one request's KV cache (negative: does not fit), and the weights, GiB. */
function freeAfterOneRequest(model: ModelSpec, gpu: GpuSpec, d: Deployment, weights: WeightChoice, contextLen: number, linearTpShard: boolean): {freeGiB: number; weightsGiB: number} {
  const {shapes, params} = layoutWeights(model, d, weights, linearTpShard)
  const kv = kvCacheFit(model, shapes, params, gpu.memGiB, 1, contextLen, draftMemoryOf(d.speculative, model, shapes))
  const perRequest = model.linear ? kv.neededBytes : kv.neededBytes * contextLen
  return {freeGiB: kv.spaceGiB - perRequest / GiB, weightsGiB: params / GiB}
}

function layoutMaxBatch(model: ModelSpec, gpu: GpuSpec, d: Deployment, weights: WeightChoice, contextLen: number, linearTpShard: boolean): number {
  const {shapes, params} = layoutWeights(model, d, weights, linearTpShard)
  return maxDecodeBatch(model, shapes, params, gpu.memGiB, contextLen, draftMemoryOf(d.speculative, model, shapes))
}

/** The decode batches simulated first for a layout: the explicit list, or powers of two up to the largest that fits. */
export function decodeGrid(layout: Layout, space: Pick<SweepSpace, 'decodeBatches' | 'maxDecodeBatch'>): number[] {
  const limit = Math.min(layout.maxBatch, space.maxDecodeBatch)
  if (space.decodeBatches) return space.decodeBatches.filter((b) => b <= layout.maxBatch)
  const grid = powersOfTwo(1, limit)
  if (limit >= 1 && grid[grid.length - 1] !== limit) grid.push(limit)
  return grid
}

function batchesOverMemory(maxBatch: number, space: SweepSpace): number {
  if (space.decodeBatches) return space.decodeBatches.filter((b) => b > maxBatch).length
  return maxBatch >= space.maxDecodeBatch ? 0 : powersOfTwo(maxBatch + 1, space.maxDecodeBatch).length
}

/** DeepEP (MoE with tp = 1, both by default across nodes) and two-batch overlap (both by default with DeepEP). */
function commVariants(space: SweepSpace, epMoe: boolean, multiNode: boolean, tboModelled: boolean): {deepep: boolean; tbo: boolean}[] {
  return toggleValues(space.deepep, epMoe, multiNode).flatMap((deepep) => toggleValues(space.tbo, tboModelled, deepep).map((tbo) => ({deepep, tbo})))
}

/** Why the layout's heads or world size do not divide, or undefined when they do. */
function divisibilityProblem(model: ModelSpec, d: Deployment): string | undefined {
  try {
    checkDeployment(model, d)
    return undefined
  } catch (error) {
    if (error instanceof InfersimError) return error.message
    throw error
  }
}

export function gpusPerNodeOf(gpu: GpuSpec, space: Pick<SweepSpace, 'gpusPerNode'>): number {
  return space.gpusPerNode ?? gpuNodeSize(gpu)
}

/** Every layout of the space on the given GPUs, infeasible ones counted and left out. */
export function enumerateLayouts(model: ModelSpec, gpus: GpuSpec[], profile: Profile, space: SweepSpace, workload: Workload): LayoutSpace {
  const skipped: SkipCounts = {memory: 0, weights: 0, divisibility: 0, format: 0}
  const problems: LayoutProblems = {divisibility: [], unmatchedTps: [], worldSizes: []}
  const layouts: Layout[] = []
  let overMemory = 0
  let closest: MemoryShortfall | undefined
  const contextLen = workload.isl + workload.osl
  gpus.forEach((gpu, gpuIndex) => {
    const perNode = gpusPerNodeOf(gpu, space)
    const worldSizes = space.worldSizes ?? defaultWorldSizes(space.minGpus, space.maxGpus, perNode)
    const tps = space.tps ?? [1, ...powersOfTwo(2, Math.min(maxAttentionTp(gpu, perNode), Math.max(...worldSizes)))]
    const weights = weightChoices(model, gpu, profile, space, skipped)
    for (const w of worldSizes) if (!problems.worldSizes.includes(w)) problems.worldSizes.push(w)
    for (const tp of tps) if (tp > 1 && !worldSizes.includes(tp) && !problems.unmatchedTps.includes(tp)) problems.unmatchedTps.push(tp)
    for (const {worldSize, tp} of candidates(model, worldSizes, tps)) {
      const nodes = worldSize <= perNode ? 1 : worldSize / perNode
      const epMoe = tp === 1 && model.ffn.isMoe && worldSize > 1
      // Two-batch overlap hides MoE communication: modelled for MoE models without linear attention only.
      const comms = commVariants(space, epMoe, Number.isInteger(nodes) && nodes > 1, worldSize > 1 && !model.linear && model.ffn.isMoe)
      const fp8Kvs = toggleValues(space.fp8Kv, true, true)
      const base: Deployment = {...DEFAULT_DEPLOYMENT, worldSize, tp, nodes: Number.isInteger(nodes) ? nodes : 1, isl: workload.isl, osl: workload.osl, speculative: workload.speculative}
      const problem = Number.isInteger(nodes) ? divisibilityProblem(model, base) : `world size ${worldSize} is not a whole number of ${perNode}-GPU nodes`
      if (problem) {
        skipped.divisibility += weights.length * fp8Kvs.length * comms.length
        if (!problems.divisibility.includes(problem)) problems.divisibility.push(problem)
        continue
      }
      for (const w of weights) {
        for (const fp8Kv of fp8Kvs) {
          const d = {...base, fp8Kv}
          const maxBatch = layoutMaxBatch(model, gpu, d, w, contextLen, profile.switches.linearTpShard)
          if (maxBatch < 1) {
            skipped.memory += comms.length
            const {freeGiB, weightsGiB} = freeAfterOneRequest(model, gpu, d, w, contextLen, profile.switches.linearTpShard)
            const availableGiB = gpu.memGiB - RESERVED_GIB
            if (weightsGiB > availableGiB) skipped.weights += comms.length
            if (!closest || freeGiB > closest.freeGiB) closest = {gpu: gpu.name, worldSize, tp, weights: w.resolved, freeGiB, memGiB: gpu.memGiB, weightsGiB, availableGiB}
            continue
          }
          for (const {deepep, tbo} of comms) {
            layouts.push({gpu: gpuIndex, worldSize, nodes, tp, weights: w, fp8Kv, deepep, tbo, maxBatch})
            overMemory += batchesOverMemory(maxBatch, space)
          }
        }
      }
    }
  })
  return {layouts, skipped, batchesOverMemory: overMemory, closestMemory: layouts.length === 0 ? closest : undefined, problems}
}
