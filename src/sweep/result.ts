/** The result of a sweep, as --json returns it and the text report renders it. */
import type {Speculative} from '../serving/speculative.js'
import type {WeightQuant} from '../model/types.js'
import type {SkipCounts, SweepPhase} from './types.js'

export interface LayoutView {
  gpu: string
  worldSize: number
  nodes: number
  tp: number
  /** Weight format the layout runs (resolved). */
  weights: WeightQuant
  fp8Kv: boolean
  deepep: boolean
  tbo: boolean
}

export interface FrontierPoint {
  layout: LayoutView
  phase: SweepPhase
  /** Prefill: tokens per forward per GPU; decode: requests per micro-batch. */
  value: number
  /** TTFT or TPOT, ms. */
  latencyMs: number
  tgs: number
  /** Decode: tokens per second each user sees (1000 / TPOT). */
  userTps?: number
  command: string
}

export interface PhasePick {
  value: number
  latencyMs: number
  tgs: number
}

/** One layout running both phases with its best prefill budget and decode batch within the targets. */
export interface TopDeployment {
  rank: number
  layout: LayoutView
  prefill: PhasePick
  decode: PhasePick & {userTps: number}
  /** Prefill GPUs per decode GPU that balance the two phases at this ISL/OSL. */
  prefillGpusPerDecodeGpu: number
  /** Output tokens per GPU per second of the whole (prefill + decode) system. */
  systemTgs: number
  command: string
}

/** Prefill and decode on separate instances: the pair and counts that serve the most per GPU within the budget. */
export interface DisaggregatedPlan {
  gpu: string
  prefill: {layout: LayoutView; pick: PhasePick; instances: number; command: string}
  decode: {layout: LayoutView; pick: PhasePick & {userTps: number}; instances: number; command: string}
  /** Balance of the pair: prefill GPUs per decode GPU. */
  prefillGpusPerDecodeGpu: number
  /** Output tokens per GPU per second with the balanced (fractional) ratio. */
  balancedSystemTgs: number
  /** With whole instances within the GPU budget. */
  gpus: number
  systemTgs: number
  /** Requests per second the instances serve (the slower side). */
  requestsPerSecond: number
}

export type Constraint = 'memory' | 'layout' | 'ttft' | 'tpot' | 'both-phases'

/** Why nothing met the targets, and how close the nearest point came. */
export interface Binding {
  constraint: Constraint
  message: string
  /** Nearest point's value of the constraint and the target (ms, or GiB of memory short). */
  nearest?: {value: number; target: number; point?: FrontierPoint}
}

export interface SweepResult {
  model: string
  profile: string
  gpus: string[]
  workload: {isl: number; osl: number; ttftMaxMs?: number; tpotMaxMs?: number; /** --mtp (and --accept-length), when given: the decode points' speculative decoding. */ speculative?: Speculative}
  calibration?: {file: string; model: string}
  space: {
    worldSizes: Record<string, number[]>
    prefillTokens: number[]
    decodeBatches: number[] | 'powers of two up to the largest that fits'
    maxDecodeBatch: number
    fp8Kv: string
    deepep: string
    tbo: string
  }
  counts: {
    layouts: number
    skipped: SkipCounts
    batchesOverMemory: number
    simulations: {prefill: number; decode: number; refinement: number; total: number}
    /** Layouts x prefill budgets x decode batches: the colocated deployments the simulations cover. */
    deploymentsCovered: number
  }
  timing: {seconds: number; simulationsPerSecond: number; workers: number}
  /** Frontier points within the targets (the whole frontier without targets). */
  frontiers: {decode: FrontierPoint[]; prefill: FrontierPoint[]}
  top: TopDeployment[]
  disaggregated: DisaggregatedPlan[]
  binding: Binding[]
}
