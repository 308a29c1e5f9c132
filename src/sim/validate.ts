/** Deployment checks: impossible layouts are usage errors; questionable ones are warnings. */
import {usageError} from '../errors.js'
import type {ModelSpec} from '../model/types.js'
import type {SimWarning} from '../tables/types.js'
import type {Deployment} from './deployment.js'

const positiveInt = (v: number) => Number.isInteger(v) && v > 0

/** What the config reader noticed (model.notes), as warnings of a simulation. */
export const modelNoteWarnings = (model: ModelSpec): SimWarning[] => model.notes.map((message) => ({code: 'model-config', message}))

export function checkDeployment(model: ModelSpec, d: Deployment): SimWarning[] {
  const warnings: SimWarning[] = []
  for (const [name, v] of [
    ['world size', d.worldSize],
    ['nodes', d.nodes],
    ['tp', d.tp],
    ['input length (isl)', d.isl],
    ['output length (osl)', d.osl],
    ['max prefill tokens', d.maxPrefillTokens],
  ] as const) {
    if (!positiveInt(v)) throw usageError(`${name} must be a positive integer, got ${v}`)
  }
  if (typeof d.decodeBatch === 'number' && !positiveInt(d.decodeBatch)) {
    throw usageError(`decode batch must be a positive integer, got ${d.decodeBatch}`)
  }
  if (!(d.targetTgs > 0)) throw usageError(`target TGS must be positive, got ${d.targetTgs}`)
  if (!(d.targetTpot > 0)) throw usageError(`target TPOT must be positive, got ${d.targetTpot}`)
  if (!(d.smRatio > 0 && d.smRatio <= 1)) throw usageError(`SM ratio must be in (0, 1], got ${d.smRatio}`)
  if (d.worldSize % d.tp !== 0) throw usageError(`tp ${d.tp} does not divide the world size ${d.worldSize}`)
  if (d.worldSize % d.nodes !== 0) throw usageError(`world size ${d.worldSize} is not divisible by nodes ${d.nodes}`)
  const a = model.attention
  if (a.heads % d.tp !== 0) throw usageError(`attention heads (${a.heads}) are not divisible by tp ${d.tp}`)
  if (a.kind === 'mha' && a.kvHeads % d.tp !== 0 && a.kvHeads >= d.tp) {
    throw usageError(`KV heads (${a.kvHeads}) are neither divisible by tp ${d.tp} nor fewer than it`)
  }
  if (model.ffn.intermediate % d.tp !== 0) {
    warnings.push({code: 'ffn-not-divisible', message: `FFN width ${model.ffn.intermediate} is not divisible by tp ${d.tp}; each GPU gets ${Math.floor(model.ffn.intermediate / d.tp)}`})
  }
  const replicas = d.worldSize / d.tp
  const moeEp = d.moeEp ?? replicas
  if (d.moeEp !== undefined) {
    if (!positiveInt(moeEp)) throw usageError(`MoE expert-parallel size must be a positive integer, got ${moeEp}`)
    if (!model.ffn.isMoe && moeEp !== replicas) throw usageError(`--moe-ep ${moeEp}: ${model.name} has no MoE layers to spread`)
    if (d.worldSize % moeEp !== 0) throw usageError(`--moe-ep ${moeEp} does not divide the world size ${d.worldSize} (MoE TP x MoE EP = world size)`)
  }
  const epSize = moeEp
  if (model.ffn.isMoe && model.ffn.experts % epSize !== 0) {
    warnings.push({
      code: 'experts-not-divisible',
      message: `${model.ffn.experts} routed experts are not divisible by the expert-parallel size ${epSize}; using ${(model.ffn.experts / epSize).toFixed(2)} experts per GPU (as with redundant experts)`,
    })
  }
  return warnings
}
