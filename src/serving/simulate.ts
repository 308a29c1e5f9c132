/**
 * simulateServing: TTFT, TPOT and throughput of C closed-loop requests per
 * replica (one TP group) under an engine's continuous batching. Pure: the
 * engine's parameters arrive as data.
 */
import {servingUncertainty, type ServingUncertainty} from './accuracy.js'
import {graphBatchOf} from './cuda-graphs.js'
import {usageError} from '../errors.js'
import {effectiveRates, type GpuSpec} from '../hardware/gpu.js'
import type {ModelSpec, WeightQuant} from '../model/types.js'
import type {Profile} from '../profile.js'
import type {Deployment} from '../sim/deployment.js'
import type {SimulateOptions} from '../sim/simulate.js'
import {checkDeployment, modelNoteWarnings} from '../sim/validate.js'
import {resolveWeightFormat} from '../sim/weight-format.js'
import {engineFp8Gemm, engineGemmKernel} from '../sim/fp8-gemm.js'
import {expertBlockRows} from '../sim/expert-padding.js'
import {moeLayoutOf} from '../sim/context.js'
import type {MoeLayout} from '../cost/moe-layout.js'
import type {MfuLookup, SimWarning, TableSet} from '../tables/types.js'
import {servingContext} from './context.js'
import {speculativeRun, type SpeculativeRun} from './speculative.js'
import {finiteRun, type FiniteRun} from './finite-run.js'
import {frontendTokensPerSecond, servingLayoutOf, type Engine, type EngineParams} from '../engine.js'
import {poolSettings, solveServing, type ServingSolution, type ServingWorkload} from './mean-field.js'
import {buildTokenCurves, withAttention, type StepCost, type TokenCurves} from './step-cost.js'
import {gpuDefaultsOn, modelIdentity, withGpuDefaults} from './engine-on-gpu.js'

/** An opening-wave share (--opening-wave) is a share of the requests: from 0 to 1. */
export function checkOpeningWave(share: number): void {
  if (!(share >= 0 && share <= 1)) throw usageError(`--opening-wave is a share of the requests, from 0 to 1; got ${share}`)
}

export interface ServingOptions {
  /** Requests in flight per replica. */
  concurrency: number
  engine: Engine
  /** MoE expert-parallel size over the deployment's GPUs (MoE TP = world size / moeEp); overrides the deployment's. */
  moeEp?: number
  /** Step token budget; the engine's default when not given. */
  maxPrefillTokens?: number
  /** A measured run (calibrate): see ServingWorkload.measured. */
  measured?: boolean
  /** The engine's version, where known (a measured run's backend_version, --engine-version): the engine file's rules by version apply to it. */
  engineVersion?: string
  /** Whether steps mix prefill chunks with decodes (--mixed-chunk); the engine's value when not given. */
  mixedChunk?: boolean
  /** Whether the engine splits a prompt over steps (--chunked-prefill); the engine's value when not given. */
  chunkedPrefill?: boolean
  /** The share of requests in the benchmark's opening wave (--opening-wave): the engine's sync_share when not given. */
  openingWave?: number
  /** A finite run of this many requests per replica, queued at the start (--requests): its rate in waves as well (src/serving/finite-run.ts). */
  requests?: number
  /** The decode batches with a CUDA graph, padding up to them (--cuda-graph-batches; src/serving/cuda-graphs.ts); the engine's when not given. */
  cudaGraphBatchSizes?: number[]
}

export interface ServingResult extends ServingSolution {
  engine: string
  concurrency: number
  /** Replicas (TP groups) of the deployment, and what they serve together. */
  replicas: number
  totalRequestsPerSecond: number
  isl: number
  osl: number
  maxPrefillTokens: number
  /** Where the budget came from: --max-prefill-tokens, the engine's default on this GPU (gpu_defaults), or its file. */
  maxPrefillTokensSource: 'flag' | 'engine-gpu' | 'engine'
  /** The engine's defaults for this GPU and version that replaced its file's values (gpu_defaults), and --mixed-chunk, with the rules' sources. */
  gpuDefaults?: {values: Partial<EngineParams>; sources: string[]; kvCacheFp8?: boolean}
  tp: number
  moeEp: number
  moeTp: number
  /** The KV cache's dtype, and why FP8 when it is. */
  kvDtype: 'fp8' | 'model'
  kvFp8Reason?: KvFp8Reason
  /** Set where the FP8 weights' compute-bound GEMMs (prefill) run the engine's own kernel at the BF16 rows' share of the peak. */
  fp8GemmKernel?: 'bf16-efficiency'
  /** Set where the engine's grouped expert GEMMs pad each expert's tokens to this many rows (moe_expert_block_rows; src/sim/expert-padding.ts). */
  moeExpertBlockRows?: number
  commSource: string
  /** Speculative decoding as the prediction runs it; absent without --mtp. decodeStepMs is then one step of the draft and the verify, giving speculative.acceptLength tokens a request. */
  speculative?: SpeculativeRun
  params: EngineParams
  /** The CUDA graph batch the mean decode-only step is padded to (cuda_graph_batch_sizes); absent where there is none or no padding. */
  cudaGraphBatch?: number
  /** The finite run of --requests (ServingOptions.requests), in waves; absent without it. */
  finiteRun?: FiniteRun
  lookups: Record<string, MfuLookup>
  /** The error to expect, from the engine's held-out runs (absent when its file has none). */
  uncertainty?: ServingUncertainty
  warnings: SimWarning[]
}

/** The graph batch the mean decode-only step pads to, where it is above the batch. */
function cudaGraphOf(params: EngineParams, meanDecodeBatch: number): Pick<ServingResult, 'cudaGraphBatch'> {
  const graph = graphBatchOf(params.cuda_graph_batch_sizes, meanDecodeBatch)
  return graph !== undefined && graph > meanDecodeBatch + 1e-9 ? {cudaGraphBatch: graph} : {}
}

const costCache = new WeakMap<TableSet, Map<string, {cost: StepCost; warnings: SimWarning[]}>>()
const curveCache = new WeakMap<TableSet, Map<string, {curves: TokenCurves; warnings: SimWarning[]}>>()

/** What a layout's token curves depend on: everything of the deployment but the requests' lengths. */
function layoutKey(model: ModelSpec, d: Deployment, gpu: GpuSpec, profile: Profile): string {
  return [model.source, model.name, gpu.name, profile.name, JSON.stringify(profile.switches), d.worldSize, d.nodes, d.tp, d.moeEp, d.moeDistribution, d.fp8Gemm, d.weightFormat, d.fp8Kv, d.fp8KvDecode, d.fp8GemmKernel, d.moeExpertBlockRows, d.deepep].join('|')
}

/** The deployment with the serving options' MoE expert parallelism, when they give one. */
const withMoeEp = (d: Deployment, opts: ServingOptions): Deployment => (opts.moeEp === undefined ? d : Object.assign({}, d, {moeEp: opts.moeEp}))

/**
 * Why the KV cache is FP8: asked for (--fp8-kv); the checkpoint names it and
 * the engine follows the checkpoint; or the engine follows the checkpoint and
 * serves FP8 weights, whose checkpoint carries an FP8 KV cache too.
 */
export type KvFp8Reason = 'flag' | 'checkpoint' | 'fp8-weights' | 'fp4-weights' | 'engine-default'

/**
 * Whether an engine that follows its checkpoint's KV dtype keeps this one's
 * in FP8 unasked, and why. TensorRT-LLM runs FP8 and NVFP4 weights from a
 * checkpoint quantized for it (ModelOpt), and ModelOpt's recipes quantize
 * the KV cache to FP8 with the weights: NVIDIA's FP8 Llama-3.1 checkpoints
 * name kv_cache_quant_algo FP8, and its DeepSeek NVFP4 recipe exports an FP8
 * KV cache unless told not to (examples/deepseek/ptq.py, enable_fp8_kvcache).
 * The measured runs agree: fitted with the KV cache of every FP8
 * TensorRT-LLM run in FP8 (Llama-3.1-70B, Qwen3, DeepSeek), the pool needs no
 * correction (kv_capacity_scale 1.07 fitted on H200 alone, 1.00 on H100
 * alone, 1.00 on both); read with BF16 KV where the checkpoint named none,
 * the fit made the pools 1.58x larger. 4-bit formats a model's own release
 * ships (gpt-oss's MXFP4) and weight-only int4 come with no KV format.
 * An engine that follows only what the checkpoint names ('named': vLLM,
 * which also quantizes BF16 weights to FP8 itself, with a BF16 KV cache)
 * takes FP8 weights to say nothing of the KV cache, and NVFP4 ones to come
 * from such an export.
 *
 * @example
 * checkpointKvFp8(deepseekR1, 'nvfp4', trtllm.params) // 'fp4-weights'
 * checkpointKvFp8(deepseekR1, 'fp8', vllm.params) // undefined
 */
export function checkpointKvFp8(model: ModelSpec, weights: WeightQuant, e: EngineParams): Exclude<KvFp8Reason, 'flag' | 'engine-default'> | undefined {
  if (!e.kv_dtype_from_checkpoint) return undefined
  if (model.shippedKvQuant === 'fp8') return 'checkpoint'
  // NVFP4 weights of a release that does not ship them come only from a ModelOpt export, which names its KV format;
  // FP8 ones an engine following 'named' may have quantized itself, with the model's KV dtype.
  if (weights === 'nvfp4') return 'fp4-weights'
  return weights === 'fp8' && e.kv_dtype_from_checkpoint === true ? 'fp8-weights' : undefined
}

/**
 * Whether the engine runs the KV cache in FP8, and why (undefined: in the model's dtype). FP8 weights as
 * the deployment resolves them: asked for, or shipped. `onGpu`: what the engine's defaults for this GPU
 * and model say (gpu_defaults kv_cache_fp8: SGLang's DSA models on Blackwell).
 */
function engineKvFp8(model: ModelSpec, d: Deployment, gpu: GpuSpec, profile: Profile, e: EngineParams, onGpu?: boolean): KvFp8Reason | undefined {
  if (d.fp8Kv) return 'flag'
  if (onGpu) return 'engine-default'
  return checkpointKvFp8(model, resolveWeightFormat(model, d, gpu, profile.switches).format, e)
}

/**
 * How far the KV capacity may be off: the pool's inputs (memory share,
 * reserve, the KV dtype an engine picks) are known to about a quarter, and
 * the fitted kv_capacity_scale has been anywhere from 1.0 to 1.6 as they were
 * read one way or another.
 */
const KV_CAPACITY_UNCERTAINTY = 0.25

/**
 * A warning when the requests in flight are within KV_CAPACITY_UNCERTAINTY of
 * what the KV pool holds: on one side of that edge a request's TTFT is its
 * prefill, on the other it waits for whole requests to finish (or is paused
 * and recomputed), so a small error in the pool's size moves TTFT by orders
 * of magnitude (one measured H200 run was predicted at 96x its TTFT).
 */
export function nearKvCapacityWarning(kvCapacity: number, concurrency: number, e: EngineParams): SimWarning | undefined {
  const ratio = kvCapacity / concurrency
  if (ratio < 1 / (1 + KV_CAPACITY_UNCERTAINTY) || ratio > 1 + KV_CAPACITY_UNCERTAINTY) return undefined
  const beyond = e.kv_pool_full === 'wait' ? 'new requests wait for whole requests to finish' : 'new requests wait for room or running ones are paused and recomputed'
  return {
    code: 'near-kv-capacity',
    message:
      `the KV cache holds ${kvCapacity} requests and ${concurrency} are in flight: within ${KV_CAPACITY_UNCERTAINTY * 100}% of the point where ${beyond}; ` +
      `the pool's size is known to about that, so TTFT (and TPOT) may be far from these figures`,
  }
}

/**
 * Output tokens per second of one replica from which measured TTFTs leave
 * the model behind. Of the measured serving runs the shipped engines put at
 * this rate or more (HIGH_TOKEN_RATE_RUNS: TensorRT-LLM on H100, SGLang on
 * H200, one vLLM run), most had a TTFT above the prediction and many more than
 * twice it; TPOT stays within a factor of two. Before the engines' API server
 * limit (frontend_us_per_output_token, docs/serving.md "Host limits") it was
 * 35 of 39 more than twice (median 5.1x): the limit explains the runs
 * where the server is all that holds the replica back, not those near it,
 * whose first tokens still wait behind the tokens streamed ahead of them.
 * A test recounts these runs (test/serving/high-token-rate.test.ts).
 */
export const HIGH_TOKEN_RATE = 8000

/** The measured runs at HIGH_TOKEN_RATE or more, against the shipped engines (recounted by test/serving/high-token-rate.test.ts). */
export const HIGH_TOKEN_RATE_RUNS = {runs: 38, above: 30, aboveTwice: 16, medianRatio: 1.65}

/** A warning when one replica's predicted output rate is HIGH_TOKEN_RATE tokens/s or more: its TTFT is likely under-predicted. */
export function highTokenRateWarning(tokensPerSecond: number): SimWarning | undefined {
  if (!(tokensPerSecond >= HIGH_TOKEN_RATE)) return undefined
  return {
    code: 'high-token-rate',
    message:
      `one replica streams ${Math.round(tokensPerSecond)} output tokens/s here; measured runs the model puts at ${HIGH_TOKEN_RATE} or more ` +
      `mostly had a TTFT above this prediction (median ${HIGH_TOKEN_RATE_RUNS.medianRatio}x; ${HIGH_TOKEN_RATE_RUNS.above} of ${HIGH_TOKEN_RATE_RUNS.runs} above it, ${HIGH_TOKEN_RATE_RUNS.aboveTwice} more than twice it): TTFT is likely under-predicted (docs/serving.md)`,
  }
}

/**
 * An engine that does not split prompts (chunked_prefill false) schedules one only in a step whose budget
 * holds all of it beside the decoding requests: a prompt longer than the budget is refused, and one that
 * fits only with fewer decodes waits for such a step. The model runs it alone in its step.
 */
export function wholePromptWarning(e: EngineParams, budget: number, isl: number, running: number): SimWarning | undefined {
  if (e.chunked_prefill !== false) return undefined
  const beside = e.budget_includes_decode ? Math.max(0, Math.ceil(running) - 1) : 0
  if (isl + beside <= budget) return undefined
  return {
    code: 'prompt-over-budget',
    message:
      `the engine does not split a prompt (chunked_prefill false) and a step holds ${budget} tokens: a prompt of ${isl} beside ${beside} decoding requests ` +
      (isl > budget ? 'does not fit at all, and the engine refuses it' : 'fits only in a step with fewer decodes, which it waits for') +
      `; the prediction runs it alone in a step. Give --max-prefill-tokens ${isl + beside} or more (TensorRT-LLM: max_num_tokens), or turn chunked prefill on (enable_chunked_prefill)`,
  }
}

/**
 * Where the host, not the GPU, sets the pace (docs/serving.md "Host limits"):
 * the API server streams no more (`api-server-bound`), or a decode step waits
 * for the host work of its requests (`host-bound`). A faster GPU changes
 * neither; more replicas, or fewer requests per replica, do.
 */
export function hostLimitWarnings(s: ServingSolution, e: EngineParams): SimWarning[] {
  const out: SimWarning[] = []
  if (s.ttftParts.frontendMs > 0) {
    const perSecond = Math.round(frontendTokensPerSecond(e)).toLocaleString('en-US')
    out.push({
      code: 'api-server-bound',
      message:
        `one replica's API server streams at most ${perSecond} output tokens/s (frontend_us_per_output_token ${e.frontend_us_per_output_token} us): ` +
        `clients wait ${Math.round(s.ttftParts.frontendMs)} ms for it before their first token; a faster GPU will not raise this, more replicas (a smaller TP each) will`,
    })
  }
  if (s.decodeHostMs > 0 && s.decodeStepMs <= s.decodeHostMs * (1 + 1e-9)) {
    out.push({
      code: 'host-bound',
      message:
        `a decode step waits for the engine's host work (${e.host_us_per_request} us for each of its ${s.meanDecodeBatch.toFixed(0)} requests, ${s.decodeHostMs.toFixed(1)} ms), ` +
        `longer than its kernels: a faster GPU will not shorten it, fewer requests per replica will`,
    })
  }
  return out
}

/** A cache per table set, cleared when it grows past `limit` entries. */
function cacheFor<V>(caches: WeakMap<TableSet, Map<string, V>>, tables: TableSet, limit: number): Map<string, V> {
  let byKey = caches.get(tables)
  if (!byKey || byKey.size > limit) caches.set(tables, (byKey = new Map()))
  return byKey
}

function stepCostFor(model: ModelSpec, d: Deployment, gpu: GpuSpec, tables: TableSet, profile: Profile, options: SimulateOptions) {
  const byKey = cacheFor(costCache, tables, 2000)
  const layout = layoutKey(model, d, gpu, profile)
  const key = `${layout}|${d.isl}|${d.osl}`
  let hit = byKey.get(key)
  if (!hit) {
    // The token curves (GEMMs, MoE, LM head, collectives) of a layout serve every isl and osl; attention is the requests' own.
    const layouts = cacheFor(curveCache, tables, 500)
    let shared = layouts.get(layout)
    if (!shared) {
      const {ctx, resolver} = servingContext(model, d, gpu, tables, profile, options)
      const curves = buildTokenCurves(ctx)
      // Evaluate a token curve at one point now, so lookup warnings are known.
      curves.gemmSeconds(1)
      shared = {curves, warnings: resolver.warnings}
      layouts.set(layout, shared)
    }
    const {ctx, resolver} = servingContext(model, d, gpu, tables, profile, options)
    const cost = withAttention(shared.curves, ctx, {isl: d.isl, osl: d.osl})
    cost.decodeAttentionSeconds(1)
    const seen = new Set(shared.warnings.map((w) => w.message))
    hit = {cost, warnings: [...shared.warnings, ...resolver.warnings.filter((w) => !seen.has(w.message))]}
    byKey.set(key, hit)
  }
  return hit
}

export function checkServing(model: ModelSpec, d: Deployment, opts: ServingOptions): SimWarning[] {
  const warnings = checkDeployment(model, withMoeEp(d, opts))
  const {concurrency: C} = opts
  // Fractional: an instance's requests spread over its data-parallel attention groups (calibrate's serving rows).
  if (!(Number.isFinite(C) && C > 0)) throw usageError(`concurrency must be a positive number, got ${C}`)
  if (opts.maxPrefillTokens !== undefined && !(Number.isInteger(opts.maxPrefillTokens) && opts.maxPrefillTokens > 0)) {
    throw usageError(`max prefill tokens must be a positive integer, got ${opts.maxPrefillTokens}`)
  }
  // A mean per attention group, so it may be a fraction too; at least the requests in flight.
  if (opts.requests !== undefined && !(Number.isFinite(opts.requests) && opts.requests >= C)) {
    throw usageError(`requests must be at least the ${C} in flight (the concurrency), got ${opts.requests}`)
  }
  if (d.tbo) warnings.push({code: 'tbo-ignored', message: 'two-batch overlap is not modelled under --serving; ignored'})
  return warnings
}

export interface ServingProblem {
  cost: StepCost
  workload: ServingWorkload
  /** Why the KV cache is FP8 (undefined: the model's dtype); the step costs are read at it. */
  kvFp8Reason?: KvFp8Reason
  /** Set where the FP8 weights' compute-bound GEMMs run the engine's own kernel (src/sim/fp8-gemm.ts). */
  fp8GemmKernel?: 'bf16-efficiency'
  /** Set where the engine pads each routed expert's tokens to this many rows (src/sim/expert-padding.ts). */
  moeExpertBlockRows?: number
  /** How the MoE layers are spread over the GPUs (the serving options' expert parallelism applied). */
  moe: MoeLayout
  /** The engine's defaults on this GPU (gpu_defaults), over whatever parameters solve it. */
  gpuDefaults: {values: Partial<EngineParams>; sources: string[]; kvCacheFp8?: boolean}
  warnings: SimWarning[]
}

/** What a serving solve needs apart from the engine's parameters (the fit solves it many times). */
export function servingProblem(
  model: ModelSpec,
  d: Deployment,
  gpu: GpuSpec,
  tables: TableSet,
  profile: Profile,
  opts: ServingOptions,
  options: SimulateOptions = {},
): ServingProblem {
  const warnings = checkServing(model, d, opts)
  const withEp = withMoeEp(d, opts)
  const moe = moeLayoutOf(model, withEp, profile.switches)
  const gpuDefaults = gpuDefaultsOn(opts.engine.gpuDefaults, gpu, opts.engineVersion, modelIdentity(model, moe.moeTp))
  const kvFp8Reason = engineKvFp8(model, withEp, gpu, profile, opts.engine.params, gpuDefaults.kvCacheFp8)
  // The KV cache in FP8, as asked or as the engine picks it, decoded by the engine's FP8 kernel.
  const withKv = kvFp8Reason ? Object.assign({}, withEp, {fp8Kv: true, fp8KvDecode: opts.engine.params.fp8_kv_decode ?? 'measured'}) : withEp
  // Its compute-bound FP8 GEMMs by its own kernels where they beat the tables' (src/sim/fp8-gemm.ts).
  const gemmKernel = engineGemmKernel(opts.engine.params.fp8_gemm ?? 'measured', model)
  const weights = resolveWeightFormat(model, withKv, gpu, profile.switches)
  // Its grouped expert GEMMs with each expert's tokens padded to a block, where its kernel for these experts does so.
  const blockRows = expertBlockRows(gpuDefaults.values.moe_expert_block_rows ?? opts.engine.params.moe_expert_block_rows, model, weights.format)
  const served = Object.assign(
    {},
    withKv,
    gemmKernel === 'measured' ? {} : {fp8GemmKernel: gemmKernel},
    blockRows === undefined ? {} : {moeExpertBlockRows: blockRows},
  )
  // Whether it applies here (FP8 weights, a GPU from Hopper on): only asked of an engine that has such kernels.
  const ownFp8Gemm = gemmKernel !== 'measured' && engineFp8Gemm(served, effectiveRates(gpu), weights.tableDtype, model)
  const {cost, warnings: lookupWarnings} = stepCostFor(model, served, gpu, tables, profile, options)
  if (opts.mixedChunk !== undefined) {
    gpuDefaults.values.mixed_chunk = opts.mixedChunk
    gpuDefaults.sources.push(opts.mixedChunk ? '--mixed-chunk' : '--no-mixed-chunk')
  }
  if (opts.chunkedPrefill !== undefined) {
    gpuDefaults.values.chunked_prefill = opts.chunkedPrefill
    gpuDefaults.sources.push(opts.chunkedPrefill ? '--chunked-prefill' : '--no-chunked-prefill')
  }
  if (opts.cudaGraphBatchSizes !== undefined) {
    gpuDefaults.values.cuda_graph_batch_sizes = opts.cudaGraphBatchSizes
    gpuDefaults.sources.push('--cuda-graph-batches')
  }
  if (opts.openingWave !== undefined) {
    checkOpeningWave(opts.openingWave)
    gpuDefaults.values.sync_share = opts.openingWave
    gpuDefaults.sources.push(`--opening-wave ${opts.openingWave}`)
  }
  const budget = opts.maxPrefillTokens ?? gpuDefaults.values.max_prefill_tokens ?? opts.engine.params.max_prefill_tokens
  return {
    cost,
    workload: {
      concurrency: opts.concurrency,
      isl: d.isl,
      osl: d.osl,
      maxPrefillTokens: budget,
      tp: d.tp,
      memGiB: gpu.memGiB,
      ...(opts.measured ? {measured: true} : {}),
      ...(d.speculative ? {speculative: d.speculative} : {}),
    },
    ...(kvFp8Reason ? {kvFp8Reason} : {}),
    ...(ownFp8Gemm ? {fp8GemmKernel: 'bf16-efficiency' as const} : {}),
    ...(blockRows === undefined ? {} : {moeExpertBlockRows: blockRows}),
    moe,
    gpuDefaults,
    warnings: [...modelNoteWarnings(model), ...warnings, ...lookupWarnings],
  }
}

export function simulateServing(
  model: ModelSpec,
  d: Deployment,
  gpu: GpuSpec,
  tables: TableSet,
  profile: Profile,
  opts: ServingOptions,
  options: SimulateOptions = {},
): ServingResult {
  const {cost, workload, kvFp8Reason, fp8GemmKernel, moeExpertBlockRows, moe, gpuDefaults, warnings} = servingProblem(model, d, gpu, tables, profile, opts, options)
  const params = withGpuDefaults(opts.engine.params, gpuDefaults.values)
  const budget = workload.maxPrefillTokens
  const replicas = Math.max(1, Math.floor(d.worldSize / d.tp))
  const solution = solveServing(cost, params, workload)
  if (solution.memoryShortfall) {
    warnings.push({
      code: 'measured-over-memory',
      message: `the engine ran this, but by its memory accounting (${poolSettings(params, gpu.memGiB)}) the weights (${(cost.weightBytesPerGpu / 1024 ** 3).toFixed(1)} GB per GPU) leave no KV pool: its capacity is taken as the ${solution.kvCapacity} requests admitted`,
    })
  }
  if (solution.running < opts.concurrency) {
    const why = solution.running === solution.kvCapacity ? `the KV cache holds ${solution.kvCapacity} requests` : `the engine runs at most ${params.max_running_requests}`
    const over = opts.concurrency - solution.running
    const where =
      solution.preempted > 0
        ? `on average ${solution.waiting.toFixed(1)} wait for room before their first token and ${solution.preempted.toFixed(1)} are paused (preempted) to be recomputed`
        : 'they wait for admission'
    warnings.push({code: 'admission-limited', message: `${over} of ${opts.concurrency} requests do not run at once (${why}): ${where}`})
  }
  const nearEdge = nearKvCapacityWarning(solution.kvCapacity, opts.concurrency, params)
  if (nearEdge) warnings.push(nearEdge)
  const unsplit = wholePromptWarning(params, budget, d.isl, solution.running)
  if (unsplit) warnings.push(unsplit)
  warnings.push(...hostLimitWarnings(solution, params))
  const highRate = highTokenRateWarning(solution.requestsPerSecond * d.osl)
  if (highRate) warnings.push(highRate)
  if (!solution.converged) warnings.push({code: 'serving-not-converged', message: `the serving fixed point did not converge in ${solution.iterations} iterations`})
  return Object.assign(solution, {
    engine: opts.engine.name,
    concurrency: opts.concurrency,
    replicas,
    totalRequestsPerSecond: solution.requestsPerSecond * replicas,
    isl: d.isl,
    osl: d.osl,
    maxPrefillTokens: budget,
    maxPrefillTokensSource: (opts.maxPrefillTokens !== undefined ? 'flag' : gpuDefaults.values.max_prefill_tokens !== undefined ? 'engine-gpu' : 'engine') as ServingResult['maxPrefillTokensSource'],
    ...(gpuDefaults.sources.length > 0 ? {gpuDefaults} : {}),
    tp: d.tp,
    moeEp: model.ffn.isMoe ? moe.moeEp : 1,
    moeTp: model.ffn.isMoe ? moe.moeTp : d.tp,
    kvDtype: (kvFp8Reason ? 'fp8' : 'model') as 'fp8' | 'model',
    ...(kvFp8Reason ? {kvFp8Reason} : {}),
    ...(fp8GemmKernel ? {fp8GemmKernel} : {}),
    ...(moeExpertBlockRows === undefined ? {} : {moeExpertBlockRows}),
    commSource: cost.commSource,
    ...(d.speculative ? {speculative: speculativeRun(model, d.speculative)} : {}),
    params,
    ...cudaGraphOf(params, solution.meanDecodeBatch),
    ...(opts.requests === undefined ? {} : {finiteRun: finiteRun(cost, params, workload, solution.running, opts.requests)}),
    lookups: cost.lookups,
    ...(opts.engine.accuracy
      ? {uncertainty: servingUncertainty(opts.engine.accuracy, solution.ttftMs, solution.tpotMs, d.osl, opts.concurrency, {name: gpu.name, measuredAs: gpu.measuredAs, fittedGpus: opts.engine.fittedGpus, layout: servingLayoutOf(model.ffn.isMoe, cost.moeGroups)})}
      : {}),
    warnings,
  })
}
