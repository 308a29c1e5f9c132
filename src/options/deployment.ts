/** The Deployment that deployment options (src/options/shared.ts deploymentOptions, in camelCase) describe. */
import {usageError} from '../errors.js'
import {quoteText} from '../util/quote.js'
import {MOE_DISTRIBUTION} from '../sim/moe-routing.js'
import type {WeightQuant} from '../model/types.js'
import type {Deployment} from '../sim/deployment.js'

export interface DeploymentOptionValues {
  worldSize: number
  nodes: number
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

export function deploymentFromOptions(o: DeploymentOptionValues): Deployment {
  if (o.moeDistribution !== undefined && !MOE_DISTRIBUTION.test(o.moeDistribution)) {
    throw usageError(`--moe-distribution expects uniform or power_law_<a> (e.g. power_law_1.01), got ${quoteText(o.moeDistribution)}`)
  }
  return {
    worldSize: o.worldSize,
    nodes: o.nodes,
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
