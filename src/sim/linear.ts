/** Gated DeltaNet linear-attention layers of hybrid models: core and projections. */
import {inputError} from '../errors.js'
import {linearStateBytesPerLayer} from '../cost/kvcache.js'
import {transferSeconds} from '../cost/units.js'
import type {LinearAttention} from '../model/types.js'
import {tablePaths, type Phase} from '../tables/paths.js'
import {linearShard} from '../cost/shapes.js'
import {gemmStep, type SimContext} from './context.js'
import type {Step} from './result.js'

/** Core of one GDN layer on one GPU (its share of the heads, linearShard): measured kernel latency vs loading the recurrent state. */
export function linearAttentionCore(ctx: SimContext, layer: LinearAttention, phase: Phase, wanted: number, requests: number): Step {
  const lin = linearShard(layer, ctx.shapes)
  const path = tablePaths.gdn(ctx.gpuKey, phase, lin.convKernel, lin.keyHeads, lin.keyHeadDim, lin.valueHeads, lin.valueHeadDim)
  const measured = ctx.mfu.gdnLatency(path, wanted)
  if (!measured) {
    throw inputError(
      `GDN ${phase} table ${path} does not exist under bench_data, and no other GPU's can stand in for it ` +
        `(the default profile borrows one from the GPU whose measured GDN kernels time closest to this one's); ` +
        `GDN kernels have no default efficiency. Measure them (kernel_benchmark/) and ingest the results.`,
    )
  }
  const computeSeconds = measured.latencyUs / 1e6
  const memorySeconds = transferSeconds(linearStateBytesPerLayer(lin) * requests, ctx.gpu.memBw)
  return {
    id: 'linear-core',
    seconds: Math.max(computeSeconds, memorySeconds),
    // GDN tables give latencies, not FLOPs: no compute floor to compare with.
    bound: computeSeconds >= memorySeconds ? 'latency' : 'memory',
    part: 'attention',
    computeSeconds,
    memorySeconds,
    mfu: {
      value: 0,
      kind: measured.borrowed ? 'borrowed' : measured.latencyUs > 0 ? 'nearest' : 'fallback',
      table: measured.table,
      lines: measured.lines,
      note: measured.borrowed ? `measured latency, not MFU; ${measured.borrowed}` : 'measured latency, not MFU',
    },
  }
}

/** qkvzba projection (scaled for the z/b/a gates) and output projection of one GPU's heads, m tokens. */
export function linearAttentionProjections(ctx: SimContext, layer: LinearAttention, m: number): Step[] {
  const lin = linearShard(layer, ctx.shapes)
  const D = ctx.model.hidden
  const n = 2 * lin.keyHeads * lin.keyHeadDim + 2 * lin.valueHeads * lin.valueHeadDim
  const qkv = gemmStep(ctx, 'qkvzba-proj', m, D, n)
  const scale = (n + 2 * lin.valueHeads) / n
  return [{...qkv, seconds: qkv.seconds * scale}, gemmStep(ctx, 'linear-o-proj', m, lin.valueHeads * lin.valueHeadDim, D)]
}
