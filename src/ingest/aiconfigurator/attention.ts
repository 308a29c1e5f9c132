/**
 * context_attention_perf / generation_attention_perf -> mha/prefill and
 * mha/decode tables, one file per head configuration
 * `<heads per GPU>-<kv heads per GPU>-<head_dim>.csv` (AIConfigurator's
 * num_heads / num_key_value_heads are already per GPU); sliding-window rows
 * (window_size W > 0, each query attending to the last W keys: gpt-oss's
 * sliding layers) in `<...>-w<W>.csv` beside them.
 *
 * The mfu column uses the simulator's attention-core FLOPs (docs/model.md,
 * Attention), so that
 * time = FLOPs / (peak * mfu) gives the measured latency back:
 *  - prefill of one request of isl tokens: isl * 4*H*hd*isl / 1.8 (causal);
 *  - decode step: batch * 4*H*hd*kv_len, kv_len = isl + step (isl is 1);
 *  - with a window W: min(kv_len, W) keys in decode; in prefill, causal over
 *    the first W tokens, then W keys a query (windowedPrefillFlops).
 * Both against the bf16 peak (the simulator times attention cores at it).
 */
import {causalPrefillFlops, mhaPairFlops, windowedPrefillFlops} from '../../model/attention-flops.js'
import {cellNumber, cellText, requireColumns, type AicRow} from './parquet.js'
import {dropAbovePeak, mfuOf, msToUs, sig} from './numbers.js'
import {pickPrefillBatch} from './prefill-batch.js'
import {provenanceOf} from './provenance.js'
import {countSources, fastestPerKey, type Candidate} from './select.js'
import {buildTable} from './table.js'
import type {MapOptions, MappedTable, SourceInfo} from './types.js'

export const KV_DTYPE: Record<string, string> = {bfloat16: 'bf16', float16: 'bf16', fp8: 'fp8', fp8_e4m3: 'fp8'}
const HEAD_COLUMNS = ['num_heads', 'num_key_value_heads', 'head_dim', 'kv_cache_dtype', 'batch_size', 'isl', 'latency', 'kernel_source']

interface AttnPoint {
  heads: number
  kvHeads: number
  headDim: number
  batch: number
  /** Prefill: sequence length; decode: KV length. */
  len: number
  kvDtype: string
  /** Sliding window in tokens; 0: full attention. */
  window: number
}

function readPoints(rows: readonly AicRow[], src: SourceInfo, decode: boolean): Candidate<AttnPoint>[] {
  requireColumns(rows, decode ? [...HEAD_COLUMNS, 'step'] : [...HEAD_COLUMNS, 'attn_dtype'], src.file)
  const points: Candidate<AttnPoint>[] = []
  rows.forEach((r, i) => {
    const n = (c: string) => cellNumber(r, c, src.file, i)
    const kvDtype = KV_DTYPE[cellText(r, 'kv_cache_dtype')]
    const attnDtype = cellText(r, 'attn_dtype') || 'bfloat16'
    // Prefill tables hold bf16 attention with a bf16 KV cache (one row per seq_len); decode keeps both KV dtypes.
    const wanted = decode ? kvDtype !== undefined && attnDtype === 'bfloat16' : kvDtype === 'bf16' && attnDtype === 'bfloat16'
    // Older collections (sglang 0.5.10) have no window_size column: all rows are full attention.
    const window = 'window_size' in r ? n('window_size') : 0
    if (!wanted || !(window >= 0)) return
    const p: AttnPoint = {
      heads: n('num_heads'),
      kvHeads: n('num_key_value_heads'),
      headDim: n('head_dim'),
      batch: n('batch_size'),
      len: decode ? n('isl') + n('step') : n('isl'),
      kvDtype,
      window,
    }
    const key = `${headConfig(p)}|${p.kvDtype}|${p.batch}|${p.len}`
    points.push({key, latencyUs: msToUs(n('latency')), kernelSource: cellText(r, 'kernel_source'), item: p})
  })
  return points
}

/** The table's file stem: heads, KV heads, head dim, and the window of a sliding-window kernel. */
const headConfig = (p: AttnPoint) => `${p.heads}-${p.kvHeads}-${p.headDim}${p.window > 0 ? `-w${p.window}` : ''}`

const windowNote = (cands: readonly {item: AttnPoint}[]) => {
  const w = cands[0]?.item.window ?? 0
  return w > 0 ? `window_size ${w} (sliding window: each query attends to the last ${w} keys)` : 'window_size 0 (full attention)'
}

function byHeadConfig<T extends {item: AttnPoint}>(list: readonly T[]): Map<string, T[]> {
  const m = new Map<string, T[]>()
  for (const c of list) {
    const k = headConfig(c.item)
    const list = m.get(k)
    if (list) list.push(c)
    else m.set(k, [c])
  }
  return m
}

export function mapDecodeAttention(rows: readonly AicRow[], src: SourceInfo, o: MapOptions): MappedTable[] {
  const points = readPoints(rows, src, true)
  const out: MappedTable[] = []
  for (const [cfg, cands] of byHeadConfig(points)) {
    const sel = fastestPerKey(cands, o.kernelSource)
    const {rows: cells, note} = dropAbovePeak(
      sel.chosen.map(({item: p, latencyUs}) => {
        const flops = p.batch * mhaPairFlops(p.heads, p.headDim) * (p.window > 0 ? Math.min(p.len, p.window) : p.len)
        return ['bf16', p.kvDtype, p.batch, p.len, sig(latencyUs), sig(mfuOf(flops, latencyUs, o.peaks.bf16))]
      }),
      (c) => [c[c.length - 1] as number],
    )
    out.push({
      table: buildTable(`mha/decode/${o.gpuKey}/${cfg}.csv`, ['dtype', 'kv_dtype', 'batch_size', 'kv_len', 'latency_us', 'mfu'], cells, ['kv_dtype', 'batch_size', 'kv_len']),
      provenance: provenanceOf([src], sel, [windowNote(cands), 'kv_len = isl + step', ...note], cells.length, `batch*4*H*hd*kv_len${cands[0]?.item.window ? ` (kv_len at most ${cands[0].item.window})` : ''} / (latency * ${o.peaks.bf16} TFLOP/s bf16 peak) (the simulator's decode core FLOPs)`),
    })
  }
  return out
}

export function mapPrefillAttention(rows: readonly AicRow[], src: SourceInfo, o: MapOptions): MappedTable[] {
  const points = readPoints(rows, src, false)
  const out: MappedTable[] = []
  for (const [cfg, all] of byHeadConfig(points)) {
    const sel = fastestPerKey(all, o.kernelSource)
    const chosen = pickPrefillBatch(sel.chosen, o.prefillTokens)
    const {rows: cells, note} = dropAbovePeak(
      chosen.map(({item: p, latencyUs}) => {
        const perRequestUs = latencyUs / p.batch
        const flops = p.window > 0 ? windowedPrefillFlops(p.len, p.window, mhaPairFlops(p.heads, p.headDim)) : causalPrefillFlops(p.len, mhaPairFlops(p.heads, p.headDim))
        return ['bf16', p.len, sig(perRequestUs), sig(mfuOf(flops, perRequestUs, o.peaks.bf16))]
      }),
      (c) => [c[c.length - 1] as number],
    )
    out.push({
      table: buildTable(`mha/prefill/${o.gpuKey}/${cfg}.csv`, ['dtype', 'seq_len', 'latency_us', 'mfu'], cells, ['seq_len']),
      provenance: provenanceOf(
        [src],
        {...sel, kernelSources: countSources(chosen)},
        [windowNote(all), 'attn_dtype bfloat16, kv_cache_dtype bfloat16', `per seq_len the batch nearest ${o.prefillTokens}/seq_len tokens; latency_us per request = latency / batch`, ...note],
        cells.length,
        all[0]?.item.window
          ? `(W*4*H*hd*W/1.8 + (seq_len-W)*4*H*hd*W, W = ${all[0].item.window}; seq_len*4*H*hd*seq_len/1.8 below W) / (latency per request * ${o.peaks.bf16} TFLOP/s bf16 peak) (the simulator's sliding-window prefill core FLOPs)`
          : `seq_len*4*H*hd*seq_len/1.8 / (latency per request * ${o.peaks.bf16} TFLOP/s bf16 peak) (the simulator's causal prefill core FLOPs)`,
      ),
    })
  }
  return out
}
