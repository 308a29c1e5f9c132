/** Reads data/launch-flags.json: each serving engine's version, checked flags and parallel layouts (schema-checked). */
import type {EngineName} from '../engine.js'
import {assertValid} from '../schemas/validate.js'
import {readJsonFile} from './json.js'
import {bundled, displayPath} from './paths.js'

export interface EngineLaunchSpec {
  title: string
  /** Engine version the flags are written for. */
  version: string
  checkedAgainst: string[]
  /** Command that starts the server; {model} is the model. */
  launcher: string
  /** MoE expert parallelism inside a TP replica: over the whole group only, or any size dividing tp. */
  moeEpInsideTp: 'whole-group' | 'any-divisor'
  attentionDp: boolean
  /** What the TP flag counts under attention DP: one rank's attention TP, or all GPUs of the group. */
  tpUnderAttentionDp: 'attention-tp' | 'all-gpus'
  deepep: boolean
  /** Batch and token-budget flags per attention-DP rank (else totals the engine divides by the DP size). */
  valuesPerDpRank: boolean
  /** Flag (or extra-options line) per setting, with {value}-style placeholders. */
  flags: Record<string, string>
  notes: Record<string, string>
}

export interface LaunchFlagsFile {
  description: string
  engines: Record<EngineName, EngineLaunchSpec>
}

let cached: {file: string; data: LaunchFlagsFile} | undefined

export function loadLaunchFlags(file = bundled.launchFlags): LaunchFlagsFile {
  if (cached?.file === file) return cached.data
  const data = assertValid<LaunchFlagsFile>('launch-flags', readJsonFile(file, 'launch-flags file'), `launch-flags file ${displayPath(file)}`)
  cached = {file, data}
  return data
}
