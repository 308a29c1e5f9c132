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
] as const satisfies readonly (keyof ProfileSwitches)[]

export type SwitchName = (typeof SWITCH_NAMES)[number]

export const SWITCH_SPEC_IDS: Record<SwitchName, string> = {
  unitsFix: 'B1',
  interpolateMfu: 'B2',
  publishedConfigs: 'B3',
  mlaCoreUsesHtp: 'B4',
  hybridPrefillScale: 'B5',
  denseFfnTpShard: 'B6',
  rooflineFallback: 'B7',
}

const COMPAT: ProfileSwitches = {
  unitsFix: false,
  interpolateMfu: false,
  publishedConfigs: false,
  mlaCoreUsesHtp: false,
  hybridPrefillScale: false,
  denseFfnTpShard: false,
  rooflineFallback: false,
}

/** Default-profile switch values. Evidence for each lives in docs/profiles.md. */
const DEFAULT: ProfileSwitches = {
  unitsFix: true,
  interpolateMfu: true,
  publishedConfigs: true,
  mlaCoreUsesHtp: true,
  hybridPrefillScale: true,
  denseFfnTpShard: true,
  rooflineFallback: true,
}

export const PROFILE_NAMES: readonly ProfileName[] = ['default', 'infersim']

export function getProfile(name: ProfileName, overrides: Partial<ProfileSwitches> = {}): Profile {
  const base = name === 'infersim' ? COMPAT : DEFAULT
  return {name, switches: {...base, ...overrides}}
}
