/** The data of a serving sweep: the space searched, one serving unit, one evaluated point, the targets. */
import type {Speculative} from '../../serving/speculative.js'
import type {Toggle, WeightChoice} from '../types.js'
import type {WeightQuant} from '../../model/types.js'

/**
 * How a serving unit lays the model out:
 * - `tp`: one attention tensor-parallel replica of `tp` GPUs; a MoE model's experts
 *   are split MoE EP x MoE TP = tp inside it;
 * - `dp-ep`: attention data-parallel over the unit's GPUs (one rank per GPU) with
 *   the experts spread over all of them, all-reduce or DeepEP around the MoE.
 */
export type UnitKind = 'tp' | 'dp-ep'

/** What the system must sustain besides the latency targets. */
export type Sustain = {kind: 'none'} | {kind: 'rate'; requestsPerSecond: number} | {kind: 'concurrency'; requests: number}

export interface ServingTargets {
  isl: number
  osl: number
  /** Mean TTFT and TPOT targets, ms. */
  ttftMax?: number
  tpotMax?: number
  sustain: Sustain
  /** The share of requests in a benchmark's opening wave (--opening-wave); each engine's sync_share when absent. */
  openingWave?: number
  /** The decode batches with a CUDA graph, padding up to them (--cuda-graph-batches); each engine's when absent. */
  cudaGraphBatchSizes?: number[]
  /** Speculative decoding (--mtp, --accept-length), the same for every unit. */
  speculative?: Speculative
}

/** Everything about a serving unit but its load: what one `infersim simulate --serving` line fixes, with the engine. */
export interface ServingLayout {
  /** Index into the sweep's GPUs and engines. */
  gpu: number
  engine: number
  kind: UnitKind
  /** GPUs of one unit. */
  worldSize: number
  nodes: number
  /** Attention tensor-parallel size (1 for dp-ep). */
  tp: number
  /** Expert-parallel size inside a tp replica (simulate's --moe-ep); 1 for dense models and for dp-ep. */
  moeEp: number
  weights: WeightChoice
  fp8Kv: boolean
  deepep: boolean
  /** Attention replicas (DP ranks) of one unit: 1 for tp, worldSize for dp-ep. */
  ranks: number
  /** Requests one rank runs at once at most: the engine's limit and the KV capacity. */
  maxConcurrency: number
}

export interface ServingSpace {
  gpus: string[]
  engines: string[]
  /** GPU budget of the whole deployment. */
  minGpus: number
  maxGpus: number
  gpusPerNode?: number
  /** Units' GPU counts for dp-ep; undefined = powers of two and whole nodes within the budget. */
  worldSizes?: number[]
  /** Attention TP sizes of tp units; undefined = powers of two up to maxAttentionTp (a node; 8 on GB200 NVL72). */
  tps?: number[]
  weightFormats?: ('auto' | WeightQuant)[]
  fp8Kv: Toggle
  deepep: Toggle
  /** Step token budgets (chunked prefill); undefined = each engine's default and 2048 to 16384 in powers of two. */
  stepTokens?: number[]
  /** Concurrency per rank; undefined = 1, 2, 3, 4, 6, 8, 12, ... up to maxConcurrency and what the rank can run. */
  concurrencies?: number[]
  maxConcurrency: number
  /** Bisect, per budget, for the largest concurrency meeting the latency targets. */
  refine: boolean
  /** Which modes to search. */
  aggregated: boolean
  disaggregated: boolean
}

/** One evaluated load of one unit. */
export interface ServingPoint {
  layout: number
  /** Step token budget. */
  budget: number
  /** Requests in flight per rank. */
  concurrency: number
  ttftMs: number
  tpotMs: number
  /** Output tokens per GPU per second of the unit at this load. */
  tgs: number
  /** Requests per second one rank finishes. */
  rankRps: number
}
