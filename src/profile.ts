import {usageError} from './errors.js'

/**
 * Profiles are records of named switches. The compat profile (`infersim`)
 * turns every fix off and reproduces the InferSim project's figures; the
 * default profile turns on the fixes that calibration showed to help. Code
 * reads switches, never profile names.
 */
export interface ProfileSwitches {
  /** 1 TFLOPS = 1000 GFLOPS (compat divides by 1024). */
  unitsFix: boolean
  /** Interpolate MFU over each table's grid instead of nearest point. */
  interpolateMfu: boolean
  /** Read configs as published (n_routed_experts, first_k_dense_replace, shared_expert_intermediate_size...). */
  publishedConfigs: boolean
  /** MLA attention cores use the heads one GPU holds (Htp), not H. */
  mlaCoreUsesHtp: boolean
  /** Hybrid prefill scales attention cores like the standard model (ceil(P/isl)). */
  hybridPrefillScale: boolean
  /** Dense FFN MFU looked up with the tp shard (I*2/tp), not I*2/W. */
  denseFfnTpShard: boolean
  /** A missing table falls back to a roofline estimate, reported as such. */
  rooflineFallback: boolean
  /** Collectives timed from measured comm/<gpu>/ tables where they cover the group, else the formula. */
  measuredComm: boolean
  /** The collectives each layout runs (two all-reduces per dense TP layer; DeepEP or all-gather/reduce-scatter for MoE across groups) instead of the reference's MoE pair plus TP all-reduce on every layer. */
  layoutCollectives: boolean
  /** A MoE layer reads the weights of the experts its tokens select (the expected distinct count), not every local expert. */
  activeExpertsOnly: boolean
  /** Per-forward overheads from the serving engine's file (data/engines/<engine>.json) instead of the reference's 30 ms / 5 ms. */
  engineOverheads: boolean
  /** The LM head GEMM for the tokens that need logits (last prompt token, every decode token), and the memory the embedding and LM head take from a serving engine's KV pool. */
  lmHead: boolean
  /** Expert-parallel MoE layers of the wide-EP shape that dispatch with DeepEP, with FP8 experts, read the wide-EP tables of the routing distribution (--moe-distribution). */
  wideEpTables: boolean
  /** A GPU named as the reference names it (H200, GB200) reads as its measured entry (H200-SXM, GB200-NVL72: datasheet figures and measured tables). */
  measuredGpus: boolean
  /** GDN linear-attention layers sharded over tp like attention heads (per-GPU heads in the kernel tables, projections, weights, recurrent state), not whole on every GPU. */
  linearTpShard: boolean
  /** A GEMM takes at least the time its weights take to stream from memory at the datasheet bandwidth: a table row measured faster had them in the L2 cache, where a served model's layers, each read once a step, never are. */
  weightStreamFloor: boolean
  /** Weights narrower than the table a GEMM or MoE lookup reads (FP8 on a GPU without FP8 tensor cores, weight-only INT4 without an INT4 table): the table's time scaled by the bytes they stream (src/sim/narrow-weights.ts). */
  weightOnlyBytes: boolean
  /** Absorbed MLA's per-head matmuls (q by W_k, latent output by W_v) read the GPU's measured batched-matmul table (mla_bmm/<gpu>/bf16.csv) where it has one, instead of GEMM rows of k = heads x dim. */
  mlaBmmTables: boolean
}

export type ProfileName = 'infersim' | 'default'

export interface Profile {
  name: ProfileName
  switches: ProfileSwitches
}

export const SWITCH_NAMES = [
  'unitsFix',
  'interpolateMfu',
  'publishedConfigs',
  'mlaCoreUsesHtp',
  'hybridPrefillScale',
  'denseFfnTpShard',
  'rooflineFallback',
  'measuredComm',
  'layoutCollectives',
  'activeExpertsOnly',
  'engineOverheads',
  'lmHead',
  'wideEpTables',
  'measuredGpus',
  'linearTpShard',
  'weightStreamFloor',
  'weightOnlyBytes',
  'mlaBmmTables',
] as const satisfies readonly (keyof ProfileSwitches)[]

export type SwitchName = (typeof SWITCH_NAMES)[number]

const COMPAT: ProfileSwitches = {
  unitsFix: false,
  interpolateMfu: false,
  publishedConfigs: false,
  mlaCoreUsesHtp: false,
  hybridPrefillScale: false,
  denseFfnTpShard: false,
  rooflineFallback: false,
  measuredComm: false,
  layoutCollectives: false,
  activeExpertsOnly: false,
  engineOverheads: false,
  lmHead: false,
  wideEpTables: false,
  measuredGpus: false,
  linearTpShard: false,
  weightStreamFloor: false,
  weightOnlyBytes: false,
  mlaBmmTables: false,
}

/**
 * Default-profile switch values, settled by `infersim calibrate --ablate` over
 * every shipped measurement (2,586 rows); the evidence per switch is in
 * docs/profiles.md. Switches that change no shipped row stay off unless a
 * measurement added for them says otherwise (rooflineFallback: the decode
 * tables left out in turn).
 */
const DEFAULT: ProfileSwitches = {
  unitsFix: true,
  interpolateMfu: true,
  publishedConfigs: true,
  mlaCoreUsesHtp: true,
  hybridPrefillScale: false,
  denseFfnTpShard: false,
  rooflineFallback: true,
  measuredComm: true,
  layoutCollectives: true,
  activeExpertsOnly: true,
  engineOverheads: true,
  lmHead: true,
  wideEpTables: true,
  measuredGpus: true,
  linearTpShard: false,
  weightStreamFloor: true,
  weightOnlyBytes: true,
  mlaBmmTables: true,
}

export const PROFILE_NAMES: readonly ProfileName[] = ['default', 'infersim']

export function getProfile(name: ProfileName, overrides: Partial<ProfileSwitches> = {}): Profile {
  const base = name === 'infersim' ? COMPAT : DEFAULT
  return {name, switches: {...base, ...overrides}}
}

/** Parses `--switch mlaCoreUsesHtp=off` into overrides. */
export function parseSwitchOverrides(values: readonly string[]): Partial<ProfileSwitches> {
  const out: Partial<ProfileSwitches> = {}
  for (const v of values) {
    const m = /^([A-Za-z0-9]+)=(on|off|true|false|1|0)$/.exec(v.trim())
    const name = m && SWITCH_NAMES.find((n) => n.toLowerCase() === m[1].toLowerCase())
    if (!m || !name) {
      throw usageError(`--switch expects NAME=on|off with NAME one of ${SWITCH_NAMES.join(', ')}; got "${v}"`)
    }
    out[name] = ['on', 'true', '1'].includes(m[2])
  }
  return out
}
