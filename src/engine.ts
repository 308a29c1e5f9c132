/**
 * A serving engine's named parameters (data/engines/<name>.json): what the
 * serving model adds to the simulator's kernel times. Values live in the
 * data files; this module names them, bounds the fitted ones and says how
 * the fit transforms each (positive scales are fitted in log space).
 */

import type {EngineFp8Gemm, Fp8KvDecode} from './sim/deployment.js'

export const ENGINE_NAMES = ['trtllm', 'vllm', 'sglang'] as const
export type EngineName = (typeof ENGINE_NAMES)[number]

/** What an engine does when its KV pool cannot hold another token for a running request. */
export type KvPoolFull = 'preempt' | 'wait'

export interface EngineParams {
  /** Tokens one step may carry (chunked-prefill budget) unless --max-prefill-tokens says otherwise. */
  max_prefill_tokens: number
  /**
   * Whether a step carries prefill chunks beside the decoding requests (vLLM, TensorRT-LLM; SGLang with
   * --enable-mixed-chunk). Otherwise a prefill batch pauses every decode: the requests prefilled together
   * decode in lockstep and come back together, so every request arrives in a wave (src/serving/mean-field.ts).
   */
  mixed_chunk: boolean
  /**
   * Whether the engine splits a prompt over steps (chunked prefill: vLLM, SGLang). Otherwise a step carries
   * whole prompts only, as many as its budget holds, and a longer prompt alone (TensorRT-LLM, whose
   * enable_chunked_prefill is off by default). Absent from engine files written before it existed: chunked.
   */
  chunked_prefill: boolean
  /** Whether decode tokens count against that budget (vLLM max_num_batched_tokens, TRT-LLM max_num_tokens) or not (SGLang chunked_prefill_size). */
  budget_includes_decode: boolean
  /** Requests one replica runs at once at most (the engine's max batch size); more wait for admission. */
  max_running_requests: number
  /** Share of GPU memory the engine takes: of the whole memory for weights and KV (vLLM, SGLang), or of what weights and activations leave (TensorRT-LLM). */
  gpu_memory_fraction: number
  /** Whether gpu_memory_fraction is of the whole memory or of the memory free after weights and activations. */
  memory_fraction_of: 'total' | 'free'
  /** Activations, CUDA graphs and workspaces the KV pool cannot use, GiB. */
  activation_reserve_gib: number
  /** Whether a request reserves KV cache for isl + osl tokens when admitted (else it holds isl + osl/2 on average, pages allocated as it grows). */
  reserves_full_kv: boolean
  /**
   * Whether the engine stores the KV cache in the dtype the checkpoint's quantization config names
   * (kv_cache_quant_algo FP8 in NVIDIA's ModelOpt checkpoints) without being asked: true, and then
   * FP8 or NVFP4 weights of a BF16 release are read from such a checkpoint too (an engine that runs
   * them only so); 'named', only where the config names it (an engine that also quantizes weights
   * itself); false, never. Otherwise the KV cache is in the model's dtype unless --fp8-kv. Absent
   * from engine files written before it existed.
   */
  kv_dtype_from_checkpoint: boolean | 'named'
  /**
   * How the engine's FP8-KV decode attention is timed: by the tables' FP8-KV rows ('measured'; they are
   * the collecting engine's kernels, SGLang's), or as the BF16 rows' time for half the bytes
   * ('bf16-bandwidth': a kernel that reads FP8 as fast as its BF16 kernel reads BF16; src/sim/fp8-kv-decode.ts).
   */
  fp8_kv_decode: Fp8KvDecode
  /**
   * How the engine's compute-bound FP8 GEMMs are timed: by the tables' FP8 rows ('measured'; SGLang's
   * kernels), or at the BF16 rows' share of the peak where that is faster ('bf16-efficiency': an engine
   * calling cuBLASLt or its own tuned kernels; src/sim/fp8-gemm.ts), or the second for a checkpoint that ships FP8
   * weights scaled per tensor and the first for any other ('per-tensor-checkpoint'). Memory-bound GEMMs read the FP8 rows either way.
   */
  fp8_gemm: EngineFp8Gemm
  /** A full KV pool: `preempt` running requests and recompute them later, admitting new ones when their prompt fits (vLLM; src/serving/mean-field.ts pausedShare), or make new requests `wait` for whole requests to finish (TensorRT-LLM's guaranteed-no-evict scheduler, SGLang's admission by free tokens). */
  kv_pool_full: KvPoolFull
  /** Fixed time of every step (scheduling, launch; CUDA graphs in decode-only steps), ms. */
  step_overhead_ms: number
  /** Extra time of a step that carries prefill tokens (no CUDA graph, more kernels), ms. */
  mixed_step_overhead_ms: number
  /** Time per request in a step (sampling, detokenization, bookkeeping), ms. */
  per_request_overhead_ms: number
  /**
   * Host (CPU) time per request in a step that the engine overlaps with the GPU's work (its scheduler
   * prepares the next batch and processes the last one's outputs while the kernels run): a step takes
   * at least this times its requests, microseconds. 0: the step never waits for the host.
   */
  host_us_per_request: number
  /** Time per layer per step beyond the kernels the tables time (norms, rotary, KV writes, residuals, launches), microseconds. */
  layer_overhead_us: number
  /** Extra time per MoE layer per step (router, top-k, token sorting and alignment), microseconds. */
  moe_layer_overhead_us: number
  /** Per request, outside the steps: HTTP, tokenization, first token's way out, ms. */
  ttft_overhead_ms: number
  /** Steps a new request waits before the scheduler takes it in. */
  join_steps: number
  /** Share of requests that arrive in waves (all clients together, as at a benchmark's start or when identical requests keep clients in step) rather than spread out. */
  sync_share: number
  /** Multiplies the KV capacity that memory and model give (the engine's KV dtype choice, memory it reclaims). */
  kv_capacity_scale: number
  /** Multiplies GEMM and MoE kernel times (the engine's kernels vs the measured tables). */
  gemm_scale: number
  /** Multiplies attention kernel times. */
  attention_scale: number
  /** Multiplies communication times. */
  comm_scale: number
  /**
   * The API server's time per output token it streams (detokenization, HTTP/SSE), microseconds: one
   * replica streams at most 1e6 / this tokens per second, and clients beyond what that serves wait
   * before their first token. 0: no limit.
   */
  frontend_us_per_output_token: number
  /**
   * Rows each routed expert's token group is padded to in the expert GEMMs of FP8 block-scaled MoE
   * weights (DeepGEMM's contiguous grouped layout: 128): an expert that gets a few tokens costs a
   * whole block of rows, so at decode the experts cost as if each active one had that many tokens
   * (src/sim/ffn.ts). 0: no padding (grouped kernels that run each expert's own rows).
   */
  moe_expert_block_rows: number
  /**
   * The decode batches the engine captured CUDA graphs at, ascending, where it pads a decode-only
   * step to the next of them (TensorRT-LLM cuda_graph_config batch_sizes with enable_padding): its
   * GEMMs, experts, collectives and LM head run the padded batch, its attention the real one (the
   * padding requests hold no context). A batch above the largest runs as it is. Absent or empty:
   * every batch its own graph, no padding.
   */
  cuda_graph_batch_sizes?: number[]
}

export type EngineParamName = keyof EngineParams
/**
 * The kernel scales (gemm_scale, attention_scale, comm_scale) stay at 1: fitted,
 * they lowered no held-out error (leave one GPU out; docs/serving.md), so the
 * measured tables are taken as they are.
 */
export type FittedParamName = Exclude<
  EngineParamName,
  | 'gemm_scale'
  | 'attention_scale'
  | 'comm_scale'
  | 'max_prefill_tokens'
  | 'budget_includes_decode'
  | 'mixed_chunk'
  | 'chunked_prefill'
  | 'max_running_requests'
  | 'gpu_memory_fraction'
  | 'memory_fraction_of'
  | 'activation_reserve_gib'
  | 'reserves_full_kv'
  | 'kv_dtype_from_checkpoint'
  | 'fp8_kv_decode'
  | 'fp8_gemm'
  | 'kv_pool_full'
  | 'host_us_per_request'
  | 'frontend_us_per_output_token'
  | 'moe_expert_block_rows'
  | 'cuda_graph_batch_sizes'
>

/**
 * Where a fitted parameter stays unless the runs say otherwise: the fit pays
 * `weight` x |ln(value / at)| (a log parameter) or `weight` x |value - at| / at
 * (a linear one, which may reach 0) on top of its mean row error (serving-fit.ts fitError, as a fraction) to move it.
 */
export interface ParamPrior {
  at: number
  weight: number
}

/** What moving a decode step's fixed cost by its own size costs the fit, in mean row error (a fraction): leaving one GPU out, 0.03 to 1 gave the same TPOT error (17.6-17.7%), 0.01 less of the gain (18.5%); the smallest of those lets a user's runs move it most. */
const DECODE_PRIOR_WEIGHT = 0.03

/**
 * Parameters the fit may move, with the range it searches and whether it
 * works in log space. The ranges are what the engines can physically show
 * (a step's fixed cost of milliseconds, not tens; a kernel scale within 2x
 * of the measured tables), so a fit cannot buy in-sample error with a
 * constant no engine has.
 *
 * `start` is where a held-out fit begins: a fixed point that knows nothing of
 * the runs, so no held-out run's figures reach its prediction through the
 * starting point (a fit on all runs, as a start, would carry them).
 *
 * kv_capacity_scale has a prior at 1: only runs whose KV pool fills (admission
 * waits, preemption) say anything about it, and a fit on runs that never fill
 * it would otherwise leave it wherever the search wandered; on a GPU where the
 * pool does fill, that lands on the wrong side of a cliff (a request's TTFT
 * jumps from its prefill to waiting for whole requests to finish).
 *
 * The decode step's fixed costs (per step, per request, per layer, per MoE
 * layer) have priors at their starts. Fitted freely on one GPU's runs they
 * did not carry to the other: a fit on H200 alone put all of TensorRT-LLM's
 * per-layer cost on MoE layers (0 us per layer, 67 us per MoE layer), one on
 * H100 alone the other way round (28 and 14), SGLang's H100 runs (a dense
 * model only) sent its MoE cost to the bound. With the priors, TPOT leaving
 * one GPU out fell from 20.5% to 17.6% MAPE (TTFT rose from 42.0% to 44.4%).
 *
 * sync_share has a weak prior at 0.1, the share the three engines' fits
 * agree on (0.04-0.11 fitted on either GPU): a benchmark's opening wave.
 * Where no run says otherwise it stays there: SGLang's H100 runs (0.5.1,
 * whose waves the model now gives by mixed_chunk) left it to wander to 0.93
 * from a start of 0.1 and to 0.11 from 0, and the H200 runs predicted from
 * the 0.93 had a TTFT MAPE of 127%. With the prior, leaving one GPU out,
 * TTFT fell from 34.1% to 31.7% MAPE over all engines (runs more than 2x
 * off 15.4% -> 14.0%), TPOT unchanged (14.8%).
 *
 * join_steps may reach 16, more than any scheduler lets a request wait: as
 * fitted it also carries the part of a run's TTFT that grows with the decode
 * step's time (on the H200 TensorRT-LLM runs, TTFT regressed on TPOT gives
 * about 16 steps). It has a weak prior at 2: a request that arrives during a
 * step waits for its end (half a step on average), is scheduled into the
 * next, and an engine that overlaps its scheduler with the GPU (TensorRT-LLM's
 * PyTorch backend by default) hands a step's tokens back one step later.
 * Without it, TensorRT-LLM's fit on the H200 runs alone went to 15 steps and
 * a TTFT overhead of 9 ms, the H100 runs' to 4.9 and 85 ms; with it, both
 * stay at 2 and agree on the overhead (112 and 122 ms), and TTFT with a GPU
 * held out fell from 35.0% to 31.1% MAPE over all engines in the fast
 * held-out harness (fitted on serving-fit.ts's fitError; on the relative
 * error alone the prior did not help: 34.8% -> 37.6%). vLLM's fits on either
 * GPU stay at the prior too; SGLang's engine file holds it at 4 (the file says why).
 */
export const FITTED_PARAMS: Record<FittedParamName, {min: number; max: number; log: boolean; start: number; prior?: ParamPrior}> = {
  step_overhead_ms: {min: 0, max: 5, log: false, start: 0.5, prior: {at: 0.5, weight: DECODE_PRIOR_WEIGHT}},
  mixed_step_overhead_ms: {min: 0, max: 10, log: false, start: 1},
  per_request_overhead_ms: {min: 0, max: 0.2, log: false, start: 0.01, prior: {at: 0.01, weight: DECODE_PRIOR_WEIGHT}},
  layer_overhead_us: {min: 0, max: 60, log: false, start: 10, prior: {at: 10, weight: DECODE_PRIOR_WEIGHT}},
  moe_layer_overhead_us: {min: 0, max: 150, log: false, start: 20, prior: {at: 20, weight: DECODE_PRIOR_WEIGHT}},
  ttft_overhead_ms: {min: 0, max: 400, log: false, start: 50},
  join_steps: {min: 0, max: 16, log: false, start: 2, prior: {at: 2, weight: 0.01}},
  sync_share: {min: 0, max: 1, log: false, start: 0.1, prior: {at: 0.1, weight: 0.01}},
  kv_capacity_scale: {min: 0.6, max: 2, log: true, start: 1, prior: {at: 1, weight: 0.03}},
}

export const FITTED_NAMES = Object.keys(FITTED_PARAMS) as FittedParamName[]

/** Held-out relative error of one mean figure, as fractions (0.2 = 20%). */
export interface ErrorStats {
  mape: number
  /** Half of the held-out runs are within it. */
  median: number
  p90: number
}

/** How well the serving model predicts this engine on runs it was not fitted on (data/engines/<engine>.json "accuracy"). */
export interface EngineAccuracy {
  /** How the error was measured, e.g. leave-one-GPU-out. */
  heldOut: string
  /** Measured runs it covers. */
  rows: number
  ttft: ErrorStats
  tpot: ErrorStats
  /**
   * The same error by clients per replica, ascending: a group holds the runs of up to `clientsUpTo`
   * clients (and more than the group before it); the last has no bound. A prediction takes its group's
   * band, as the held-out error grows with load (docs/serving.md, How good it is).
   */
  byClients?: ClientsErrorStats[]
  /** Measured output rates of runs no fit read, as the fitted parameters predict them, by GPU and layout; absent without such runs. */
  outputRate?: OutputRateChecks
  /**
   * The same error by layout, where the engine's runs served more than one (each with at least
   * MIN_LAYOUT_RUNS runs): data-parallel attention can err another way than the rest.
   */
  byLayout?: LayoutErrorStats[]
}

/** Held-out error of the runs of one layout, with the median of predicted / measured (below 1: predicted shorter). */
export interface LayoutErrorStats {
  layout: ServingLayout
  runs: number
  ttft: ErrorStats & {ratio: number}
  tpot: ErrorStats & {ratio: number}
}

/** How a deployment serves: tensor-parallel replicas, or attention groups that share the MoE (attention data parallelism). */
export type ServingLayout = 'tensor-parallel' | 'attention-data-parallel'

export const SERVING_LAYOUTS: readonly ServingLayout[] = ['tensor-parallel', 'attention-data-parallel']

/** The layout of a deployment of `replicas` attention groups: data-parallel attention where they share the MoE. */
export const servingLayoutOf = (isMoe: boolean, replicas: number): ServingLayout => (isMoe && replicas > 1 ? 'attention-data-parallel' : 'tensor-parallel')

/**
 * Checks of the output rate (output tokens/s per GPU, calibrate's `output_tgs` rows) on runs the
 * fit never read: what the engine's error is on GPUs the fit had none of (docs/serving.md, "On
 * GPUs no fit has seen").
 */
export interface OutputRateChecks {
  /** The measurement files the runs came from, each with its sources. */
  data: string[]
  checks: OutputRateCheck[]
}

/** The output-rate error of one GPU's runs of one layout. */
export interface OutputRateCheck {
  gpu: string
  layout: ServingLayout
  runs: number
  /** Median and 90th percentile absolute relative error, as fractions. */
  median: number
  p90: number
  /** Median of predicted / measured: above 1, the predictions were faster than the runs. */
  ratio: number
}

/** Held-out error of the runs in one range of clients per replica. */
export interface ClientsErrorStats {
  /** The most clients per replica of the group's runs; absent on the last group (no bound). */
  clientsUpTo?: number
  /** Measured runs (a TTFT row and a TPOT row each) in the group. */
  runs: number
  ttft: ErrorStats
  tpot: ErrorStats
}

/** Parameters an engine picks by GPU (an engine file's `gpu_defaults`). */
export type GpuDefaultParamName = 'max_prefill_tokens' | 'max_running_requests' | 'mixed_chunk' | 'frontend_us_per_output_token' | 'moe_expert_block_rows'

/** One of an engine's defaults that depend on the GPU: where every condition holds, `values` replace the file's. */
export interface GpuDefaultRule {
  when: {
    memory_below_gib?: number
    memory_at_least_gib?: number
    gpu_name_contains?: string
    engine_version_below?: string
    /** Applies to a run whose engine version is this release or a later one (not its pre-releases); not where the version is unknown. */
    engine_version_at_least?: string
    /** The GPU's CUDA compute capability is at least this (10: Blackwell); not where the GPU's spec does not give it. */
    compute_capability_at_least?: number
    /** The model's attention is (true) or is not (false) DeepSeek's sparse attention (DSA: DeepSeek-V3.2, GLM-5). */
    sparse_attention?: boolean
    /** Applies to a MoE run whose experts are split fewer ways than this by width (MoE TP); not to a dense model. */
    moe_tp_below?: number
  }
  /** kv_cache_fp8: the engine stores the KV cache in FP8 unasked (a default of its own, not a parameter of the file). */
  values: Partial<Pick<EngineParams, GpuDefaultParamName>> & {kv_cache_fp8?: boolean}
  source: string
}

/** An engine as the serving model uses it: its name, parameter values, the defaults it picks by GPU and, when cross-validated, its error. */
export interface Engine {
  name: string
  params: EngineParams
  gpuDefaults?: GpuDefaultRule[]
  accuracy?: EngineAccuracy
  /** The GPUs whose measured runs the engine was fitted on (its file's fit.gpus). */
  fittedGpus?: string[]
}

/**
 * Parameters added after engine files were first written, with what a bundled file without one
 * means: a user's file without them (an earlier fit) takes the bundled engine's values
 * (src/io/engines.ts).
 */
export const LATER_PARAMS = {kv_dtype_from_checkpoint: false, fp8_kv_decode: 'measured', fp8_gemm: 'measured', host_us_per_request: 0, frontend_us_per_output_token: 0, mixed_chunk: true, chunked_prefill: true, moe_expert_block_rows: 0} as const satisfies Partial<EngineParams>

/**
 * A forward's time, ms, from its kernels' `kernelMs` and the engine's fixed
 * costs (forwardOverheadMs), and no less than the host work an engine that
 * overlaps it with the GPU has to finish for the step's requests: with a
 * small model at a large batch the GPU waits for the host, whatever the GPU.
 */
export function engineStepMs(e: EngineParams, f: {requests: number; prefill: boolean; layers: number; moeLayers: number}, kernelMs: number): number {
  return Math.max(hostStepMs(e, f.requests), kernelMs + forwardOverheadMs(e, f))
}

/** Host work of one step with `requests` requests that the GPU's work hides unless it is longer, ms. */
export const hostStepMs = (e: EngineParams, requests: number): number => ((e.host_us_per_request ?? 0) * requests) / 1000

/** How the reports say an opening-wave share (sync_share): "10% of the requests arrive all at once". */
export const openingWaveText = (share: number) => `${+(share * 100).toPrecision(3)}% of the requests arrive all at once`

/** Output tokens a second one replica's API server streams at most (Infinity: no limit). */
export const frontendTokensPerSecond = (e: EngineParams): number => 1e6 / (e.frontend_us_per_output_token ?? 0)

/**
 * Fixed time one forward adds beyond the kernels the tables time, ms: the
 * step's own cost, per-request work, per-layer small kernels (more on MoE
 * layers), and the extra cost of a step carrying prompt tokens.
 */
export function forwardOverheadMs(e: EngineParams, f: {requests: number; prefill: boolean; layers: number; moeLayers: number}): number {
  return (
    e.step_overhead_ms +
    e.per_request_overhead_ms * f.requests +
    (f.prefill ? e.mixed_step_overhead_ms : 0) +
    (e.layer_overhead_us * f.layers + e.moe_layer_overhead_us * f.moeLayers) / 1000
  )
}
