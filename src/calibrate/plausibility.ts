/**
 * Measured serving runs that are faster than the GPUs can compute them. At the
 * run's measured request rate (closed loop: concurrency / (TTFT + (osl - 1)
 * TPOT)), the linear layers alone (2 x the active parameters of the layers
 * per token of the prompt and the output, and the LM head per output token)
 * need a share of the instance's dense peak; a share
 * above the best MFU the GPU's GEMM table reaches for that dtype is more than
 * any measured kernel delivers, with attention and the decode steps' memory
 * traffic not yet counted. Prompts that were cached, or shorter than the row
 * says, do that. Such a run is named, not dropped: it stays a measurement.
 *
 * @example requiredPeakShare({concurrency: 64, ttftMs: 122, tpotMs: 9.74, isl: 2000, osl: 100, layerParams: 6.98e9, lmHeadParams: 5.25e8, gpus: 1, peakTflops: 1978}) // 0.87
 */
import {parameterCount} from '../cost/params.js'
import {gpuTableKey, type GpuSpec} from '../hardware/gpu.js'
import type {ModelSpec} from '../model/types.js'
import type {Profile} from '../profile.js'
import type {Deployment} from '../sim/deployment.js'
import {resolveWeightFormat} from '../sim/weight-format.js'
import {numericColumn, rowCount} from '../tables/columnar.js'
import {dtypeTablePath} from '../tables/interpolate/lookup.js'
import type {GemmDtype} from '../tables/resolver.js'
import {tablePaths} from '../tables/paths.js'
import type {KernelTable, TableSet} from '../tables/types.js'

export interface RunWork {
  /** Requests in flight in the whole instance. */
  concurrency: number
  isl: number
  osl: number
  /** Parameters of the layers one token passes through (active experts only; no embeddings). */
  layerParams: number
  /** Parameters of the LM head, which only the tokens that sample pass through. */
  lmHeadParams: number
  /** GPUs of the instance. */
  gpus: number
  /** Dense peak of the weights' dtype, TFLOP/s per GPU. */
  peakTflops: number
}

/** A run's work with what it is compared against: the best MFU of the GPU's GEMM table for its dtype. */
export interface RunCheck extends RunWork {
  bestMfu: number
  table: string
}

/** Share of the instance's dense peak the linear layers need at the measured request rate. */
export function requiredPeakShare(w: RunWork & {ttftMs: number; tpotMs: number}): number {
  const requestsPerSecond = w.concurrency / ((w.ttftMs + Math.max(0, w.osl - 1) * w.tpotMs) / 1000)
  const flopsPerRequest = 2 * w.layerParams * (w.isl + w.osl) + 2 * w.lmHeadParams * w.osl
  return (requestsPerSecond * flopsPerRequest) / (w.gpus * w.peakTflops * 1e12)
}

const bestByTable = new WeakMap<KernelTable, number>()

/** The best MFU the GPU's GEMM table for this dtype reaches, and the table; undefined without one. */
function bestGemmMfu(tables: TableSet, gpu: GpuSpec, gemmDtype: GemmDtype | undefined): {mfu: number; table: string} | undefined {
  const path = dtypeTablePath(tables, tablePaths.gemm(gpuTableKey(gpu.name)), {gemmDtype})
  const table = tables.get(path)
  if (!table) return undefined
  let best = bestByTable.get(table)
  if (best === undefined) {
    const mfu = numericColumn(table, 'mfu')
    best = 0
    for (let i = 0; i < rowCount(table); i++) if (mfu[i] > best) best = mfu[i]
    bestByTable.set(table, best)
  }
  return best > 0 ? {mfu: best, table: path} : undefined
}

/** What a run's plausibility check needs, found once per run (undefined when the GPU has no GEMM table to compare with). */
export function runWork(model: ModelSpec, d: Deployment, gpu: GpuSpec, tables: TableSet, profile: Profile, concurrency: number): RunCheck | undefined {
  const format = resolveWeightFormat(model, d, gpu, profile.switches)
  const best = bestGemmMfu(tables, gpu, format.tableDtype)
  if (!best || !(format.gemmPeak > 0)) return undefined
  const params = parameterCount(model)
  const lmHeadParams = model.vocab * model.hidden
  return {concurrency, isl: d.isl, osl: d.osl, layerParams: params.active - params.embedding, lmHeadParams, gpus: d.worldSize, peakTflops: format.gemmPeak, bestMfu: best.mfu, table: best.table}
}

/** Why a measured run is faster than its GPUs' kernels allow; undefined when it is not. */
export function fasterThanKernels(id: string, w: RunCheck, ttftMs: number, tpotMs: number): string | undefined {
  const share = requiredPeakShare({...w, ttftMs, tpotMs})
  if (!(share > w.bestMfu)) return undefined
  const pct = (v: number) => `${Math.round(v * 100)}%`
  return `run ${id}: at its measured rate its linear layers alone need ${pct(share)} of the GPUs' dense peak, more than the best MFU in ${w.table} (${pct(w.bestMfu)}): its prompts were likely cached or shorter than the row says; kept in the fit`
}
