/**
 * The step budget a measured AIConfigurator run was launched with, where its
 * row names none (column max_prefill_tokens empty). AIConfigurator's
 * generator, which writes the launch configurations of its measured runs
 * (ids `..._agg_<isl>x<osl>_...`, src/calibrate/run-id.ts), sets the budget
 * from the prompt length rather than leaving the engine's default (the
 * generator's rules, src/aiconfigurator/generator/rule_plugin/trtllm.rule and
 * sglang.rule in github.com/ai-dynamo/aiconfigurator, Apache-2.0):
 *  - TensorRT-LLM: max_num_tokens = max_batch_size + isl + 1500, with
 *    max_batch_size raised to at least 512, rounded up to the 32-token KV
 *    block; chunked prefill off, so a prompt is never split.
 *  - SGLang: --max-prefill-tokens isl + 1500; a step's prefill is still at
 *    most the engine's chunk (chunked_prefill_size, left at its default), so
 *    the budget is the smaller of the two.
 *  - vLLM: none (its vLLM 0.12 template passes no --max-num-batched-tokens):
 *    the engine's default.
 * What reading it so moved, with a GPU held out: docs/serving.md.
 */
import type {Engine} from '../engine.js'
import type {GpuSpec} from '../hardware/gpu.js'
import type {ModelSpec} from '../model/types.js'
import {gpuDefaultsOn, modelIdentity} from '../serving/engine-on-gpu.js'
import {runIdTokens} from './run-id.js'
import type {MeasurementRow} from './types.js'

/** What TensorRT-LLM's max_num_tokens adds to the prompt: the smallest max_batch_size (512) and 1,500 tokens. */
export const TRTLLM_EXTRA_TOKENS = 512 + 1500
/** What SGLang's --max-prefill-tokens adds to the prompt. */
export const SGLANG_EXTRA_TOKENS = 1500
const KV_BLOCK = 32

export interface LaunchBudget {
  tokens: number
  note: string
}

/**
 * @param engineBudget the engine's own step budget on the row's GPU (its default, or its GPU rule's)
 * @example
 * launchBudget({id: 'x_trtllm_fp8_agg_1024x1024_c8_tp1_ep1_3-ttft', isl: 1024, max_prefill_tokens: null}, 'trtllm', 8192).tokens // 3040
 * launchBudget({id: 'x_sglang_fp8_agg_8192x1024_c8_tp1_ep1_3-ttft', isl: 8192, max_prefill_tokens: null}, 'sglang', 8192).tokens // 8192
 */
export function launchBudget(row: Pick<MeasurementRow, 'id' | 'isl' | 'max_prefill_tokens'>, engine: string, engineBudget: number): LaunchBudget | undefined {
  if (row.max_prefill_tokens !== null) return undefined
  const agg = runIdTokens(row.id).agg
  // An id whose lengths are not the row's is not one this reading can trust.
  if (!agg || agg.isl !== row.isl) return undefined
  if (engine === 'trtllm') {
    const tokens = Math.ceil((row.isl + TRTLLM_EXTRA_TOKENS) / KV_BLOCK) * KV_BLOCK
    return {tokens, note: `step budget ${tokens} tokens: AIConfigurator's launch configuration (max_num_tokens = max_batch_size (at least 512) + isl + 1500, in 32-token blocks), which its run ids name; a max_prefill_tokens column overrides it`}
  }
  if (engine === 'sglang') {
    const tokens = Math.min(row.isl + SGLANG_EXTRA_TOKENS, engineBudget)
    return {tokens, note: `step budget ${tokens} tokens: AIConfigurator's launch configuration (--max-prefill-tokens isl + 1500, at most the engine's chunk of ${engineBudget}), which its run ids name; a max_prefill_tokens column overrides it`}
  }
  return undefined
}

/**
 * The step budget a serving row ran with: its max_prefill_tokens column, else its launch configuration's
 * (with a note for the row's warnings; the engine's own budget on the row's GPU and version as SGLang's cap),
 * else undefined: the engine's default.
 */
export function rowStepBudget(row: MeasurementRow, engine: Engine, gpu: GpuSpec, model: ModelSpec): {tokens: number; note?: string} | undefined {
  if (row.max_prefill_tokens !== null) return {tokens: row.max_prefill_tokens}
  const onGpu = gpuDefaultsOn(engine.gpuDefaults, gpu, row.extra.backend_version || undefined, modelIdentity(model)).values.max_prefill_tokens
  return launchBudget(row, engine.name, onGpu ?? engine.params.max_prefill_tokens)
}
