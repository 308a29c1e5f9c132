/** The Deployment that deployment options (src/options/shared.ts deploymentOptions, in camelCase) describe. */
import {usageError} from '../errors.js'
import {quoteText} from '../util/quote.js'
import {MOE_DISTRIBUTION} from '../sim/moe-routing.js'
import type {WeightQuant} from '../model/types.js'
import {gpuNodeSize} from '../hardware/gpu.js'
import type {Deployment} from '../sim/deployment.js'

export interface DeploymentOptionValues {
  worldSize: number
  /** Not given: as many as the GPUs need (defaultNodes). */
  nodes?: number
  tp: number
  fp8Gemm: boolean
  weightFormat?: string
  fp8Kv: boolean
  deepep: boolean
  tbo: boolean
  smRatio: number
  maxPrefillTokens: number
  decodeBatch?: string | number
  targetTgs: number
  targetTpot: number
  isl: number
  osl: number
  prefillOnly: boolean
  decodeOnly: boolean
  moeDistribution?: string
}

export function parseDecodeBatch(value: string | number | undefined): number | 'max' | undefined {
  if (value === undefined) return undefined
  if (value === 'max') return 'max'
  const v = Number(value)
  if (!Number.isInteger(v)) throw usageError(`--decode-batch expects a whole number or "max", got ${quoteText(String(value))}`)
  return v
}

/**
 * Nodes a world of `worldSize` GPUs spans when the user does not say: the
 * fewest that hold them at the GPU's GPUs per node (8 when its spec does
 * not say) and divide them evenly. One node of 72 GPUs would time every
 * collective as one NVLink domain of 72 where an H100 node holds 8, and a
 * GB200 NVL72 rack's as inside one tray of 4.
 * @example defaultNodes(16, {gpusPerNode: 8}) // 2
 * @example defaultNodes(72, {gpusPerNode: 4}) // 18
 * @example defaultNodes(20, {gpusPerNode: 8}) // 4 (5 a node: 3 nodes do not divide 20)
 */
export function defaultNodes(worldSize: number, gpu: {gpusPerNode?: number}): number {
  const perNode = gpuNodeSize(gpu)
  let nodes = Math.max(1, Math.ceil(worldSize / perNode))
  while (worldSize % nodes !== 0) nodes++
  return nodes
}

export function deploymentFromOptions(o: DeploymentOptionValues, gpu: {gpusPerNode?: number}): Deployment {
  if (o.moeDistribution !== undefined && !MOE_DISTRIBUTION.test(o.moeDistribution)) {
    throw usageError(`--moe-distribution expects uniform or power_law_<a> (e.g. power_law_1.01), got ${quoteText(o.moeDistribution)}`)
  }
  return {
    worldSize: o.worldSize,
    nodes: o.nodes ?? defaultNodes(o.worldSize, gpu),
    tp: o.tp,
    fp8Gemm: o.fp8Gemm,
    weightFormat: !o.weightFormat || o.weightFormat === 'auto' ? undefined : (o.weightFormat as WeightQuant),
    fp8Kv: o.fp8Kv,
    deepep: o.deepep,
    tbo: o.tbo,
    smRatio: o.smRatio,
    maxPrefillTokens: o.maxPrefillTokens,
    decodeBatch: parseDecodeBatch(o.decodeBatch),
    targetTgs: o.targetTgs,
    targetTpot: o.targetTpot,
    isl: o.isl,
    osl: o.osl,
    mode: o.prefillOnly ? 'prefill' : o.decodeOnly ? 'decode' : 'both',
    ...(o.moeDistribution ? {moeDistribution: o.moeDistribution} : {}),
  }
}
