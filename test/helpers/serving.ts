/** A serving engine and a step cost of plain arithmetic, for tests whose expected figures are worked out by hand. */
import type {EngineParams} from '../../src/engine.js'
import type {StepCost} from '../../src/serving/step-cost.js'

/**
 * A step cost of plain arithmetic: 1 ms + 0.01 ms per token of GEMMs, 0.02 ms of attention per decoding
 * request (its KV read) and 0.005 ms per query it brings beyond one, 5 ms per prefill's attention.
 */
export function linearCost(over: Partial<StepCost> = {}): StepCost {
  return {
    gemmSeconds: (t) => (t > 0 ? 1e-3 + 1e-5 * t : 0),
    moeSeconds: () => 0,
    moeGroups: 1,
    layers: 10,
    moeLayers: 0,
    lmHeadSeconds: () => 0,
    commSeconds: () => 0,
    decodeAttentionSeconds: (n, q = 1) => 2e-5 * n + 5e-6 * n * (q - 1),
    prefillAttentionSeconds: 5e-3,
    weightBytesPerGpu: 10 * 1024 ** 3,
    kvBytesPerToken: 1024,
    fullLayerKvBytesPerToken: 102.4,
    stateBytesPerRequest: 0,
    meanKvLength: 0,
    commSource: 'test',
    lookups: {},
    ...over,
  }
}

/** An engine that adds nothing to the kernels: no overheads, every scale 1. */
export const BARE: EngineParams = {
  max_prefill_tokens: 8192,
  budget_includes_decode: false,
  mixed_chunk: true,
  chunked_prefill: true,
  max_running_requests: 1024,
  gpu_memory_fraction: 0.9,
  memory_fraction_of: 'total',
  activation_reserve_gib: 0,
  reserves_full_kv: false,
  kv_dtype_from_checkpoint: false,
  fp8_kv_decode: 'measured',
  fp8_gemm: 'measured',
  kv_pool_full: 'wait',
  step_overhead_ms: 0,
  mixed_step_overhead_ms: 0,
  per_request_overhead_ms: 0,
  host_us_per_request: 0,
  layer_overhead_us: 0,
  moe_layer_overhead_us: 0,
  ttft_overhead_ms: 0,
  join_steps: 0,
  sync_share: 0,
  kv_capacity_scale: 1,
  gemm_scale: 1,
  attention_scale: 1,
  comm_scale: 1,
  frontend_us_per_output_token: 0,
  moe_expert_block_rows: 0,
}
