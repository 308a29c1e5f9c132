/**
 * The range each config field may take. Counts and widths of a real model
 * are whole numbers; zero heads or layers, or a hidden size of 1e15, would
 * give NaN or negative figures downstream instead of an error. The upper
 * bounds sit far above any published model (hidden sizes reach ~16k, layers
 * ~130, experts ~400) and only stop absurd values.
 */
export interface FieldRange {
  min: number
  max: number
}

const COUNT = {min: 1, max: 2 ** 14}
const WIDTH = {min: 1, max: 2 ** 20}
const LAYERS = {min: 1, max: 4096}
const OPTIONAL_WIDTH = {min: 0, max: 2 ** 20}

export const FIELD_RANGES: Record<string, FieldRange> = {
  num_hidden_layers: LAYERS,
  hidden_size: WIDTH,
  vocab_size: {min: 1, max: 2 ** 24},
  num_attention_heads: COUNT,
  num_key_value_heads: COUNT,
  head_dim: COUNT,
  intermediate_size: WIDTH,
  intermediate_size_mlp: WIDTH,
  moe_intermediate_size: WIDTH,
  shared_expert_intermediate_size: OPTIONAL_WIDTH,
  num_routed_experts: COUNT,
  num_experts: COUNT,
  n_routed_experts: COUNT,
  num_local_experts: COUNT,
  num_experts_per_tok: COUNT,
  num_experts_per_token: COUNT,
  experts_per_token: COUNT,
  num_shared_experts: {min: 0, max: 2 ** 10},
  n_shared_experts: {min: 0, max: 2 ** 10},
  first_k_dense_replace: {min: 0, max: LAYERS.max},
  moe_layer_freq: LAYERS,
  interleave_moe_layer_step: LAYERS,
  q_lora_rank: OPTIONAL_WIDTH,
  kv_lora_rank: WIDTH,
  qk_nope_head_dim: {min: 0, max: COUNT.max},
  qk_rope_head_dim: {min: 0, max: COUNT.max},
  v_head_dim: COUNT,
  index_topk: {min: 1, max: 2 ** 24},
  index_n_heads: COUNT,
  index_head_dim: COUNT,
  full_attention_interval: LAYERS,
  linear_conv_kernel_dim: {min: 1, max: 1024},
  linear_num_key_heads: COUNT,
  linear_key_head_dim: COUNT,
  linear_num_value_heads: COUNT,
  linear_value_head_dim: COUNT,
}

/** Fields without a rule of their own. */
export const DEFAULT_RANGE: FieldRange = {min: 0, max: 2 ** 24}
