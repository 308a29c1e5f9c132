/** The Deployment a command's deployment flags (src/cli/flags.ts deploymentFlags) describe. */
import type {WeightQuant} from '../model/types.js'
import type {Deployment} from '../sim/deployment.js'
import {parseDecodeBatch} from './flags.js'

export interface DeploymentFlagValues {
  'world-size': number
  nodes: number
  tp: number
  'fp8-gemm': boolean
  'weight-format'?: string
  'fp8-kv': boolean
  deepep: boolean
  tbo: boolean
  'sm-ratio': number
  'moe-distribution'?: string
  'max-prefill-tokens': number
  'decode-batch'?: string
  'target-tgs': number
  'target-tpot': number
  isl: number
  osl: number
  'prefill-only': boolean
  'decode-only': boolean
}

export function deploymentFromFlags(flags: DeploymentFlagValues): Deployment {
  return {
    worldSize: flags['world-size'],
    nodes: flags.nodes,
    tp: flags.tp,
    fp8Gemm: flags['fp8-gemm'],
    weightFormat: !flags['weight-format'] || flags['weight-format'] === 'auto' ? undefined : (flags['weight-format'] as WeightQuant),
    fp8Kv: flags['fp8-kv'],
    deepep: flags.deepep,
    tbo: flags.tbo,
    smRatio: flags['sm-ratio'],
    maxPrefillTokens: flags['max-prefill-tokens'],
    decodeBatch: parseDecodeBatch(flags['decode-batch']),
    targetTgs: flags['target-tgs'],
    targetTpot: flags['target-tpot'],
    isl: flags.isl,
    osl: flags.osl,
    mode: flags['prefill-only'] ? 'prefill' : flags['decode-only'] ? 'decode' : 'both',
    ...(flags['moe-distribution'] ? {moeDistribution: flags['moe-distribution']} : {}),
  }
}
