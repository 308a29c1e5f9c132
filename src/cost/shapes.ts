import type {LinearAttention, ModelSpec} from '../model/types.js'

/** Per-GPU shapes of a model under a deployment (the notation of docs/model.md). */
export interface ShardShapes {
  /** Attention heads per GPU, H // tp. */
  htp: number
  /** KV heads per GPU, max(1, Hkv // tp). */
  hkvtp: number
  /** Expert width per GPU, I // tp. */
  itp: number
  /** Shared-expert width per GPU. */
  sharedItp: number
  /** Bytes per weight: 1 with FP8 GEMM else 2 (0.5 for 4-bit weights). */
  weightBytes: number
  /** Bytes per weight of the attention projections: weightBytes, unless the checkpoint keeps them in another format. */
  attentionWeightBytes: number
  /** Bytes per KV element: 1 with FP8 KV else 2. */
  kvBytes: number
  /** GPUs a GDN layer's heads are spread over: tp with linearTpShard, else 1 (every GPU holds the whole layer, the reference's reading). */
  linearTp: number
}

export interface ShapeOptions {
  tp: number
  fp8Gemm: boolean
  fp8Kv: boolean
  weightBits?: 4 | 8 | 16
  /** Bits of the attention projections' weights where they differ from weightBits. */
  attentionWeightBits?: 4 | 8 | 16
  /** The linearTpShard switch. */
  linearTpShard?: boolean
}

/**
 * The GDN layer one GPU holds: key and value heads over linearTp (the GPU
 * with the most heads where they do not divide), head dims and conv kernel
 * unchanged. SGLang and vLLM split a Qwen3-Next / Qwen3.5 linear-attention
 * layer's heads over the TP ranks, as AIConfigurator's GDN tables key them
 * (Qwen3.5-27B's 16 key and 48 value heads: 4-8-128-24-128 at tp 2).
 * @example linearShard({convKernel: 4, keyHeads: 16, keyHeadDim: 128, valueHeads: 48, valueHeadDim: 128, fullLayers: 16, linearLayers: 48}, {linearTp: 2}).valueHeads // 24
 */
export function linearShard(lin: LinearAttention, s: Pick<ShardShapes, 'linearTp'>): LinearAttention {
  if (s.linearTp <= 1) return lin
  return {...lin, keyHeads: Math.ceil(lin.keyHeads / s.linearTp), valueHeads: Math.ceil(lin.valueHeads / s.linearTp)}
}

export function shardShapes(model: ModelSpec, opts: ShapeOptions): ShardShapes {
  const a = model.attention
  const kvHeads = a.kind === 'mha' ? a.kvHeads : a.heads
  const bits = opts.weightBits ?? (opts.fp8Gemm ? 8 : 16)
  return {
    htp: Math.floor(a.heads / opts.tp),
    hkvtp: Math.max(1, Math.floor(kvHeads / opts.tp)),
    itp: Math.floor(model.ffn.intermediate / opts.tp),
    sharedItp: Math.floor(model.ffn.sharedIntermediate / opts.tp),
    weightBytes: bits / 8,
    attentionWeightBytes: (opts.attentionWeightBits ?? bits) / 8,
    kvBytes: opts.fp8Kv ? 1 : 2,
    linearTp: opts.linearTpShard ? opts.tp : 1,
  }
}
