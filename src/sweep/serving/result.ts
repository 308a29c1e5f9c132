/** The result of a serving sweep, as --json returns it and the text report renders it. */
import type {Speculative} from '../../serving/speculative.js'
import type {EngineAccuracy} from '../../engine.js'
import type {LayoutView} from '../result.js'
import type {FigureBands} from './band.js'
import type {KvLink} from './disaggregated.js'
import type {EngineLaunch} from './launch.js'
import type {ServingSkipCounts} from './space.js'
import type {ServingLayoutView} from './views.js'

export type ServingMode = 'aggregated' | 'disaggregated'

/** A deployment's figures with their error bands (relative; absent when the engine is not cross-validated). */
export interface ServingFigures {
  /** Mean TTFT and TPOT, ms. */
  ttftMs: number
  tpotMs: number
  /** Tokens per second each user sees (1000 / TPOT). */
  userTps: number
  /** Output tokens per GPU per second. */
  tgs: number
  band?: FigureBands
  /**
   * One replica's predicted output rate is HIGH_TOKEN_RATE tokens/s or more,
   * where measured TTFTs were mostly above the model's (HIGH_TOKEN_RATE_RUNS) (`simulate
   * --serving` warns high-token-rate): TTFT is likely under-predicted.
   */
  ttftLikelyLow?: true
}

export interface AggregatedPlan {
  mode: 'aggregated'
  engine: string
  layout: ServingLayoutView
  /** Step token budget of each rank. */
  stepTokens: number
  /** Requests in flight per rank. */
  concurrency: number
  /** Units (replicas of the serving unit) and all their GPUs. */
  units: number
  gpus: number
  totalConcurrency: number
  requestsPerSecond: number
  /** Output tokens per second of the whole deployment. */
  tokensPerSecond: number
  figures: ServingFigures
  /** The `infersim simulate --serving` line that reproduces one unit's figures. */
  simulate: string
  launch: EngineLaunch
}

export interface DisaggregatedPool {
  layout: LayoutView
  /** Prefill: tokens per forward per GPU; decode: requests per micro-batch. */
  value: number
  latencyMs: number
  tgs: number
  instances: number
  /** The `infersim simulate` phase line that reproduces the pick. */
  simulate: string
}

export interface DisaggregatedPlan {
  mode: 'disaggregated'
  gpu: string
  prefill: DisaggregatedPool
  decode: DisaggregatedPool
  kvTransfer: {bytesPerRequest: number; link: KvLink; linkName: string; gbPerS: number; ms: number}
  gpus: number
  requestsPerSecond: number
  tokensPerSecond: number
  figures: ServingFigures
  /** Each engine's launch commands for the two pools. */
  launch: {engine: string; prefill: EngineLaunch; decode: EngineLaunch}[]
}

export type RankedPlan = (AggregatedPlan | DisaggregatedPlan) & {
  rank: number
  /** Ranks above this one whose output tokens/GPU/s are within the error band of this one's (the model cannot order them). */
  withinBandOf: number[]
}

export interface ServingFrontier {
  /** The engine (aggregated); disaggregated plans use the phase model, the same for every engine. */
  engine?: string
  mode: ServingMode
  /** Deployments meeting every target that no other beats on both tokens/s per user and tokens/GPU/s, by tokens/s per user descending. */
  points: (AggregatedPlan | DisaggregatedPlan)[]
}

export interface EngineSummary {
  name: string
  title: string
  /** Engine version the launch flags are for. */
  version: string
  accuracy?: EngineAccuracy
  /** The error band in words (or why there is none). */
  band: string
}

export interface ServingBinding {
  constraint: 'memory' | 'ttft' | 'tpot' | 'both' | 'gpus' | 'disaggregated'
  message: string
}

export interface ServingSweepResult {
  model: string
  profile: string
  gpus: string[]
  engines: EngineSummary[]
  targets: {isl: number; osl: number; ttftMaxMs?: number; tpotMaxMs?: number; requestRate?: number; concurrency?: number; /** --opening-wave, when given. */ openingWave?: number; /** --cuda-graph-batches, when given. */ cudaGraphBatchSizes?: number[]; /** --mtp (and --accept-length), when given. */ speculative?: Speculative}
  space: {minGpus: number; maxGpus: number; modes: ServingMode[]; stepTokens: number[] | 'engine default and 2048-16384'; concurrencies: number[] | string}
  counts: {
    layouts: number
    skipped: ServingSkipCounts
    evaluations: number
    /** Phase simulations behind the disaggregated plans. */
    phaseSimulations: number
  }
  timing: {seconds: number; workers: number}
  top: RankedPlan[]
  frontiers: ServingFrontier[]
  binding: ServingBinding[]
  notes: string[]
}
