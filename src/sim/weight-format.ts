/**
 * Which weight format a deployment runs, and what that means for bytes per
 * weight and the GEMM peak: FP8 GEMMs run at the fp8 peak; int4 is
 * weight-only (dequantised to bf16, bf16 peak); nvfp4 needs FP4 tensor cores;
 * mxfp4 (gpt-oss) reads the 4-bit MoE table (int4), at the bf16 peak: on
 * Hopper and older the kernel is w4a16 (bf16 activations); on Blackwell the
 * table holds the faster w4a8_mxfp4_mxfp8 kernel (MXFP8 activations), which
 * TensorRT-LLM runs there by default (src/ingest/aiconfigurator/moe.ts).
 */
import {usageError} from '../errors.js'
import type {GpuSpec} from '../hardware/gpu.js'
import type {ModelSpec, WeightQuant} from '../model/types.js'
import type {ProfileSwitches} from '../profile.js'
import type {GemmDtype} from '../tables/resolver.js'
import type {Deployment} from './deployment.js'

/** The format one group of a model's GEMMs runs in. */
export interface GemmPrecision {
  bits: 4 | 8 | 16
  /** Peak TFLOP/s of these GEMMs. */
  gemmPeak: number
  /** Which measured GEMM tables apply (gemm/<gpu>/<dtype>.csv). */
  tableDtype: GemmDtype
}

export interface WeightFormat {
  format: WeightQuant
  bits: 4 | 8 | 16
  /** Peak TFLOP/s of the GEMMs. */
  gemmPeak: number
  /** Whether the GEMMs run in fp8 (the report's "Use FP8 GEMM"). */
  fp8Gemm: boolean
  /** Which measured GEMM / MoE tables apply (gemm/<gpu>/<dtype>.csv). */
  tableDtype: GemmDtype
  /** How the format was chosen. */
  reason: 'flag' | 'fp8-gemm' | 'shipped' | 'default'
  /** The attention projections, where the checkpoint keeps them in another format than the rest (absent: the same). */
  attention?: GemmPrecision & {why: string}
}

const MLA_NVFP4_ATTENTION = "MLA attention projections in BF16: NVIDIA's NVFP4 recipe for DeepSeek-architecture models leaves the attention unquantized"

/**
 * Bits of the attention projections' weights where the checkpoint keeps them
 * in another format than the rest (undefined: the same). NVIDIA's NVFP4
 * recipe for DeepSeek-architecture (MLA) models leaves the attention
 * unquantized: TensorRT Model Optimizer's examples/deepseek/ptq.py disables
 * every `*attn*` quantizer unless asked for per-tensor FP8, and
 * quantize_to_nvfp4.py writes the layers it did not quantize in BF16
 * (dequantized from the FP8 release). Its generic recipe (NVFP4_DEFAULT_CFG)
 * quantizes every linear layer but the LM head, so GQA models run their
 * attention projections in NVFP4 too. A checkpoint run in the format it
 * ships in keeps what its quantization config leaves out: gpt-oss's MXFP4
 * covers the experts, its config's modules_to_not_convert the attention.
 *
 * @example
 * attentionWeightBits(deepseekR1, 'nvfp4') // 16
 * attentionWeightBits(llama70b, 'nvfp4') // undefined
 * attentionWeightBits(gptOss120b, 'mxfp4') // 16
 */
export const attentionWeightBits = (model: ModelSpec, format: WeightQuant): 16 | undefined =>
  (format === 'nvfp4' && model.attention.kind === 'mla') || (format !== 'bf16' && format === model.shippedQuant && model.shippedAttentionUnquantized) ? 16 : undefined

const SHIPPED_BF16_ATTENTION = "attention projections in BF16: the checkpoint's quantization config leaves them out (modules_to_not_convert)"

/** The attention block of a weight format whose attention ships in BF16 (attentionWeightBits), else nothing. */
function bf16Attention(model: ModelSpec, format: WeightQuant, gpu: GpuSpec): Pick<WeightFormat, 'attention'> {
  if (!attentionWeightBits(model, format)) return {}
  const why = format === 'nvfp4' && model.attention.kind === 'mla' ? MLA_NVFP4_ATTENTION : SHIPPED_BF16_ATTENTION
  return {attention: {bits: 16, gemmPeak: gpu.fp16Tflops, tableDtype: 'bf16', why}}
}

export function resolveWeightFormat(model: ModelSpec, d: Deployment, gpu: GpuSpec, switches: ProfileSwitches): WeightFormat {
  let format: WeightQuant
  let reason: WeightFormat['reason']
  if (d.weightFormat) [format, reason] = [d.weightFormat, 'flag']
  else if (d.fp8Gemm) [format, reason] = ['fp8', 'fp8-gemm']
  else if (switches.publishedConfigs && model.shippedQuant) [format, reason] = [model.shippedQuant, 'shipped']
  else [format, reason] = ['bf16', 'default']

  switch (format) {
    case 'bf16':
      return {format, bits: 16, gemmPeak: gpu.fp16Tflops, fp8Gemm: false, tableDtype: 'bf16', reason}
    case 'fp8':
      return {format, bits: 8, gemmPeak: gpu.fp8Tflops, fp8Gemm: true, tableDtype: 'fp8', reason, ...bf16Attention(model, format, gpu)}
    case 'int4':
      return {format, bits: 4, gemmPeak: gpu.fp16Tflops, fp8Gemm: false, tableDtype: 'int4', reason, ...bf16Attention(model, format, gpu)}
    case 'nvfp4':
      if (!gpu.fp4Tflops) {
        throw usageError(
          `nvfp4 weights need FP4 tensor cores, and ${gpu.name} has none (no fp4Tflops in its spec); use --weight-format int4 (weight-only) or fp8`,
        )
      }
      return {
        format,
        bits: 4,
        gemmPeak: gpu.fp4Tflops,
        fp8Gemm: false,
        tableDtype: 'nvfp4',
        reason,
        ...bf16Attention(model, format, gpu),
      }
    case 'mxfp4':
      return {format, bits: 4, gemmPeak: gpu.fp16Tflops, fp8Gemm: false, tableDtype: 'int4', reason, ...bf16Attention(model, format, gpu)}
  }
}
