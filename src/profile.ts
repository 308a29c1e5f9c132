import {usageError} from './errors.js'

/**
 * Profiles are records of named switches (SPEC part B). The compat profile
 * (`infersim`) turns every fix off; the default profile turns on the fixes
 * that calibration showed to help. Code reads switches, never profile names.
 */
export interface ProfileSwitches {
  /** B1: 1 TFLOPS = 1000 GFLOPS (compat divides by 1024). */
  unitsFix: boolean
  /** B2: interpolate MFU over each table's grid instead of nearest point. */
  interpolateMfu: boolean
  /** B3: read configs as published (n_routed_experts, first_k_dense_replace, shared_expert_intermediate_size...). */
  publishedConfigs: boolean
  /** B4: MLA attention cores use the heads one GPU holds (Htp), not H. */
  mlaCoreUsesHtp: boolean
  /** B5: hybrid prefill scales attention cores like the standard model (ceil(P/isl)). */
  hybridPrefillScale: boolean
  /** B6: dense FFN MFU looked up with the tp shard (I*2/tp), not I*2/W. */
  denseFfnTpShard: boolean
  /** B7: a missing table falls back to a roofline estimate, reported as such. */
  rooflineFallback: boolean
  /** B8: collectives timed from measured comm/<gpu>/ tables where they cover the group, else the formula. */
  measuredComm: boolean
  /** The collectives each layout runs (two all-reduces per dense TP layer; DeepEP or all-gather/reduce-scatter for MoE across groups) instead of the reference's MoE pair plus TP all-reduce on every layer. */
  layoutCollectives: boolean
  /** A MoE layer reads the weights of the experts its tokens select (the expected distinct count), not every local expert. */
  activeExpertsOnly: boolean
  /** Per-forward overheads from the serving engine's file (data/engines/<engine>.json) instead of the reference's 30 ms / 5 ms. */
  engineOverheads: boolean
  /** The LM head GEMM for the tokens that need logits (last prompt token, every decode token). */
  lmHead: boolean
  /** Expert-parallel MoE layers of the wide-EP shape read the wide-EP tables of the routing distribution (--moe-distribution). */
  wideEpTables: boolean
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
] as const satisfies readonly (keyof ProfileSwitches)[]

export type SwitchName = (typeof SWITCH_NAMES)[number]

export const SWITCH_SPEC_IDS: Partial<Record<SwitchName, string>> = {
  unitsFix: 'B1',
  interpolateMfu: 'B2',
  publishedConfigs: 'B3',
  mlaCoreUsesHtp: 'B4',
  hybridPrefillScale: 'B5',
  denseFfnTpShard: 'B6',
  rooflineFallback: 'B7',
  measuredComm: 'B8',
}

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
}

/**
 * Default-profile switch values, settled by `infersim calibrate --ablate` over
 * every shipped measurement (1,480 rows: InferSim's six, 22 published H100
 * figures, 1,452 H100 serving runs). MAPE without the switch minus with it:
 * B1 +0.13 pp, B2 +4.80 pp, B3 +0.76 pp, B8 +0.07 pp (prefill +9.9): on. B4-B7 change no shipped row
 * (0.00 pp: no row has MLA with tp > 1, a hybrid model with P != isl, a dense
 * model with fewer tp than GPUs, or a missing table), so by the project's rule
 * they stay available (`--switch B4=on`) but off. Details: docs/profiles.md.
 */
const DEFAULT: ProfileSwitches = {
  unitsFix: true,
  interpolateMfu: true,
  publishedConfigs: true,
  mlaCoreUsesHtp: true,
  hybridPrefillScale: false,
  denseFfnTpShard: false,
  rooflineFallback: false,
  measuredComm: true,
  layoutCollectives: true,
  activeExpertsOnly: true,
  engineOverheads: true,
  lmHead: true,
  wideEpTables: true,
}

export const PROFILE_NAMES: readonly ProfileName[] = ['default', 'infersim']

export function getProfile(name: ProfileName, overrides: Partial<ProfileSwitches> = {}): Profile {
  const base = name === 'infersim' ? COMPAT : DEFAULT
  return {name, switches: {...base, ...overrides}}
}

/** Parses `--switch B4=on` / `--switch mlaCoreUsesHtp=off` into overrides. */
export function parseSwitchOverrides(values: readonly string[]): Partial<ProfileSwitches> {
  const out: Partial<ProfileSwitches> = {}
  for (const v of values) {
    const m = /^([A-Za-z0-9]+)=(on|off|true|false|1|0)$/.exec(v.trim())
    const name = m && (SWITCH_NAMES.find((n) => n.toLowerCase() === m[1].toLowerCase() || SWITCH_SPEC_IDS[n]?.toLowerCase() === m[1].toLowerCase()))
    if (!m || !name) {
      throw usageError(`--switch expects NAME=on|off with NAME one of ${SWITCH_NAMES.join(', ')}; got "${v}"`)
    }
    out[name] = ['on', 'true', '1'].includes(m[2])
  }
  return out
}
