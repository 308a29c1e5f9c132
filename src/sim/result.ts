/** The simulation result: every intermediate figure, for the text report, --json, sweep and calibrate. */
import type {FlopsSummary} from '../cost/flops.js'
import type {KvCacheFit} from '../cost/kvcache.js'
import type {ParamBreakdown} from '../cost/weights.js'
import type {Collective} from '../cost/collectives.js'
import type {MfuLookup, Provenance, SimWarning} from '../tables/types.js'
import type {GpuSpec} from '../hardware/gpu.js'
import type {ModelSpec} from '../model/types.js'
import type {ProfileSwitches} from '../profile.js'
import type {Deployment} from './deployment.js'
import type {WeightFormat} from './weight-format.js'
import type {SpeculativeRun} from '../serving/speculative.js'

export type Bound = 'compute' | 'memory' | 'communication' | 'latency'

/**
 * What kind of work a step is: matrix work (projections, dense FFN, shared
 * experts), routed experts (their tokens come from every attention group of
 * the MoE), attention cores, or collectives.
 */
export type StepPart = 'gemm' | 'moe' | 'attention' | 'comm'

/** One step of a layer: its time on one GPU, what limits it, and its MFU source. */
export interface Step {
  id: string
  /** Time of one run of the step, seconds. */
  seconds: number
  /** Runs per layer (prefill attention: one per prompt in the forward); 1 when absent. */
  count?: number
  bound: Bound
  part: StepPart
  mfu?: MfuLookup
  /** Communication steps timed from a measured table: where the time came from. */
  source?: Provenance
  /** For max(compute, memory) steps: both sides, seconds. */
  computeSeconds?: number
  memorySeconds?: number
  /** Roofline floors of one run: FLOPs at the peak, bytes at the memory bandwidth, seconds (what the bound label compares). */
  computeFloorSeconds?: number
  memoryFloorSeconds?: number
  /** Communication steps: the collectives they run. */
  collectives?: Collective[]
  shape?: Record<string, number>
}

/** Time of a step over one layer: one run times its count. */
export const stepLayerSeconds = (s: Step) => s.seconds * (s.count ?? 1)

/** A step's time over a forward, per layer of the model: its time in a layer that runs it, times the share of layers that do. */
export const stepForwardSeconds = (s: Step, layerShare = 1) => stepLayerSeconds(s) * layerShare

/** Layers that share one per-layer time. */
export interface LayerGroup {
  kind: 'full-attention' | 'linear-attention' | 'moe' | 'dense-ffn' | 'communication' | 'layer'
  count: number
  secondsPerLayer: number
}

export interface PhaseResult {
  phase: 'prefill' | 'decode'
  /** Tokens in flight on one GPU per forward (P, bs; doubled with TBO). */
  tokens: number
  /** Decode: requests per micro-batch; prefill: tokens per forward per GPU. */
  batch: number
  steps: Step[]
  /** Parallel to `steps`: the share of the model's layers that run each (a MoE model's leading dense layers, a hybrid model's full-attention layers); absent where every layer runs every step. */
  stepLayerShares?: number[]
  groups: LayerGroup[]
  /** Constant overhead added per forward, ms (scheduler, launch, per-request work). */
  overheadMs: number
  /** Where the overhead comes from: the InferSim constants or an engine file. */
  overheadSource: string
  /** TTFT (prefill) or TPOT (decode), ms. */
  latencyMs: number
  /** Tokens per GPU per second. */
  tgs: number
  /** Decode only: TPOT within the target. */
  meetsSlo?: boolean
  /**
   * With speculative decoding, ms: the forward with the overheads (stepMs) and its kernels' parts: the model's
   * (verifyMs, the steps above; decode verifies k + 1 tokens a request) and the draft's (draftMs: decode, its k
   * forwards of one layer and the LM head; prefill, its layer over the prompts). Decode's latencyMs is then
   * stepMs over acceptLength, and its tgs counts acceptLength tokens a request a step.
   */
  speculative?: SpeculativeRun & {stepMs: number; verifyMs: number; draftMs: number}
}

export interface SimResult {
  model: {
    name: string
    source: string
    attention: 'MHA/GQA' | 'MLA'
    hybrid: boolean
    layers: number
    hidden: number
  }
  gpu: string
  profile: string
  /** Everything the simulation read: the parsed model, the GPU spec and the profile's switches. */
  inputs: {model: ModelSpec; gpu: GpuSpec; switches: ProfileSwitches}
  deployment: Deployment & {decodeBatch: number}
  weightFormat: WeightFormat
  weights: ParamBreakdown
  kvCache: KvCacheFit & {batch: number; contextLen: number}
  flops: FlopsSummary
  prefill?: PhaseResult
  decode?: PhaseResult
  warnings: SimWarning[]
}

export function stepById(phase: PhaseResult, id: string): Step | undefined {
  return phase.steps.find((s) => s.id === id)
}
