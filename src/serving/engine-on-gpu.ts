/**
 * Engine defaults that depend on the GPU or the engine's version (an engine file's `gpu_defaults`):
 * vLLM's OpenAI server budgets 2048 tokens a step and 256 requests on GPUs
 * under 70 GiB or A100s, 8192 and 1024 elsewhere; SGLang's chunked prefill is
 * 2048 tokens under 35 GiB, 8192 under 160 GiB and 16384 above. A run on a
 * GPU the engine files were not fitted on gets the defaults its engine would
 * have picked there (docs/serving.md, Engine defaults by GPU).
 */
import type {EngineParams, GpuDefaultRule} from '../engine.js'
import {versionBelow} from '../util/version.js'

/** What a rule looks at: the GPU's name and memory. */
export interface GpuIdentity {
  name: string
  memGiB: number
}

export function ruleApplies(rule: GpuDefaultRule, gpu: GpuIdentity, engineVersion?: string): boolean {
  const w = rule.when
  if (w.engine_version_below !== undefined && !(engineVersion !== undefined && versionBelow(engineVersion, w.engine_version_below))) return false
  if (w.memory_below_gib !== undefined && !(gpu.memGiB < w.memory_below_gib)) return false
  if (w.memory_at_least_gib !== undefined && !(gpu.memGiB >= w.memory_at_least_gib)) return false
  if (w.gpu_name_contains !== undefined && !gpu.name.toLowerCase().includes(w.gpu_name_contains.toLowerCase())) return false
  return true
}

/** The values the engine's rules set on this GPU and, when known, at this engine version (later rules win) and the sources of the rules that did. */
export function gpuDefaultsOn(rules: readonly GpuDefaultRule[] | undefined, gpu: GpuIdentity, engineVersion?: string): {values: Partial<EngineParams>; sources: string[]} {
  const values: Partial<EngineParams> = {}
  const sources: string[] = []
  for (const rule of rules ?? []) {
    if (!ruleApplies(rule, gpu, engineVersion)) continue
    Object.assign(values, rule.values)
    sources.push(rule.source)
  }
  return {values, sources}
}

/** `params` with a GPU's defaults (gpuDefaultsOn's values) over them. */
export const withGpuDefaults = (params: EngineParams, values: Partial<EngineParams>): EngineParams =>
  Object.keys(values).length === 0 ? params : {...params, ...values}

/**
 * An engine's parameters on a GPU: its file's values with the GPU's defaults
 * over them.
 *
 * @example paramsOn({params: vllm, gpuDefaults: rules}, {name: 'A100-SXM', memGiB: 80}).max_prefill_tokens // 2048
 */
export const paramsOn = (engine: {params: EngineParams; gpuDefaults?: readonly GpuDefaultRule[]}, gpu: GpuIdentity): EngineParams =>
  withGpuDefaults(engine.params, gpuDefaultsOn(engine.gpuDefaults, gpu).values)
