/** The simulator's per-layer context for a serving deployment, built as simulate() builds it. */
import type {GpuSpec} from '../hardware/gpu.js'
import type {ModelSpec} from '../model/types.js'
import type {Profile} from '../profile.js'
import {makeContext, makeResolver, type SimContext} from '../sim/context.js'
import type {Deployment} from '../sim/deployment.js'
import type {SimulateOptions} from '../sim/simulate.js'
import {resolveWeightFormat, type WeightFormat} from '../sim/weight-format.js'
import type {MfuResolver} from '../tables/resolver.js'
import type {TableSet} from '../tables/types.js'

export interface ServingContext {
  ctx: SimContext
  resolver: MfuResolver
  weightFormat: WeightFormat
}

export function servingContext(model: ModelSpec, d: Deployment, gpu: GpuSpec, tables: TableSet, profile: Profile, options: SimulateOptions = {}): ServingContext {
  const switches = profile.switches
  const weightFormat = resolveWeightFormat(model, d, gpu, switches)
  const resolver = makeResolver(tables, gpu, switches, weightFormat, options.interpolator)
  const dd: Deployment = Object.assign({}, d, {fp8Gemm: weightFormat.fp8Gemm, weightFormat: weightFormat.format, tbo: false})
  return {ctx: makeContext(model, dd, gpu, switches, resolver, weightFormat), resolver, weightFormat}
}
