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
      return {format, bits: 8, gemmPeak: gpu.fp8Tflops, fp8Gemm: true, tableDtype: 'fp8', reason}
    case 'int4':
      return {format, bits: 4, gemmPeak: gpu.fp16Tflops, fp8Gemm: false, tableDtype: 'int4', reason}
    case 'nvfp4':
      if (!gpu.fp4Tflops) {
        throw usageError(
          `nvfp4 weights need FP4 tensor cores, and ${gpu.name} has none (no fp4Tflops in its spec); use --weight-format int4 (weight-only) or fp8`,
        )
      }
      return {format, bits: 4, gemmPeak: gpu.fp4Tflops, fp8Gemm: false, tableDtype: 'nvfp4', reason}
    case 'mxfp4':
      return {format, bits: 4, gemmPeak: gpu.fp16Tflops, fp8Gemm: false, tableDtype: 'int4', reason}
  }
}
