/**
 * gdn_perf -> gdn/prefill/<gpu>/<ck>-<lkh>-<lkd>-<lvh>-<lvd>.csv
 * (seq_len,conv,chunk_gdn) and gdn/decode/<gpu>/... (batchsize,conv,gdn_update),
 * latencies in µs, the layout of InferSim's GDN tables (the simulator sums the
 * columns after the first).
 *
 * Each kernel_source here is one part of the layer (conv1d, chunked or
 * recurrent delta rule), not an alternative implementation; parts are
 * columns. The same head configuration measured for several models
 * (d_model differs, which these kernels do not read) keeps the fastest
 * value per part. Prefill rows: per seq_len the batch nearest
 * prefillTokens/seq_len, latency per request (latency / batch).
 */
import {cellNumber, cellText, requireColumns, type AicRow} from './parquet.js'
import {msToUs, sig} from './numbers.js'
import {pickPrefillBatch} from './prefill-batch.js'
import {provenanceOf} from './provenance.js'
import {buildTable} from './table.js'
import type {MapOptions, MappedTable, SourceInfo} from './types.js'

interface GdnPoint {
  cfg: string
  batch: number
  len: number
  parts: Map<string, {us: number; source: string}>
}

const partOf = (source: string, prefill: boolean) => (source.includes('conv1d') ? 'conv' : prefill ? 'chunk_gdn' : 'gdn_update')

export function mapGdn(rows: readonly AicRow[], src: SourceInfo, o: MapOptions): MappedTable[] {
  requireColumns(rows, ['kernel_source', 'phase', 'batch_size', 'seq_len', 'd_conv', 'num_k_heads', 'head_k_dim', 'num_v_heads', 'head_v_dim', 'latency'], src.file)
  const points = new Map<string, GdnPoint>()
  rows.forEach((r, i) => {
    const n = (c: string) => cellNumber(r, c, src.file, i)
    const phase = cellText(r, 'phase')
    if (phase !== 'context' && phase !== 'generation') return
    const prefill = phase === 'context'
    const cfg = [n('d_conv'), n('num_k_heads'), n('head_k_dim'), n('num_v_heads'), n('head_v_dim')].join('-')
    const batch = n('batch_size')
    const len = prefill ? n('seq_len') : 1
    const key = `${phase}|${cfg}|${batch}|${len}`
    const p = points.get(key) ?? {cfg, batch, len, parts: new Map()}
    const source = cellText(r, 'kernel_source')
    const part = partOf(source, prefill)
    const us = msToUs(n('latency'))
    const prev = p.parts.get(part)
    if (us > 0 && (!prev || us < prev.us)) p.parts.set(part, {us, source})
    points.set(key, p)
  })
  const out: MappedTable[] = []
  for (const phase of ['prefill', 'decode'] as const) {
    const prefill = phase === 'prefill'
    const columns = prefill ? ['seq_len', 'conv', 'chunk_gdn'] : ['batchsize', 'conv', 'gdn_update']
    const complete = [...points.entries()]
      .filter(([k, p]) => k.startsWith(prefill ? 'context|' : 'generation|') && columns.slice(1).every((c) => p.parts.has(c)))
      .map(([, p]) => ({item: p}))
    const byCfg = new Map<string, {item: GdnPoint}[]>()
    for (const c of complete) {
      const same = byCfg.get(c.item.cfg)
      if (same) same.push(c)
      else byCfg.set(c.item.cfg, [c])
    }
    for (const [cfg, list] of byCfg) {
      const chosen = prefill ? pickPrefillBatch(list, o.prefillTokens) : list
      const sources: Record<string, number> = {}
      const cells = chosen.map(({item: p}) => {
        const per = prefill ? p.batch : 1
        for (const part of p.parts.values()) sources[part.source] = (sources[part.source] ?? 0) + 1
        return [prefill ? p.len : p.batch, ...columns.slice(1).map((c) => sig(p.parts.get(c)!.us / per))]
      })
      out.push({
        table: buildTable(`gdn/${phase}/${o.gpuKey}/${cfg}.csv`, columns, cells, [columns[0]]),
        provenance: provenanceOf(
          [src],
          {selection: 'kernel parts summed as columns; fastest per part where a head configuration was measured for several models', kernelSources: sources},
          prefill ? [`phase context; per seq_len the batch nearest ${o.prefillTokens}/seq_len tokens, µs per request`] : ['phase generation (one decode step per batch)'],
          cells.length,
        ),
      })
    }
  }
  return out
}
