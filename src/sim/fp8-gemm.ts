/** Which kernel times a compute-bound FP8 GEMM: the tables' own, or an engine's that reaches the BF16 kernel's share of the peak. */
import type {GpuRates} from '../hardware/gpu.js'
import type {ModelSpec} from '../model/types.js'
import type {GemmDtype, KernelWork, MfuResolver} from '../tables/resolver.js'
import type {MfuLookup} from '../tables/types.js'
import {rooflineBound, rooflineFloors, type GemmReading, type SimContext} from './context.js'
import type {Deployment, EngineFp8Gemm, Fp8GemmKernel} from './deployment.js'

/**
 * Whether a deployment's FP8 GEMMs in `dtype` run the engine's own kernel
 * (`fp8GemmKernel` 'bf16-efficiency') on this GPU: Hopper and newer, where
 * the measurements are. On Ada (L40S) SGLang's FP8 kernel measured faster
 * than vLLM's at 128 tokens and more (sgl-project/sglang pull request 6756),
 * and a GPU without FP8 tensor cores runs FP8 weights at the BF16 pace.
 *
 * Not for a checkpoint whose FP8 weights are scaled per block
 * (`shippedFp8BlockScaled`: DeepSeek's 128 x 128, as Qwen's, MiniMax's and
 * Kimi's FP8 releases): every engine runs those with block-scaled kernels
 * (DeepGEMM, CUTLASS or TensorRT-LLM's groupwise GEMMs; the tables' FP8
 * rows are the faster of DeepGEMM and SGLang's own kernel at each shape),
 * not cuBLASLt's per-tensor one. On B200 they run slower than
 * BF16 at most shapes measured (flashinfer-ai/flashinfer issue 2146,
 * NVIDIA/cutlass issue 2923), and vLLM's block-FP8 MiniMax-M2.5 runs on
 * H100 and H200 measured their TTFT above the per-tensor reading.
 * @example engineFp8Gemm({...d, fp8GemmKernel: 'bf16-efficiency'}, h200Rates, 'fp8', llama70bFp8) // true; on L40S, or for DeepSeek-R1, false
 */
export function engineFp8Gemm(d: Pick<Deployment, 'fp8GemmKernel'>, gpu: GpuRates, dtype: GemmDtype, model?: Pick<ModelSpec, 'shippedFp8BlockScaled'>): boolean {
  return d.fp8GemmKernel === 'bf16-efficiency' && dtype === 'fp8' && !model?.shippedFp8BlockScaled && (gpu.computeCapability ?? 0) >= 9 && gpu.fp8Tflops > gpu.fp16Tflops
}

/**
 * The kernel an engine file's `fp8_gemm` gives a model. 'per-tensor-checkpoint'
 * is 'bf16-efficiency' for a checkpoint that ships FP8 weights scaled per
 * tensor (NVIDIA's ModelOpt exports: quant_algo FP8, no weight_block_size),
 * which TensorRT-LLM runs with cuBLASLt (its cublas_scaled_mm op), and
 * 'measured' otherwise: FP8 weights scaled per block run block-scaled kernels
 * (engineFp8Gemm), and for a BF16 config served in FP8 nothing says which
 * checkpoint, or which kernel, the engine ran.
 * @example
 * engineGemmKernel('per-tensor-checkpoint', llama70bFp8) // 'bf16-efficiency'; for qwen3-32b or deepseek-r1, 'measured'
 */
export function engineGemmKernel(value: EngineFp8Gemm, model: Pick<ModelSpec, 'shippedQuant' | 'shippedFp8BlockScaled'>): Fp8GemmKernel {
  if (value !== 'per-tensor-checkpoint') return value
  return model.shippedQuant === 'fp8' && !model.shippedFp8BlockScaled ? 'bf16-efficiency' : 'measured'
}

/** The BF16 lookups of a GEMM reading's resolver, made once per resolver. */
const bf16Siblings = new WeakMap<MfuResolver, MfuResolver>()
const bf16Of = (mfu: MfuResolver): MfuResolver => {
  let sibling = bf16Siblings.get(mfu)
  if (!sibling) bf16Siblings.set(mfu, (sibling = mfu.withGemmDtype('bf16')))
  return sibling
}

/**
 * The MFU of one GEMM of `m` x `k` by `k` x `n` in the reading's format.
 *
 * The FP8 GEMM rows of the bundled tables are the collecting engine's
 * kernels: SGLang's `fp8_scaled_mm` (its own CUTLASS build) and DeepGEMM.
 * Where a GEMM is compute-bound, an engine that calls cuBLASLt or its own
 * tuned CUTLASS kernels runs it faster: SGLang's maintainers measured
 * `torch._scaled_mm` (cuBLASLt) 15-34% faster than `fp8_scaled_mm` on
 * H100 at prefill shapes (1,351-1,520 TFLOP/s, 68-77% of the FP8 peak;
 * sgl-project/sglang pull request 34318), the share of the peak the BF16
 * rows (cuBLAS, through torch.nn.functional.linear) reach at those shapes.
 * On Blackwell the gap is wider (B200, 7,168 x 2,048 at 2,048 tokens: 36%
 * of the FP8 peak against 64% of the BF16 peak). Where it applies: engineFp8Gemm.
 *
 * An engine with such kernels (`fp8GemmKernel` 'bf16-efficiency') is
 * charged, for a compute-bound FP8 GEMM, the BF16 row's share of the peak
 * where it is higher: the BF16 time over the peaks' ratio. A memory-bound
 * GEMM (decode) keeps the FP8 row: there the measured runs decode at the
 * tables' pace or slower (TensorRT-LLM's FP8 Qwen3-32B on H100; vLLM's
 * TPOT with a GPU held out got worse at the BF16 pace).
 *
 * @example
 * // H200, 8,192 x 8,192 by 8,192 x 51,200: the FP8 row 53.4% of 1,978 TFLOP/s (6.50 ms), the BF16 row 69.3% of 989
 * gemmMfu(ctx, ctx.gemm, 8192, 8192, 51200, work).value // 'measured': 0.534; 'bf16-efficiency': 0.693 (5.01 ms)
 */
export function gemmMfu(ctx: SimContext, g: GemmReading, m: number, k: number, n: number, work: KernelWork): MfuLookup {
  const own = g.mfu.gemm(m, k, n, work)
  if (!engineFp8Gemm(ctx.d, ctx.gpu, g.dtype, ctx.model) || own.kind === 'fallback') return own
  if (rooflineBound(rooflineFloors(ctx, work.flops, work.bytes, g.gemmPeak)) !== 'compute') return own
  const bf16 = bf16Of(g.mfu).gemm(m, k, n, {...work, peakTflops: ctx.gpu.fp16Tflops})
  if (bf16.kind === 'fallback' || bf16.value <= own.value) return own
  return {...bf16, weightBytes: 1, note: `an FP8 kernel at the BF16 kernel's share of the peak${bf16.note ? `; ${bf16.note}` : ''}`}
}
