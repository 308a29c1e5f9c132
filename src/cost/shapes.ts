import type {ModelSpec} from '../model/types.js'

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
  /** Bytes per KV element: 1 with FP8 KV else 2. */
  kvBytes: number
}

export interface ShapeOptions {
  tp: number
  fp8Gemm: boolean
  fp8Kv: boolean
  weightBits?: 4 | 8 | 16
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
    kvBytes: opts.fp8Kv ? 1 : 2,
  }
}
