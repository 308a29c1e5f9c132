/**
 * simulate(model, deployment, gpu, tables, profile) -> result.
 * Pure: no disk, no console. Warnings are data in the result.
 */
import {flopsSummary} from '../cost/flops.js'
import {draftMemoryOf, kvCacheFit, maxDecodeBatch} from '../cost/kvcache.js'
import {paramsPerGpu} from '../cost/weights.js'
import {shardShapes, type ShardShapes} from '../cost/shapes.js'
import type {GpuSpec} from '../hardware/gpu.js'
import type {Engine} from '../engine.js'
import type {ModelSpec} from '../model/types.js'
import type {Profile, ProfileSwitches} from '../profile.js'
import type {Interpolator} from '../tables/resolver.js'
import type {SimWarning, TableSet} from '../tables/types.js'
import {makeContext, makeResolver, moeLayoutOf} from './context.js'
import {resolveWeightFormat, type WeightFormat} from './weight-format.js'
import type {Deployment} from './deployment.js'
import {simulateDecode, simulatePrefill} from './phase.js'
import type {SimResult} from './result.js'
import {checkDeployment, checkMoeOptions, checkWeightsFit, modelNoteWarnings} from './validate.js'

export interface SimulateOptions {
  /** Interpolating lookups for the default profile; the bundled interpolation when not given. */
  interpolator?: Interpolator
  /** The serving engine whose per-forward overheads apply (switch engineOverheads); the reference's constants without one. */
  engine?: Engine
}

/** Weights one GPU holds: the MoE layout's experts with the layout switch, the reference's count without. */
export const weightsPerGpu = (model: ModelSpec, shapes: ShardShapes, d: Deployment, switches?: ProfileSwitches) =>
  paramsPerGpu(model, shapes, d.tp, d.worldSize, switches?.layoutCollectives ? moeLayoutOf(model, d, switches) : undefined)

export function resolveDecodeBatch(model: ModelSpec, d: Deployment, gpu: GpuSpec, weights?: Pick<WeightFormat, 'bits' | 'attention'>, switches?: ProfileSwitches): number {
  if (typeof d.decodeBatch === 'number') return d.decodeBatch
  if (d.decodeBatch === 'max') {
    const shapes = shardShapes(model, {
      tp: d.tp,
      fp8Gemm: d.fp8Gemm,
      fp8Kv: d.fp8Kv,
      weightBits: weights?.bits,
      attentionWeightBits: weights?.attention?.bits,
      linearTpShard: switches?.linearTpShard,
    })
    const params = weightsPerGpu(model, shapes, d, switches).perGpuBytes
    return maxDecodeBatch(model, shapes, params, gpu.memGiB, d.isl + d.osl, draftMemoryOf(d.speculative, model, shapes))
  }
  return Math.ceil((d.targetTgs * d.targetTpot) / 1000)
}

export function simulate(
  model: ModelSpec,
  deployment: Deployment,
  gpu: GpuSpec,
  tables: TableSet,
  profile: Profile,
  options: SimulateOptions = {},
): SimResult {
  const warnings: SimWarning[] = [...modelNoteWarnings(model), ...checkDeployment(model, deployment), ...checkMoeOptions(model, deployment, profile.name === 'infersim')]
  const switches = profile.switches
  const weightFormat = resolveWeightFormat(model, deployment, gpu, switches)
  const resolver = makeResolver(tables, gpu, switches, weightFormat, options.interpolator)
  const batch = resolveDecodeBatch(model, deployment, gpu, weightFormat, switches)
  if (batch < 1) {
    warnings.push({code: 'no-kv-space', message: `no decode batch fits in ${gpu.name} memory at ${deployment.isl + deployment.osl} tokens per request`})
  }
  // Object.assign, not {...x, more}: on Node 20 a spread followed by more properties costs microseconds, a third of a simulation.
  const d: Deployment = Object.assign({}, deployment, {decodeBatch: Math.max(1, batch), fp8Gemm: weightFormat.fp8Gemm, weightFormat: weightFormat.format})
  if (d.tbo && model.linear) warnings.push({code: 'tbo-ignored', message: 'two-batch overlap is not modelled for hybrid (linear-attention) models; ignored'})
  const ctx = makeContext(model, model.linear ? Object.assign({}, d, {tbo: false}) : d, gpu, switches, resolver, weightFormat)
  const weights = weightsPerGpu(model, ctx.shapes, d, switches)
  // A speculative draft layer holds one layer's more weights and one full-attention layer's KV cache.
  const draft = draftMemoryOf(d.speculative, model, ctx.shapes)
  warnings.push(...checkWeightsFit(weights.perGpuBytes * (1 + draft.weightShare), gpu))
  const flops = flopsSummary(model, ctx.shapes, d.isl, d.osl)
  const contextLen = d.isl + d.osl
  const kvCache = kvCacheFit(model, ctx.shapes, weights.perGpuBytes, gpu.memGiB, Math.max(1, batch), contextLen, draft)
  if (!kvCache.fits) warnings.push({code: 'kv-cache', message: 'need smaller kvcache: the KV cache of the decode batch does not fit in GPU memory'})

  const prefill = d.mode === 'decode' ? undefined : simulatePrefill(ctx, options.engine)
  const decode = d.mode === 'prefill' ? undefined : simulateDecode(ctx, Math.max(1, batch), flops.contextLen, options.engine)
  if (decode && !decode.meetsSlo) {
    warnings.push({code: 'tpot-slo', message: `TPOT ${decode.latencyMs.toFixed(2)} ms > SLO ${d.targetTpot} ms, need smaller GFLOPs to speedup`})
  }
  warnings.push(...resolver.warnings)
  return {
    model: {
      name: model.name,
      source: model.source,
      attention: model.attention.kind === 'mla' ? 'MLA' : 'MHA/GQA',
      hybrid: model.linear !== undefined,
      layers: model.layers,
      hidden: model.hidden,
    },
    gpu: gpu.name,
    profile: profile.name,
    inputs: {model, gpu, switches},
    deployment: Object.assign({}, d, {decodeBatch: Math.max(1, batch)}),
    weightFormat,
    weights,
    kvCache: Object.assign({}, kvCache, {batch: Math.max(1, batch), contextLen}),
    flops,
    prefill,
    decode,
    warnings,
  }
}
