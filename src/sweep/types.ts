/** The data of a sweep: the space searched, one layout, one simulated point, and the result. */
import type {WeightQuant} from '../model/types.js'
import type {Speculative} from '../serving/speculative.js'

export type SweepPhase = 'prefill' | 'decode'

/** How a layout chooses its weights: the checkpoint's own format, --fp8-gemm, or an explicit --weight-format. */
export interface WeightChoice {
  fp8Gemm: boolean
  weightFormat?: WeightQuant
  /** The format this resolves to (bf16, fp8, ...): what the report shows. */
  resolved: WeightQuant
}

/** Everything about a deployment but its batch sizes: what one `infersim simulate` line fixes. */
export interface Layout {
  /** Index of the GPU type in SweepSpace.gpus. */
  gpu: number
  worldSize: number
  nodes: number
  tp: number
  weights: WeightChoice
  fp8Kv: boolean
  deepep: boolean
  tbo: boolean
  /** Largest decode batch whose KV cache fits (isl + osl tokens per request). */
  maxBatch: number
}

/** Values an axis flag may take: `auto` lets the sweep choose where the model and GPU allow. */
export type Toggle = 'auto' | 'on' | 'off'

export interface SweepSpace {
  gpus: string[]
  /** GPUs per replica; undefined = powers of two and whole nodes from minGpus to maxGpus. */
  worldSizes?: number[]
  minGpus: number
  maxGpus: number
  /** Override of data/gpus.json gpusPerNode. */
  gpusPerNode?: number
  /** Tensor-parallel sizes; undefined = 1 (attention DP + EP) and powers of two up to maxAttentionTp (a node; 8 on GB200 NVL72). */
  tps?: number[]
  /** Weight formats: `auto` = the checkpoint's own; `fp8` = FP8 GEMM. Undefined = auto, and fp8 where the GPU has FP8 tensor cores. */
  weightFormats?: ('auto' | WeightQuant)[]
  fp8Kv: Toggle
  deepep: Toggle
  tbo: Toggle
  prefillTokens: number[]
  /** Explicit decode batches; undefined = powers of two up to the largest that fits (and maxDecodeBatch). */
  decodeBatches?: number[]
  maxDecodeBatch: number
  /**
   * Per phase: a finer grid around frontier points after the first pass, and
   * (decode) bisection for the largest batch meeting the TPOT target. Off for
   * an axis given explicitly.
   */
  refine: Record<SweepPhase, boolean>
}

export interface Workload {
  isl: number
  osl: number
  /** Targets, ms. */
  ttftMax?: number
  tpotMax?: number
  /** Speculative decoding of the decode points (--mtp, --accept-length); absent: a token a step. */
  speculative?: Speculative
}

/** One simulated phase of one layout. */
export interface SweepPoint {
  layout: number
  phase: SweepPhase
  /** Prefill: tokens per forward per GPU; decode: requests per micro-batch. */
  value: number
  /** TTFT or TPOT, ms. */
  latencyMs: number
  /** Tokens per GPU per second. */
  tgs: number
}

/** Why layouts were skipped without simulating. */
export interface SkipCounts {
  /** Weights plus one request's KV cache do not fit in GPU memory. */
  memory: number
  /** Of those, layouts whose weights alone do not fit beside the runtime reserve. */
  weights: number
  /** Heads, KV heads or the world size do not divide (checkDeployment). */
  divisibility: number
  /** The weight format needs what the GPU lacks (e.g. nvfp4 without FP4 tensor cores). */
  format: number
}

/** The layout closest to fitting when none fits: its free memory (negative), GiB. */
export interface MemoryShortfall {
  gpu: string
  worldSize: number
  tp: number
  weights: WeightQuant
  freeGiB: number
  memGiB: number
  /** The layout's weights per GPU, and the memory they may take (GPU memory less the runtime reserve), GiB. */
  weightsGiB: number
  availableGiB: number
}

/** Why candidate layouts were not even tried: the first reason of each kind, for the message when none is left. */
export interface LayoutProblems {
  /** Distinct reasons heads, KV heads or the world size do not divide (checkDeployment's messages). */
  divisibility: string[]
  /** Tensor-parallel sizes above 1 that equal no world size searched (a tp > 1 replica spans tp GPUs). */
  unmatchedTps: number[]
  /** World sizes searched, per GPU. */
  worldSizes: number[]
}
