/**
 * Every table layout of bench_data (the reference project's, kept) and the
 * agreed extensions (per-dtype GEMM tables, communication tables).
 */
import {
  dsaAttnDecodeFlops,
  dsaAttnPrefillFlops,
  dsaLogitsDecodeFlops,
  dsaLogitsPrefillFlops,
  gemmFlops,
  groupedGemmFlops,
  mhaDecodeFlops,
  mhaPrefillFlops,
  mlaDecodeFlops,
  mlaPrefillFlops,
} from './flops.js'
import type {Layout, LayoutFolder, LayoutId, Phase} from './types.js'

const LAT = [{column: 'mfu', latency: 'latency_us'}]
const DECODE_ATTN = ['dtype', 'kv_dtype', 'batch_size', 'kv_len', 'latency_us', 'mfu']
const PREFILL_ATTN = ['dtype', 'seq_len', 'latency_us', 'mfu']
const MOE_KEYS = ['num_experts', 'num_gpus', 'num_local_experts', 'topk', 'hidden_size', 'intermediate_size']
const MOE_VALUES = ['tokens_per_expert', 'up_proj_us', 'up_mfu', 'down_proj_us', 'down_mfu']
const MOE_MFU = [
  {column: 'up_mfu', latency: 'up_proj_us'},
  {column: 'down_mfu', latency: 'down_proj_us'},
]
const GDN_SHAPE = ['conv_kernel', 'key_heads', 'key_head_dim', 'value_heads', 'value_head_dim']

function groupedGemm(phase: Phase, tokens: string): Layout {
  return {
    id: `grouped_gemm-${phase}`,
    folder: 'grouped_gemm',
    phase,
    columns: [...MOE_KEYS, tokens, ...MOE_VALUES],
    gridKeys: [...MOE_KEYS, tokens],
    latencyColumns: ['up_proj_us', 'down_proj_us'],
    mfuColumns: MOE_MFU,
    workAxes: [tokens],
    stem: {kind: 'dtype', routing: true},
    defaultDtype: 'fp8',
    flopsEstimate: 'routing is random, so FLOPs count the expected tokens x topk pairs, not the pairs the measured GPU received',
    flops: groupedGemmFlops(tokens),
  }
}

function gdn(phase: Phase, first: string): Layout {
  return {
    id: `gdn-${phase}`,
    folder: 'gdn',
    phase,
    columns: [first],
    openLatencyParts: true,
    gridKeys: [first],
    latencyColumns: [],
    mfuColumns: [],
    workAxes: [first],
    stem: {kind: 'shape', parts: GDN_SHAPE},
  }
}

export const LAYOUTS: readonly Layout[] = [
  {
    id: 'gemm',
    folder: 'gemm',
    columns: ['m', 'k', 'n', 'latency_us', 'mfu'],
    gridKeys: ['k', 'n', 'm'],
    siteKeys: ['k', 'n'],
    latencyColumns: ['latency_us'],
    mfuColumns: LAT,
    workAxes: ['m', 'k', 'n'],
    stem: {kind: 'dtype'},
    // The reference GEMM tables (data.csv) are DeepGEMM FP8 kernels: their MFU is against the fp8 peak.
    defaultDtype: 'fp8',
    flops: gemmFlops,
  },
  {
    id: 'mha-decode',
    folder: 'mha',
    phase: 'decode',
    columns: DECODE_ATTN,
    gridKeys: ['dtype', 'kv_dtype', 'batch_size', 'kv_len'],
    latencyColumns: ['latency_us'],
    mfuColumns: LAT,
    workAxes: ['batch_size', 'kv_len'],
    stem: {kind: 'shape', parts: ['heads', 'kv_heads', 'head_dim'], window: true},
    flops: mhaDecodeFlops,
  },
  {
    id: 'mha-prefill',
    folder: 'mha',
    phase: 'prefill',
    columns: PREFILL_ATTN,
    gridKeys: ['dtype', 'seq_len'],
    latencyColumns: ['latency_us'],
    mfuColumns: LAT,
    workAxes: ['seq_len'],
    stem: {kind: 'shape', parts: ['heads', 'kv_heads', 'head_dim'], window: true},
    flops: mhaPrefillFlops,
  },
  {
    id: 'mla-decode',
    folder: 'mla',
    phase: 'decode',
    columns: DECODE_ATTN,
    gridKeys: ['dtype', 'kv_dtype', 'batch_size', 'kv_len'],
    latencyColumns: ['latency_us'],
    mfuColumns: LAT,
    workAxes: ['batch_size', 'kv_len'],
    stem: {kind: 'shape', parts: ['heads', 'kv_lora_rank', 'qk_rope_head_dim']},
    flops: mlaDecodeFlops,
  },
  {
    id: 'mla-prefill',
    folder: 'mla',
    phase: 'prefill',
    columns: PREFILL_ATTN,
    gridKeys: ['dtype', 'seq_len'],
    latencyColumns: ['latency_us'],
    mfuColumns: LAT,
    workAxes: ['seq_len'],
    stem: {kind: 'shape', parts: ['heads', 'qk_nope_head_dim', 'qk_rope_head_dim']},
    flops: mlaPrefillFlops,
  },
  {
    // Absorbed MLA's per-head batched matmuls on one GPU (heads on the GPU, tokens of the step), DeepSeek's
    // dimensions (qk_nope_head_dim 128, kv_lora_rank 512, v_head_dim 128): latencies only.
    id: 'mla_bmm',
    folder: 'mla_bmm',
    columns: ['heads', 'tokens', 'q_wk_us', 'o_wv_us'],
    gridKeys: ['heads', 'tokens'],
    latencyColumns: ['q_wk_us', 'o_wv_us'],
    mfuColumns: [],
    workAxes: ['tokens'],
    stem: {kind: 'dtype'},
  },
  groupedGemm('decode', 'batch_size_per_gpu'),
  groupedGemm('prefill', 'seq_len_per_gpu'),
  gdn('decode', 'batchsize'),
  gdn('prefill', 'seq_len'),
  {
    id: 'dsa-attn-decode',
    folder: 'dsa',
    phase: 'decode',
    columns: DECODE_ATTN,
    gridKeys: ['dtype', 'kv_dtype', 'batch_size', 'kv_len'],
    latencyColumns: ['latency_us'],
    mfuColumns: LAT,
    workAxes: ['batch_size', 'kv_len'],
    stem: {kind: 'shape', prefix: 'attn', parts: ['heads', 'head_dim', 'topk']},
    flops: dsaAttnDecodeFlops,
  },
  {
    id: 'dsa-attn-prefill',
    folder: 'dsa',
    phase: 'prefill',
    columns: ['dtype', 's_q', 's_kv', 'latency_us', 'mfu'],
    gridKeys: ['dtype', 's_q', 's_kv'],
    latencyColumns: ['latency_us'],
    mfuColumns: LAT,
    workAxes: ['s_q', 's_kv'],
    stem: {kind: 'shape', prefix: 'attn', parts: ['heads', 'head_dim', 'topk']},
    flops: dsaAttnPrefillFlops,
  },
  {
    id: 'dsa-logits-decode',
    folder: 'dsa',
    phase: 'decode',
    columns: ['batchsize', 'next_n', 's_kv', 'latency_us', 'mfu'],
    gridKeys: ['batchsize', 'next_n', 's_kv'],
    latencyColumns: ['latency_us'],
    mfuColumns: LAT,
    workAxes: ['batchsize', 'next_n', 's_kv'],
    stem: {kind: 'shape', prefix: 'logits', parts: ['heads', 'head_dim']},
    // The DSA indexer computes its logits in FP8.
    defaultDtype: 'fp8',
    flops: dsaLogitsDecodeFlops,
  },
  {
    id: 'dsa-logits-prefill',
    folder: 'dsa',
    phase: 'prefill',
    columns: ['s_q', 's_kv', 'latency_us', 'mfu'],
    gridKeys: ['s_q', 's_kv'],
    latencyColumns: ['latency_us'],
    mfuColumns: LAT,
    workAxes: ['s_q', 's_kv'],
    stem: {kind: 'shape', prefix: 'logits', parts: ['heads', 'head_dim']},
    defaultDtype: 'fp8',
    flops: dsaLogitsPrefillFlops,
  },
  {
    id: 'comm',
    folder: 'comm',
    columns: ['num_gpus', 'message_bytes', 'latency_us'],
    gridKeys: ['num_gpus', 'message_bytes'],
    latencyColumns: ['latency_us'],
    mfuColumns: [],
    workAxes: ['message_bytes'],
    stem: {kind: 'op'},
  },
]

export const FOLDERS: readonly LayoutFolder[] = ['gemm', 'mha', 'mla', 'mla_bmm', 'grouped_gemm', 'gdn', 'dsa', 'comm']

/** Folders whose tables sit directly under <folder>/<gpu>/ (no phase level). */
export const PHASELESS: ReadonlySet<LayoutFolder> = new Set(['gemm', 'comm', 'mla_bmm'])

export function layoutById(id: LayoutId): Layout {
  return LAYOUTS.find((l) => l.id === id)!
}

/** The layout of a folder/phase/stem; DSA tables are told apart by their stem prefix. */
export function findLayout(folder: LayoutFolder, phase: Phase | undefined, stem: string): Layout | undefined {
  const candidates = LAYOUTS.filter((l) => l.folder === folder && l.phase === phase)
  if (candidates.length <= 1) return candidates[0]
  return candidates.find((l) => l.stem.kind === 'shape' && l.stem.prefix !== undefined && stem.startsWith(`${l.stem.prefix}-`))
}
