/**
 * Where an engine's padded grouped expert GEMMs (engine parameter
 * `moe_expert_block_rows`) apply: a MoE model whose experts run FP8 scaled
 * per block (128 x 128), the format DeepGEMM's grouped kernels take. That is
 * a checkpoint that ships them so (`shippedFp8BlockScaled`: DeepSeek's,
 * Kimi's, MiniMax's and Qwen3.5's FP8 releases), or the BF16 config of a
 * Qwen MoE model served in FP8, read as Qwen's FP8 release, which is
 * block-scaled for every Qwen3 MoE model (Qwen3, Qwen3-Next, Qwen3.5). Not
 * other BF16 configs served in FP8 (Mixtral's and Llama 4's FP8 releases are
 * scaled per tensor or per row), nor a checkpoint that ships FP8 scaled per
 * tensor, nor BF16 or 4-bit experts: those run other grouped kernels.
 */
import type {ModelSpec, WeightQuant} from '../model/types.js'

/** Model types whose vendor FP8 release scales the experts per block (Qwen's MoE models). */
const BLOCK_FP8_RELEASES = /^qwen3/

/**
 * Rows each routed expert's tokens are padded to, or undefined where no padding applies.
 *
 * @example
 * expertBlockRows(128, qwen3_235b, 'fp8') // 128 (the BF16 config served in FP8: Qwen's block-FP8 release)
 * expertBlockRows(128, mixtral8x7b, 'fp8') // undefined (its FP8 release is per tensor)
 * expertBlockRows(128, deepseekR1, 'bf16') // undefined
 * expertBlockRows(0, deepseekR1, 'fp8') // undefined (the engine does not pad)
 */
export function expertBlockRows(
  engineRows: number | undefined,
  model: Pick<ModelSpec, 'ffn' | 'modelType' | 'shippedQuant' | 'shippedFp8BlockScaled'>,
  format: WeightQuant,
): number | undefined {
  if (!engineRows || !model.ffn.isMoe || format !== 'fp8') return undefined
  const blockScaled = model.shippedFp8BlockScaled === true || (model.shippedQuant === undefined && BLOCK_FP8_RELEASES.test(model.modelType))
  return blockScaled ? engineRows : undefined
}
