/** Where each kernel's table lives under bench_data (the reference project's layout). */
export type Phase = 'prefill' | 'decode'

export const tablePaths = {
  gemm: (gpu: string) => `gemm/${gpu}/data.csv`,
  /** With a `window`, the sliding-window kernel's table (each query attends to the last `window` keys). */
  mhaDecode: (gpu: string, heads: number, kvHeads: number, headDim: number, window?: number) => `mha/decode/${gpu}/${heads}-${kvHeads}-${headDim}${window ? `-w${window}` : ''}.csv`,
  mhaPrefill: (gpu: string, heads: number, kvHeads: number, headDim: number, window?: number) => `mha/prefill/${gpu}/${heads}-${kvHeads}-${headDim}${window ? `-w${window}` : ''}.csv`,
  mlaDecode: (gpu: string, heads: number, kvLoraRank: number, rope: number) => `mla/decode/${gpu}/${heads}-${kvLoraRank}-${rope}.csv`,
  mlaPrefill: (gpu: string, heads: number, nope: number, rope: number) => `mla/prefill/${gpu}/${heads}-${nope}-${rope}.csv`,
  groupedGemm: (gpu: string, phase: Phase) => `grouped_gemm/${phase}/${gpu}/data.csv`,
  wideEp: (gpu: string, phase: Phase, distribution: string) => `grouped_gemm/${phase}/${gpu}/wideep-${distribution}.csv`,
  dsaAttention: (gpu: string, phase: Phase, heads: number, latentDim: number, topk: number) => `dsa/${phase}/${gpu}/attn-${heads}-${latentDim}-${topk}.csv`,
  dsaLogits: (gpu: string, phase: Phase, indexHeads: number, indexHeadDim: number) => `dsa/${phase}/${gpu}/logits-${indexHeads}-${indexHeadDim}.csv`,
  /** Absorbed MLA's per-head batched matmuls, latencies by heads and tokens (dtype bf16 or fp8). */
  mlaBmm: (gpu: string, dtype: string) => `mla_bmm/${gpu}/${dtype}.csv`,
  gdn: (gpu: string, phase: Phase, ck: number, lkh: number, lkd: number, lvh: number, lvd: number) =>
    `gdn/${phase}/${gpu}/${ck}-${lkh}-${lkd}-${lvh}-${lvd}.csv`,
}

/** Bytes per operand element the file's name says (fp8.csv, bf16.csv, ...); undefined for data.csv and other names, which do not say. */
export function fileElementBytes(path: string): number | undefined {
  if (path.endsWith('/fp8.csv')) return 1
  if (path.endsWith('/bf16.csv')) return 2
  if (path.endsWith('/nvfp4.csv') || path.endsWith('/int4.csv')) return 0.5
  return undefined
}
