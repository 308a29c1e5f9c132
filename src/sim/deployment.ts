/** A deployment: how the model is laid out on GPUs and what workload it serves. */
import type {WeightQuant} from '../model/types.js'
import type {Speculative} from '../serving/speculative.js'

export type SimMode = 'both' | 'prefill' | 'decode'

/** How FP8-KV decode attention is timed (Deployment.fp8KvDecode). */
export type Fp8KvDecode = 'measured' | 'bf16-bandwidth'

/** How a compute-bound FP8 GEMM is timed (Deployment.fp8GemmKernel). */
export type Fp8GemmKernel = 'measured' | 'bf16-efficiency'
/** An engine file's fp8_gemm: a kernel, or 'per-tensor-checkpoint', which picks one by the checkpoint (src/sim/fp8-gemm.ts engineGemmKernel). */
export type EngineFp8Gemm = Fp8GemmKernel | 'per-tensor-checkpoint'

export interface Deployment {
  worldSize: number
  nodes: number
  tp: number
  fp8Gemm: boolean
  /** Weight format; undefined = fp8 with fp8Gemm, else what the checkpoint ships (default profile), else bf16. */
  weightFormat?: WeightQuant
  fp8Kv: boolean
  /**
   * Whose FP8-KV decode kernel times the attention: the tables' own ('measured', the default) or an
   * engine's that reads FP8 at the pace its BF16 kernel reads BF16 ('bf16-bandwidth'; src/sim/fp8-kv-decode.ts).
   */
  fp8KvDecode?: Fp8KvDecode
  /**
   * Whose FP8 GEMM kernel times a compute-bound FP8 GEMM: the tables' own ('measured', the default) or an
   * engine's that reaches the BF16 kernel's share of the peak ('bf16-efficiency'; src/sim/fp8-gemm.ts).
   */
  fp8GemmKernel?: Fp8GemmKernel
  /**
   * Rows each routed expert's tokens are padded to in the expert GEMMs (an engine's grouped kernel for
   * FP8 block-scaled experts: DeepGEMM's contiguous layout pads to 128); absent: no padding (src/sim/ffn.ts).
   */
  moeExpertBlockRows?: number
  deepep: boolean
  tbo: boolean
  /** Share of SMs left to compute while TBO communicates (default 108/132). */
  smRatio: number
  /** Tokens per prefill forward per GPU (P). */
  maxPrefillTokens: number
  /** Requests per decode micro-batch; undefined = ceil(targetTgs * targetTpot / 1000). */
  decodeBatch?: number | 'max'
  targetTgs: number
  /** TPOT SLO in ms. */
  targetTpot: number
  isl: number
  osl: number
  mode: SimMode
  /** Expert-parallel size of the MoE inside one tensor-parallel group (MoE TP = tp / moeEp); 1 when absent. */
  moeEp?: number
  /** Routing skew of the MoE lookups that have it (wide-EP tables): uniform or power_law_<a>; the profile's default when absent. */
  moeDistribution?: string
  /** Speculative decoding of the decode step (--mtp, --accept-length; src/serving/speculative.ts); absent: a token a step. */
  speculative?: Speculative
}

export const DEFAULT_DEPLOYMENT: Deployment = {
  worldSize: 1,
  nodes: 1,
  tp: 1,
  fp8Gemm: false,
  fp8Kv: false,
  deepep: false,
  tbo: false,
  smRatio: 108 / 132,
  maxPrefillTokens: 4096,
  targetTgs: 2560,
  targetTpot: 50,
  isl: 4096,
  osl: 2048,
  mode: 'both',
}
