/**
 * context_mla_perf / generation_mla_perf -> mla/prefill/<gpu>/<Htp>-128-64.csv
 * and mla/decode/<gpu>/<Htp>-512-64.csv.
 *
 * AIConfigurator's MLA tables are DeepSeek's shape (kv_lora_rank 512, rope
 * 64, nope 128, v 128; Kimi K2 shares it) with num_heads already per GPU.
 * The mfu column uses the simulator's FLOPs with the heads a GPU holds (Htp),
 * against the bf16 peak:
 *  - decode: batch * (2*Htp*(r+rope)*kv_len + 2*kv_len*Htp*r), kv_len = isl + step;
 *  - prefill of one request: isl * (2*Htp*(nope+rope)*isl + 2*isl*Htp*v) / 1.8.
 * The compat profile's MLA cores use all H heads (the reference's reading),
 * so with tp > 1 its times from these tables are tp times longer than measured.
 *
 * Which prefill kernel: outside TensorRT-LLM's kernel (kernel_source
 * trtllm_mla, Blackwell) the collector times the absorbed 576/512 kernel
 * (flash_attention on Hopper, triton on L40S), but SGLang's fa3, flashinfer,
 * flashmla and triton backends run a fresh prefill as multi-head attention on
 * the up-projected keys and values (192-dim q.k, 128-dim values;
 * python/sglang/srt/models/deepseek_common/attention_backend_handler.py:
 * MHA_ONE_SHOT / MHA_CHUNKED_KV for extends without a cached prefix). Those
 * rows are therefore written at the same utilisation for the kernel the
 * engine runs: latency x expanded FLOPs / absorbed FLOPs (640 / 2176 per
 * head and query-key pair). Check: H100's rows read 61-68% of the bf16 peak by
 * the absorbed count, its FA3 MHA prefill rows (64-64-128) 54-65%.
 *
 * mla_bmm_perf (the absorbed-MLA per-head batched matmuls) is not part of
 * the attention core: src/ingest/aiconfigurator/mla-bmm.ts maps it to tables
 * of its own, which time the bmm-q-wk / bmm-o-wv projection steps.
 */
import {causalPrefillFlops, mlaAbsorbedPairFlops, mlaExpandedPairFlops} from '../../model/attention-flops.js'
import {KV_DTYPE} from './attention.js'
import {cellNumber, cellText, requireColumns, type AicRow} from './parquet.js'
import {dropAbovePeak, mfuOf, msToUs, sig} from './numbers.js'
import {pickPrefillBatch} from './prefill-batch.js'
import {provenanceOf} from './provenance.js'
import {countSources, fastestPerKey, type Candidate} from './select.js'
import {buildTable} from './table.js'
import type {MapOptions, MappedTable, SourceInfo} from './types.js'

export const MLA_DIMS = {kvLoraRank: 512, rope: 64, nope: 128, v: 128} as const
const {kvLoraRank: R, rope: ROPE, nope: NOPE, v: V} = MLA_DIMS

interface MlaPoint {
  heads: number
  batch: number
  len: number
  kvDtype: string
}

function readMla(rows: readonly AicRow[], src: SourceInfo, decode: boolean): Candidate<MlaPoint>[] {
  requireColumns(rows, ['num_heads', 'batch_size', 'isl', 'step', 'kv_cache_dtype', 'latency', 'kernel_source'], src.file)
  const out: Candidate<MlaPoint>[] = []
  rows.forEach((r, i) => {
    const n = (c: string) => cellNumber(r, c, src.file, i)
    const kvDtype = KV_DTYPE[cellText(r, 'kv_cache_dtype')]
    const mlaDtype = cellText(r, 'mla_dtype') || 'bfloat16'
    if (!kvDtype || mlaDtype !== 'bfloat16' || (!decode && kvDtype !== 'bf16')) return
    const p: MlaPoint = {heads: n('num_heads'), batch: n('batch_size'), len: decode ? n('isl') + n('step') : n('isl'), kvDtype}
    out.push({key: `${p.heads}|${p.kvDtype}|${p.batch}|${p.len}`, latencyUs: msToUs(n('latency')), kernelSource: cellText(r, 'kernel_source'), item: p})
  })
  return out
}

function byHeads<T extends {item: {heads: number}}>(list: readonly T[]): Map<number, T[]> {
  const m = new Map<number, T[]>()
  for (const c of list) {
    const same = m.get(c.item.heads)
    if (same) same.push(c)
    else m.set(c.item.heads, [c])
  }
  return m
}

export function mapDecodeMla(rows: readonly AicRow[], src: SourceInfo, o: MapOptions): MappedTable[] {
  const out: MappedTable[] = []
  for (const [heads, cands] of byHeads(readMla(rows, src, true))) {
    const sel = fastestPerKey(cands, o.kernelSource)
    const {rows: cells, note} = dropAbovePeak(
      sel.chosen.map(({item: p, latencyUs}) => {
        const flops = p.batch * p.len * mlaAbsorbedPairFlops(heads, R, ROPE)
        return ['bf16', p.kvDtype, p.batch, p.len, sig(latencyUs), sig(mfuOf(flops, latencyUs, o.peaks.bf16))]
      }),
      (c) => [c[c.length - 1] as number],
    )
    out.push({
      table: buildTable(`mla/decode/${o.gpuKey}/${heads}-${R}-${ROPE}.csv`, ['dtype', 'kv_dtype', 'batch_size', 'kv_len', 'latency_us', 'mfu'], cells, ['kv_dtype', 'batch_size', 'kv_len']),
      provenance: provenanceOf([src], sel, ['mla_dtype bfloat16', 'kv_len = isl + step', ...note], cells.length, `batch*(2*Htp*(r+rope)*kv_len + 2*kv_len*Htp*r) / (latency * ${o.peaks.bf16} TFLOP/s bf16 peak) with Htp heads per GPU`),
    })
  }
  return out
}

/** Kernels that time the prefill as the engine runs it (TensorRT-LLM's context MLA, expanded); others time the absorbed kernel. */
const EXPANDED_PREFILL_KERNELS = new Set(['trtllm_mla'])

/** What the engine's expanded prefill takes relative to the absorbed kernel at the same utilisation. */
const EXPANDED_PER_ABSORBED = (heads: number) => mlaExpandedPairFlops(heads, NOPE, ROPE, V) / mlaAbsorbedPairFlops(heads, R, ROPE)

export function mapPrefillMla(rows: readonly AicRow[], src: SourceInfo, o: MapOptions): MappedTable[] {
  const out: MappedTable[] = []
  for (const [heads, cands] of byHeads(readMla(rows, src, false))) {
    const sel = fastestPerKey(cands, o.kernelSource)
    const chosen = pickPrefillBatch(sel.chosen, o.prefillTokens)
    const absorbed = chosen.filter((c) => !EXPANDED_PREFILL_KERNELS.has(c.kernelSource)).length
    const {rows: cells, note} = dropAbovePeak(
      chosen.map(({item: p, latencyUs, kernelSource}) => {
        const scale = EXPANDED_PREFILL_KERNELS.has(kernelSource) ? 1 : EXPANDED_PER_ABSORBED(heads)
        const perRequestUs = (latencyUs * scale) / p.batch
        const flops = causalPrefillFlops(p.len, mlaExpandedPairFlops(heads, NOPE, ROPE, V))
        return ['bf16', p.len, sig(perRequestUs), sig(mfuOf(flops, perRequestUs, o.peaks.bf16))]
      }),
      (c) => [c[c.length - 1] as number],
    )
    out.push({
      table: buildTable(`mla/prefill/${o.gpuKey}/${heads}-${NOPE}-${ROPE}.csv`, ['dtype', 'seq_len', 'latency_us', 'mfu'], cells, ['seq_len']),
      provenance: provenanceOf(
        [src],
        {...sel, kernelSources: countSources(chosen)},
        [
          'mla_dtype bfloat16, kv_cache_dtype bfloat16',
          `per seq_len the batch nearest ${o.prefillTokens}/seq_len tokens; latency_us per request = latency / batch`,
          ...(absorbed > 0
            ? [`${absorbed} row(s) timed the absorbed 576/512 kernel; SGLang prefills run expanded multi-head attention (192/128): latency x ${sig(EXPANDED_PER_ABSORBED(heads))} (same utilisation)`]
            : []),
          ...note,
        ],
        cells.length,
        `seq_len*(2*Htp*(nope+rope)*seq_len + 2*seq_len*Htp*v)/1.8 / (latency per request * ${o.peaks.bf16} TFLOP/s bf16 peak) with Htp heads per GPU`,
      ),
    })
  }
  return out
}
