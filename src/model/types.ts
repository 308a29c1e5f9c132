/** Architecture facts of one model, independent of any deployment. */
export interface MhaAttention {
  kind: 'mha'
  heads: number
  kvHeads: number
  headDim: number
  /** Gated attention output (Qwen3-Next / Qwen3.5): q_proj also produces a per-head gate. */
  outputGate?: boolean
  /**
   * Layers that attend over a sliding window of the last `window` tokens (gpt-oss: every other
   * layer, 128 tokens; config `layer_types` and `sliding_window`): their KV cache holds at most
   * `window` tokens of a request. Read by the default profile (publishedConfigs).
   */
  slidingWindow?: {window: number; layers: number}
}

export interface MlaAttention {
  kind: 'mla'
  heads: number
  qLoraRank: number
  kvLoraRank: number
  qkNopeHeadDim: number
  qkRopeHeadDim: number
  vHeadDim: number
  /** DeepSeek V3.2 sparse attention (DSA); only read by the default profile. */
  sparse?: {indexTopk: number; indexHeads: number; indexHeadDim: number}
}

export type Attention = MhaAttention | MlaAttention

/** Gated DeltaNet linear-attention layers of a hybrid model. */
export interface LinearAttention {
  fullLayers: number
  linearLayers: number
  convKernel: number
  keyHeads: number
  keyHeadDim: number
  valueHeads: number
  valueHeadDim: number
}

export interface FeedForward {
  isMoe: boolean
  /** Routed experts E (1 for a dense FFN). */
  experts: number
  /** Experts per token k (1 for a dense FFN). */
  topk: number
  /** Width of one routed expert (or of the dense FFN). */
  intermediate: number
  /** Shared experts S. */
  sharedExperts: number
  /** Width of one shared expert (published configs: Qwen's shared_expert_intermediate_size). */
  sharedIntermediate: number
  /** Leading dense layers of a MoE model (published configs: first_k_dense_replace). */
  denseLayers: number
  /** Width of those dense layers' FFN. */
  denseIntermediate: number
  /** MoE every n-th layer (published configs: moe_layer_freq); 1 = every layer. */
  moeLayerFreq: number
}

export type WeightQuant = 'bf16' | 'fp8' | 'int4' | 'nvfp4' | 'mxfp4'

export interface ModelSpec {
  name: string
  /** Where the config came from (file path). */
  source: string
  modelType: string
  layers: number
  hidden: number
  vocab: number
  /** Input and output embeddings share weights. */
  tiedEmbeddings: boolean
  attention: Attention
  linear?: LinearAttention
  ffn: FeedForward
  /** Weight format the published checkpoint ships in, when it says. */
  shippedQuant?: WeightQuant
  /** Multi-token-prediction layers the checkpoint ships beside its decoder layers (a draft for speculative decoding), when it ships any. */
  mtpLayers?: number
  /** KV cache format the checkpoint's quantization config names (kv_cache_quant_algo), when it names one. */
  shippedKvQuant?: 'fp8'
  /** The checkpoint's quantization config leaves the attention layers out (gpt-oss: modules_to_not_convert self_attn): they ship in BF16. */
  shippedAttentionUnquantized?: true
  /** The checkpoint's FP8 weights are scaled per block (weight_block_size: DeepSeek's 128 x 128), not per tensor or channel. */
  shippedFp8BlockScaled?: true
  /** Things the reader noticed that change results (e.g. a field the compat profile ignores). */
  notes: string[]
}
