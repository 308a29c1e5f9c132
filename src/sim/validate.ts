/** Deployment checks: impossible layouts are usage errors; questionable ones are warnings. */
import {RESERVED_GIB} from '../cost/kvcache.js'
import {GiB} from '../cost/units.js'
import {usageError} from '../errors.js'
import type {GpuSpec} from '../hardware/gpu.js'
import type {ModelSpec} from '../model/types.js'
import type {SimWarning} from '../tables/types.js'
import type {Deployment, SimMode} from './deployment.js'

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
  if (a.heads % d.tp !== 0) {
    // The engines run a MoE model so with data-parallel attention (one attention group per GPU): say how to ask for it.
    const divisors = [1, 2, 4, 8, 16].filter((t) => a.heads % t === 0 && t < d.tp).join(', ')
    const hint = model.ffn.isMoe
      ? `for data-parallel attention over these GPUs, as the engines run it, give --tp 1 --world-size ${d.worldSize} --moe-ep ${d.worldSize} (--concurrency then counts each GPU's requests, a fraction where the clients do not divide: 256 clients are --concurrency ${+(256 / d.worldSize).toFixed(2)})`
      : `give a tp that divides them (${divisors})`
    throw usageError(`attention heads (${a.heads}) are not divisible by tp ${d.tp}; ${hint}`)
  }
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

const gb = (v: number) => v.toFixed(1)

/** Why a layout cannot hold its weights, with the figures (GB as the report prints them: GiB). */
export function weightsDoNotFit(weightsGiB: number, availableGiB: number, why: string): string {
  return `the weights do not fit: ${gb(weightsGiB)} GB per GPU, ${gb(availableGiB)} GB available (${why})`
}

/** What simulate's user can change when the weights do not fit. */
export const SPLIT_THEM = 'use more GPUs (--world-size with --tp) or a smaller weight format (--fp8-gemm, --weight-format)'

/**
 * Weights larger than the GPU's memory, or than its memory less the runtime
 * reserve: the figures after them (KV space, decode batch) mean nothing, and
 * the warning says why with both figures. Not an error: the per-kernel
 * figures still serve to see which lookups a layout makes (`tables --model`,
 * the kernel benchmark planner), and the reference profile carries on too.
 */
export function checkWeightsFit(weightBytesPerGpu: number, gpu: GpuSpec): SimWarning[] {
  const weightsGiB = weightBytesPerGpu / GiB
  if (weightsGiB > gpu.memGiB) return [{code: 'weights-do-not-fit', message: `${weightsDoNotFit(weightsGiB, gpu.memGiB, `${gpu.name} memory`)}; ${SPLIT_THEM}`}]
  const available = gpu.memGiB - RESERVED_GIB
  if (weightsGiB <= available) return []
  const why = `${gpu.memGiB} GB of ${gpu.name} memory less the ${RESERVED_GIB} GB runtime reserve`
  const message = `the weights do not fit beside the runtime reserve: ${gb(weightsGiB)} GB per GPU, ${gb(available)} GB available (${why}), so no KV cache fits; ${SPLIT_THEM}`
  return [{code: 'weights-over-reserve', message}]
}

/**
 * DeepEP and two-batch overlap act on MoE layers. On a model without them
 * the figures would price dispatch it does not do, or only the compute the
 * overlap costs: a usage error, except under the reference profile, which
 * reproduces the reference (it accepts them, and reads some MoE configs as
 * dense): a warning there.
 */
export function checkMoeOptions(model: ModelSpec, d: Deployment, reproducingReference: boolean): SimWarning[] {
  if (model.ffn.isMoe) return []
  const problems: [string, string][] = []
  if (d.deepep) problems.push(['deepep', `--deepep: ${model.name} is read as dense (no MoE layers); DeepEP dispatches tokens to experts and back, so its figures would price communication this model does not do`])
  if (d.tbo) problems.push(['tbo', `--tbo: ${model.name} is read as dense (no MoE layers); two-batch overlap hides MoE dispatch and combine behind compute, so for a dense model its figures would only show the compute the overlap costs`])
  if (problems.length > 0 && !reproducingReference) throw usageError(problems[0][1])
  return problems.map(([flag, message]) => ({code: `${flag}-dense`, message}))
}

/** What a simulate request asks of the serving model, beside the deployment. */
export interface ServingRequest {
  serving: boolean
  mode: SimMode
  /** Flags of the serving model given on the command line (--moe-ep, --concurrency, --engine...). */
  servingFlags: string[]
}

/**
 * Flags of the serving model without --serving would be silently ignored,
 * and --moe-ep would read as the layout of the report's MoE layers: usage
 * errors. --prefill-only or --decode-only with --serving restrict the report
 * only: a warning.
 */
export function checkServingRequest(r: ServingRequest): SimWarning[] {
  if (!r.serving && r.servingFlags.length > 0) {
    const flags = r.servingFlags.map((f) => `--${f}`).join(', ')
    const moe = r.servingFlags.includes('moe-ep') ? '; without it, MoE layers are tensor-parallel inside --tp, or expert-parallel over the world size with --tp 1' : ''
    throw usageError(`${flags} ${r.servingFlags.length > 1 ? 'apply' : 'applies'} to --serving only${moe}: add --serving, or leave ${r.servingFlags.length > 1 ? 'them' : 'it'} out`)
  }
  if (r.serving && r.mode !== 'both') {
    return [{code: 'serving-mode', message: `--${r.mode}-only restricts the report above; --serving always models prefill and decode together (continuous batching), so its TTFT and TPOT include both`}]
  }
  return []
}
