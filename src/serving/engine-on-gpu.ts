/**
 * Engine defaults that depend on the GPU or the engine's version (an engine file's `gpu_defaults`):
 * vLLM's OpenAI server budgets 2048 tokens a step and 256 requests on GPUs
 * under 70 GiB or A100s, 8192 and 1024 elsewhere; SGLang's chunked prefill is
 * 2048 tokens under 35 GiB, 8192 under 160 GiB and 16384 above. A run on a
 * GPU the engine files were not fitted on gets the defaults its engine would
 * have picked there (docs/serving.md, Engine defaults by GPU).
 */
import type {EngineParams, GpuDefaultRule} from '../engine.js'
import type {ModelSpec} from '../model/types.js'
import {versionAtLeast, versionBelow} from '../util/version.js'

/** What a rule looks at: the GPU's name, memory and compute capability. */
export interface GpuIdentity {
  name: string
  memGiB: number
  computeCapability?: number
}

/** What a rule looks at of the model and its layout (sparse_attention, moe_tp_below), where the caller knows it. */
export interface ModelIdentity {
  /** DeepSeek's sparse attention (DSA): DeepSeek-V3.2, GLM-5. */
  sparseAttention: boolean
  /** How many ways the routed experts are split by width (MoE TP); absent for a dense model or where the layout is not known. */
  moeTp?: number
}

export const modelIdentity = (model: ModelSpec, moeTp?: number): ModelIdentity => ({
  sparseAttention: model.attention.kind === 'mla' && model.attention.sparse !== undefined,
  ...(model.ffn.isMoe && moeTp !== undefined ? {moeTp} : {}),
})

export function ruleApplies(rule: GpuDefaultRule, gpu: GpuIdentity, engineVersion?: string, model?: ModelIdentity): boolean {
  const w = rule.when
  if (w.sparse_attention !== undefined && !(model !== undefined && model.sparseAttention === w.sparse_attention)) return false
  if (w.compute_capability_at_least !== undefined && !(gpu.computeCapability !== undefined && gpu.computeCapability >= w.compute_capability_at_least)) return false
  if (w.engine_version_below !== undefined && !(engineVersion !== undefined && versionBelow(engineVersion, w.engine_version_below))) return false
  if (w.engine_version_at_least !== undefined && !(engineVersion !== undefined && versionAtLeast(engineVersion, w.engine_version_at_least))) return false
  if (w.moe_tp_below !== undefined && !(model?.moeTp !== undefined && model.moeTp < w.moe_tp_below)) return false
  if (w.memory_below_gib !== undefined && !(gpu.memGiB < w.memory_below_gib)) return false
  if (w.memory_at_least_gib !== undefined && !(gpu.memGiB >= w.memory_at_least_gib)) return false
  if (w.gpu_name_contains !== undefined && !gpu.name.toLowerCase().includes(w.gpu_name_contains.toLowerCase())) return false
  return true
}

/**
 * The values the engine's rules set on this GPU and, when known, at this engine version and for this
 * model (later rules win), the sources of the rules that did, and whether they make the KV cache FP8.
 */
export function gpuDefaultsOn(
  rules: readonly GpuDefaultRule[] | undefined,
  gpu: GpuIdentity,
  engineVersion?: string,
  model?: ModelIdentity,
): {values: Partial<EngineParams>; sources: string[]; kvCacheFp8?: boolean} {
  const values: Partial<EngineParams> = {}
  const sources: string[] = []
  let kvCacheFp8: boolean | undefined
  for (const rule of rules ?? []) {
    if (!ruleApplies(rule, gpu, engineVersion, model)) continue
    const {kv_cache_fp8: kv, ...params} = rule.values
    Object.assign(values, params)
    if (kv !== undefined) kvCacheFp8 = kv
    sources.push(rule.source)
  }
  return {values, sources, ...(kvCacheFp8 === undefined ? {} : {kvCacheFp8})}
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
