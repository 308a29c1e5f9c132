/** A GPU's peak for a dtype, TFLOP/s (datasheet dense figures from data/gpus.json). */
import type {GpuSpec} from '../../hardware/gpu.js'

export function peakTflops(gpu: GpuSpec, dtype: string): number | undefined {
  switch (dtype) {
    case 'bf16':
    case 'fp16':
      return gpu.fp16Tflops
    case 'fp8':
    case 'fp8_block':
      return gpu.fp8Tflops
    case 'int8':
      return gpu.int8Tops ?? gpu.fp8Tflops
    // int4 is weight-only (dequantised to bf16 for the math), as the simulator models it.
    case 'int4':
      return gpu.fp16Tflops
    case 'nvfp4':
      return gpu.fp4Tflops
    default:
      return undefined
  }
}
