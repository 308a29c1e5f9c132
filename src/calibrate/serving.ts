/**
 * Serving rows (phase `serving`, metrics ttft_ms, tpot_ms and output_tgs):
 * C = decode_batch closed-loop requests per replica on the engine the
 * `backend` column names (SGLang when absent: the simulator's constants come
 * from it). Optional columns moe_tp and moe_ep give expert parallelism inside
 * the TP replica, max_running_requests the engine's cap on running requests.
 * Column `requests` makes an output_tgs row a finite run, all its requests
 * queued at the start, read in waves (src/serving/finite-run.ts): an
 * offline benchmark such as trtllm-bench throughput.
 */
import {inputError} from '../errors.js'
import type {Engine} from '../engine.js'
import {simulateServing, type ServingResult} from '../serving/simulate.js'
import {baseDeployment, optionalInt, rowWeightFormat} from './deployment.js'
import {rowStepBudget} from './launch-budget.js'
import {runIdTokens} from './run-id.js'
import {registerEvaluator, type EvalInputs, type Evaluation} from './evaluators.js'
import {rowEngine} from './row-engine.js'
import {gpuNodeSize, maxAttentionTp, type GpuSpec} from '../hardware/gpu.js'
import type {ModelSpec} from '../model/types.js'
import type {Deployment} from '../sim/deployment.js'
import {servingLayoutOf, type ServingLayout} from '../engine.js'
import type {Features, MeasurementRow} from './types.js'
import {quoteText} from '../util/quote.js'

export {DEFAULT_ENGINE, rowEngineName, useEngineDir} from './row-engine.js'

/** A serving row as the simulator runs it: one attention group of the instance, and how the row was read. */
export interface ServingRun {
  deployment: Deployment
  /** Tensor-parallel replicas, or attention groups that share the MoE (data-parallel attention). */
  layout: ServingLayout
  /** Requests in flight per attention group. */
  concurrency: number
  notes: string[]
  /** How the weight format was read, when the id named it. */
  weightNote?: string
}

/**
 * The launch layout of a row whose columns hold its product instead:
 * world_size = tp = moe_tp x moe_ep, both above 1, where the run was tp =
 * moe_tp with MoE EP = moe_ep. AIConfigurator's H200 export has 44 runs at 64
 * GPUs, tp 64, moe 8 x 8 (TensorRT-LLM DeepSeek-R1/V3, SGLang Qwen3.5-397B):
 * 30 of them repeat, to the last digit, runs exported as 8 GPUs at tp 8, MoE
 * EP 8; 30 name tp8_ep8 in their id; the other 14 name no layout, and their
 * TPOT rises with the concurrency (13.8 to 33.1 ms from 4 to 64 clients) as at
 * tp 8, where 64 attention groups would hold it flat. A small product is a
 * real layout (TensorRT-LLM's gpt-oss at tp 4 with MoE TP 2 x EP 2), so
 * without the id the columns are read so only where their tp is wider than
 * the NVLink domain (`domain`), which no engine runs tensor-parallel. An id
 * naming another layout leaves the columns as they are. Undefined: the
 * columns stand.
 *
 * @example
 * launchLayout({id: 'r1_trtllm_fp8_agg_1024x1024_c64_tp8_ep8_954-tpot', tp: 64, world_size: 64}, 8, 8, 8) // {tp: 8, ep: 8, from: 'id'}
 * launchLayout({id: 'dsr1_h200_trtllm_fp8_agg_1024x1024_c64_cfg181-tpot', tp: 64, world_size: 64}, 8, 8, 8) // {tp: 8, ep: 8, from: 'columns'}
 * launchLayout({id: 'gpt_oss_trtllm_agg_1024x1024_c64-tpot', tp: 4, world_size: 4}, 2, 2, 8) // undefined
 */
export function launchLayout(
  row: Pick<MeasurementRow, 'id' | 'tp' | 'world_size'>,
  moeTp: number | undefined,
  moeEp: number | undefined,
  domain: number,
): {tp: number; ep: number; from: 'id' | 'columns'} | undefined {
  if (!moeTp || !moeEp || moeTp < 2 || moeEp < 2) return undefined
  const product = moeTp * moeEp
  if (row.tp !== product || row.world_size !== product) return undefined
  const {tp, ep} = runIdTokens(row.id)
  if (tp === undefined) return product > domain && moeTp <= domain ? {tp: moeTp, ep: moeEp, from: 'columns'} : undefined
  return tp === moeTp && ep === moeEp ? {tp: moeTp, ep: moeEp, from: 'id'} : undefined
}

/**
 * Attention data-parallel ranks a row names by its concurrency: the id's
 * concurrency is the instance's and decode_batch one rank's, their ratio the
 * row's tp. In AIConfigurator's H100 and H200 exports only TensorRT-LLM's
 * gpt-oss-120b runs are so (c192 at tp 4 with decode_batch 48, c320 at tp 2
 * with 160), and TensorRT-LLM's gpt-oss throughput recipe runs attention
 * data-parallel; every other id's concurrency is its decode_batch.
 * Undefined: attention as the columns say.
 *
 * @example
 * attentionDpRanks({id: 'gpt_oss_trtllm_agg_4000x1000_c192_tp4_epnone_1-tpot', tp: 4, decode_batch: 48}) // 4
 */
export function attentionDpRanks(row: Pick<MeasurementRow, 'id' | 'tp' | 'decode_batch'>): number | undefined {
  const {concurrency} = runIdTokens(row.id)
  if (concurrency === undefined || typeof row.decode_batch !== 'number' || row.tp < 2) return undefined
  return concurrency === row.decode_batch * row.tp ? row.tp : undefined
}

/** Weight formats a checkpoint ships that fp8_gemm = 1 does not turn into FP8 (no engine re-quantizes 4-bit experts to FP8). */
const FOUR_BIT = new Set(['mxfp4', 'nvfp4', 'int4'])

/**
 * How a serving row's instance is laid out. The instance spans
 * W = max(world_size, moe_tp x moe_ep) GPUs (AIConfigurator's runs give
 * world_size = tp and span the MoE over moe_tp x moe_ep, e.g. vLLM's data
 * parallelism with MoE TP). Attention runs tensor-parallel over tp GPUs
 * unless the heads do not split over tp or tp spans more than one NVLink
 * domain (a node; GB200 NVL72's rack of 72, data/gpus.json nvlinkDomain) in a MoE model: then the engines
 * run it data-parallel (SGLang --enable-dp-attention, TensorRT-LLM attention
 * DP, vLLM --data-parallel-size), one attention group per GPU. A dense model
 * stays tensor-parallel over its tp GPUs, across nodes where tp spans them. The row's
 * concurrency is the instance's; each attention group holds its share.
 */
export function servingRun(row: MeasurementRow, model: ModelSpec, gpu: GpuSpec): ServingRun {
  if (typeof row.decode_batch !== 'number') throw inputError(`a serving row needs decode_batch = concurrency per replica as a number, got ${quoteText(String(row.decode_batch))}`)
  const notes: string[] = []
  const d = baseDeployment(row, 'both')
  let moeTp = optionalInt(row, 'moe_tp') || undefined
  let moeEp = optionalInt(row, 'moe_ep') || undefined
  let world = row.world_size
  let tp = row.tp
  const perNode = gpuNodeSize(gpu)
  const domain = maxAttentionTp(gpu, perNode)
  const launched = model.ffn.isMoe ? launchLayout(row, moeTp, moeEp, domain) : undefined
  if (launched) {
    const said = launched.from === 'id' ? 'as the id says' : 'moe_tp and moe_ep as tp and MoE EP'
    notes.push(
      `layout ${said}: ${Math.max(launched.tp, launched.ep)} GPUs, tp ${launched.tp}, MoE EP ${launched.ep} (the columns say world_size ${row.world_size}, tp ${row.tp} = moe_tp ${moeTp} x moe_ep ${moeEp}, the product AIConfigurator's exports write for such runs)`,
    )
    ;[world, tp, moeTp, moeEp] = [Math.max(launched.tp, launched.ep), launched.tp, 1, launched.ep]
  }
  if (model.ffn.isMoe && moeTp && moeEp) {
    // The engines shard the MoE over every GPU of the instance: EP moe_ep, MoE TP the rest.
    if (moeTp * moeEp < world && world % moeEp === 0)
      notes.push(`moe_tp ${moeTp} x moe_ep ${moeEp} covers ${moeTp * moeEp} of the instance's ${world} GPUs: the MoE is run over all ${world}, MoE EP ${moeEp} x MoE TP ${world / moeEp}`)
    if (moeTp * moeEp > world)
      notes.push(`moe_tp ${moeTp} x moe_ep ${moeEp} spans ${moeTp * moeEp} GPUs, more than world_size ${world}: an instance of ${moeTp * moeEp} GPUs, its attention groups of tp ${tp} sharing the MoE (data parallelism)`)
    world = Math.max(world, moeTp * moeEp)
  }
  const heads = model.attention.heads
  const dpRanks = attentionDpRanks(row)
  if (dpRanks) {
    notes.push(`attention data-parallel: the id's concurrency (${row.decode_batch * dpRanks}) is decode_batch (${row.decode_batch}) per rank over tp ${dpRanks} ranks, tp 1 each`)
    tp = 1
  }
  // Data-parallel attention is a MoE layout (the experts are what the groups share); a dense model's
  // layers run tensor-parallel over all tp GPUs, across nodes where tp spans them (vLLM, SGLang and
  // TensorRT-LLM multi-node tp), its all-reduce between nodes.
  const wide = tp > domain && model.ffn.isMoe
  if (heads % tp !== 0 || wide) {
    notes.push(`attention heads (${heads}) over tp ${tp}${wide ? `, wider than the ${domain} GPUs attention runs tensor-parallel over on ${gpu.name}` : ''}: run as data-parallel attention (tp 1 per GPU), as the engines do`)
    tp = 1
  } else if (tp > domain) {
    const across = tp > (gpu.nvlinkDomain ?? perNode) ? `across ${Math.ceil(tp / perNode)} nodes, its all-reduce between them` : `within ${gpu.name}'s NVLink domain of ${gpu.nvlinkDomain}`
    notes.push(`a dense model at tp ${tp}: tensor-parallel over all ${tp} GPUs ${across} (data-parallel attention is a MoE layout)`)
  }
  if (world % tp !== 0) throw inputError(`tp ${tp} does not divide the instance's ${world} GPUs (moe_tp ${moeTp ?? '-'} x moe_ep ${moeEp ?? '-'})`)
  const nodes = Math.max(launched ? 1 : row.nodes, Math.ceil(world / perNode))
  const groups = world / tp
  Object.assign(d, {worldSize: world, tp, nodes}, model.ffn.isMoe && moeEp ? {moeEp} : {})
  const concurrency = row.decode_batch * (dpRanks ?? 1)
  if (groups > 1 && concurrency % groups !== 0) notes.push(`concurrency ${concurrency} over ${groups} attention groups: ${(concurrency / groups).toFixed(2)} each on average`)
  const named = rowWeightFormat(row)
  const shipped4 = model.shippedQuant && FOUR_BIT.has(model.shippedQuant) ? model.shippedQuant : undefined
  let weightNote =
    named?.from === 'id' ? "nvfp4 weights: the id names the run's dtype fp4 (AIConfigurator's naming), which no other column can say; a weight_format column overrides it" : undefined
  if (named?.from === 'id' && shipped4 && shipped4 !== named.format) {
    // the id says the run was 4-bit; a checkpoint that ships 4-bit weights says which format (gpt-oss: MXFP4, not NVFP4)
    d.weightFormat = shipped4
    weightNote = `${shipped4} weights, as the checkpoint ships them: the id's fp4 names a 4-bit run, the checkpoint its format; a weight_format column overrides it`
  }
  if (!named && row.fp8_gemm === 1 && shipped4) {
    d.weightFormat = shipped4
    weightNote = `${shipped4} weights, as the checkpoint ships them: fp8_gemm = 1 does not make 4-bit experts FP8`
  }
  return {deployment: d, layout: servingLayoutOf(model.ffn.isMoe, groups), concurrency: concurrency / groups, notes, ...(weightNote ? {weightNote} : {})}
}

/** The engine version a row names (column backend_version), as serving options. */
export const rowEngineVersion = (row: MeasurementRow): {engineVersion?: string} => (row.extra.backend_version ? {engineVersion: row.extra.backend_version} : {})

/** The row's run simulated; with `requests` (the instance's, as the row's column) its finite run too, each attention group its share. */
export function servingRowResult(row: MeasurementRow, i: EvalInputs, engine: Engine, requests?: number): ServingResult {
  const run = servingRun(row, i.model, i.gpu)
  const groups = run.deployment.worldSize / run.deployment.tp
  const budget = rowStepBudget(row, engine, i.gpu, i.model)
  const result = simulateServing(
    i.model,
    run.deployment,
    i.gpu,
    i.tables,
    i.profile,
    {concurrency: run.concurrency, engine, maxPrefillTokens: budget?.tokens, measured: true, ...rowEngineVersion(row), ...(requests === undefined ? {} : {requests: requests / groups})},
    i.simulateOptions,
  )
  if (budget?.note) result.warnings.push({code: 'launch-budget', message: budget.note})
  for (const message of run.notes) result.warnings.push({code: 'serving-layout', message})
  if (run.weightNote) result.warnings.push({code: 'weight-format', message: run.weightNote})
  return result
}

/** Shares of a serving prediction, as the linear error model's features. */
export function servingFeatures(r: ServingResult, metric: string): Features {
  const overheadMs =
    metric === 'ttft_ms'
      ? r.ttftParts.overheadMs + r.params.step_overhead_ms + r.params.mixed_step_overhead_ms
      : r.params.step_overhead_ms + r.params.per_request_overhead_ms * r.meanDecodeBatch + r.mixedStepShare * r.params.mixed_step_overhead_ms
  const total = metric === 'ttft_ms' ? r.ttftMs : r.tpotMs
  return {overhead: Math.min(1, overheadMs / total), comm: 0, memory: 0, fallback: 0}
}

export function servingEvaluation(r: ServingResult, metric: 'ttft_ms' | 'tpot_ms' | 'output_tgs'): Evaluation {
  const simulated = metric === 'ttft_ms' ? r.ttftMs : metric === 'tpot_ms' ? r.tpotMs : r.outputTokensPerGpuPerSecond
  // A run's output rate is its decode steps' more than its prompts': TPOT's shares.
  return {simulated, features: servingFeatures(r, metric === 'ttft_ms' ? 'ttft_ms' : 'tpot_ms'), warnings: r.warnings}
}

registerEvaluator('serving', 'ttft_ms', (row, i) => servingEvaluation(servingRowResult(row, i, rowEngine(row)), 'ttft_ms'))
registerEvaluator('serving', 'tpot_ms', (row, i) => servingEvaluation(servingRowResult(row, i, rowEngine(row)), 'tpot_ms'))
/**
 * The requests a row's run made in all (column `requests`), at least its
 * clients (decode_batch); undefined without the column.
 */
export function rowRequests(row: MeasurementRow): number | undefined {
  const n = optionalInt(row, 'requests')
  if (n !== undefined && typeof row.decode_batch === 'number' && n < row.decode_batch) throw inputError(`column "requests": ${n} is fewer than the run's ${row.decode_batch} clients (decode_batch)`)
  return n
}

/** A run's output rate: the steady state of its clients, or with `requests`, the finite run's waves (src/serving/finite-run.ts). */
registerEvaluator('serving', 'output_tgs', (row, i) => {
  const r = servingRowResult(row, i, rowEngine(row), rowRequests(row))
  const evaluation = servingEvaluation(r, 'output_tgs')
  return r.finiteRun ? {...evaluation, simulated: r.finiteRun.outputTokensPerGpuPerSecond} : evaluation
})
