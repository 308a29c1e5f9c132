/** Which kernel times FP8-KV grouped-query decode attention: the tables' own, or an engine's that reads FP8 as fast as its BF16 kernel reads BF16. */
import type {KernelWork} from '../tables/resolver.js'
import type {MfuLookup} from '../tables/types.js'
import type {SimContext} from './context.js'

/**
 * The MFU of one decode attention core of `batch` requests at `context` keys
 * (`work` at the deployment's KV dtype).
 *
 * The FP8-KV rows of the measured tables are the collecting engine's kernels
 * (SGLang's on every bundled GPU but the InferSim ones). On Hopper they gain
 * nothing from reading half the bytes: H200 GQA decode takes 0.9x its BF16
 * time (2.2-2.4 TB/s of FP8 against 4.0-4.4 TB/s of BF16), MLA 1.5-6.7x.
 * On Blackwell the same tables show what a native FP8 kernel does: MLA in
 * 0.43-0.63x its BF16 time at 32 requests and more, GQA in 0.55-0.6x.
 *
 * An engine with such a kernel on every GPU (`fp8KvDecode` 'bf16-bandwidth',
 * TensorRT-LLM's XQA) is charged the BF16 rows' time for half the bytes of a
 * grouped-query (MHA table) layer, where that is faster than its FP8 rows.
 * MLA is not: TensorRT-LLM's FP8 DeepSeek runs on H200 decode at the BF16
 * rows' pace (the resolver's cap), and at half of it their TPOT error leaving
 * one GPU out went from 20.5% to 18.2% (R1) but from 13.4% to 18.8% (V3).
 * The measured runs say so for grouped-query attention: TensorRT-LLM's FP8
 * Llama-3.1-70B on H200 (FP8 KV from its checkpoint), decoding at 4 to 128
 * requests with attention 10-59% of the step, comes out 1.10-1.37x slow
 * (rising with attention's share) on the FP8 rows and 0.96-1.10x at half the
 * BF16 time; its FP8 Qwen3-32B decode-only runs on H100 go from 0.89-1.01x
 * (rising with attention's share) to a flat 0.83-0.92x.
 *
 * @example
 * // H200, 64 query and 8 KV heads of 128, 8 requests at 4,096 keys: BF16 row 42.62 us, FP8 row 42.63 us.
 * decodeAttentionMfu(ctx, 'mha/decode/h200-sxm/64-8-128.csv', 8, 4096, work) // 'measured': 42.63 us; 'bf16-bandwidth': 42.62 / 2 = 21.31 us
 */
export function decodeAttentionMfu(ctx: SimContext, path: string, batch: number, context: number, work: KernelWork): MfuLookup {
  const own = ctx.mfu.decodeAttention(path, batch, context, ctx.d.fp8Kv, work)
  if (!ctx.d.fp8Kv || ctx.d.fp8KvDecode !== 'bf16-bandwidth' || ctx.model.attention.kind !== 'mha' || !ctx.mfu.hasTable(path)) return own
  const bf16 = ctx.mfu.decodeAttention(path, batch, context, false, {...work, bytes: 2 * work.bytes})
  if (bf16.kind === 'fallback') return own
  // The same FLOPs in half the BF16 time: twice its MFU.
  const value = Math.min(1, 2 * bf16.value)
  if (value <= own.value) return own
  return {...bf16, value, note: `an FP8-KV kernel at the BF16 kernel's bandwidth: half the BF16 time${bf16.note ? `; ${bf16.note}` : ''}`}
}
