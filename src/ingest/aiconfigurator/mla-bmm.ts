/**
 * mla_bmm_perf -> mla_bmm/<gpu>/<dtype>.csv (heads,tokens,q_wk_us,o_wv_us):
 * absorbed MLA's two per-head batched matmuls on one GPU, latency in µs.
 * `mla_gen_pre` multiplies each head's query (nope part) by its W_k slice
 * into the latent space (q_wk), `mla_gen_post` each head's latent output by
 * its W_v slice (o_wv); `num_heads` is the heads on the GPU, `num_tokens`
 * the tokens of the step. They are batched matmuls over heads, which no GEMM
 * row times: read as one GEMM of k = heads x dim they run far slower than
 * their weights take to stream.
 *
 * One row per (dtype, heads, tokens): the fastest kernel_source of that
 * dtype (or --kernel-source's), both ops from it where it measured both.
 */
import {msToUs, sig} from './numbers.js'
import {cellNumber, cellText, requireColumns, type AicRow} from './parquet.js'
import {provenanceOf} from './provenance.js'
import {buildTable} from './table.js'
import type {MapOptions, MappedTable, SourceInfo} from './types.js'

const OPS: Record<string, 'q_wk_us' | 'o_wv_us'> = {mla_gen_pre: 'q_wk_us', mla_gen_post: 'o_wv_us'}
const DTYPES: Record<string, 'bf16' | 'fp8'> = {bfloat16: 'bf16', fp8: 'fp8'}

export function mapMlaBmm(rows: readonly AicRow[], src: SourceInfo, o: MapOptions): MappedTable[] {
  requireColumns(rows, ['op_name', 'kernel_source', 'bmm_dtype', 'num_tokens', 'num_heads', 'latency'], src.file)
  // dtype -> "heads|tokens" -> op -> fastest {us, source}
  const points = new Map<'bf16' | 'fp8', Map<string, {heads: number; tokens: number; ops: Partial<Record<'q_wk_us' | 'o_wv_us', {us: number; source: string}>>}>>()
  rows.forEach((r, i) => {
    const op = OPS[cellText(r, 'op_name')]
    const dtype = DTYPES[cellText(r, 'bmm_dtype')]
    const source = cellText(r, 'kernel_source')
    if (!op || !dtype || (o.kernelSource && source !== o.kernelSource)) return
    const heads = cellNumber(r, 'num_heads', src.file, i)
    const tokens = cellNumber(r, 'num_tokens', src.file, i)
    const us = msToUs(cellNumber(r, 'latency', src.file, i))
    if (!(us > 0)) return
    const byShape = points.get(dtype) ?? new Map()
    points.set(dtype, byShape)
    const p = byShape.get(`${heads}|${tokens}`) ?? {heads, tokens, ops: {}}
    byShape.set(`${heads}|${tokens}`, p)
    const prev = p.ops[op]
    if (!prev || us < prev.us) p.ops[op] = {us, source}
  })
  const out: MappedTable[] = []
  for (const [dtype, byShape] of [...points].sort(([a], [b]) => a.localeCompare(b))) {
    const complete = [...byShape.values()].filter((p) => p.ops.q_wk_us && p.ops.o_wv_us)
    if (complete.length === 0) continue
    const sources: Record<string, number> = {}
    for (const p of complete) for (const v of Object.values(p.ops)) sources[v!.source] = (sources[v!.source] ?? 0) + 1
    const cells = complete.map((p) => [p.heads, p.tokens, sig(p.ops.q_wk_us!.us), sig(p.ops.o_wv_us!.us)])
    out.push({
      table: buildTable(`mla_bmm/${o.gpuKey}/${dtype}.csv`, ['heads', 'tokens', 'q_wk_us', 'o_wv_us'], cells, ['heads', 'tokens']),
      provenance: provenanceOf(
        [src],
        {selection: o.kernelSource ? `kernel_source ${o.kernelSource} only` : 'fastest kernel_source per dtype, heads and tokens, each op', kernelSources: sources},
        [`bmm_dtype ${dtype === 'bf16' ? 'bfloat16' : 'fp8'}`, 'op_name mla_gen_pre (q_wk_us: query by W_k, per head) and mla_gen_post (o_wv_us: latent output by W_v, per head); num_heads: heads on one GPU'],
        cells.length,
      ),
      dtype,
    })
  }
  return out
}
