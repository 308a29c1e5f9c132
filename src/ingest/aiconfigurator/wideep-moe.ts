/**
 * wideep_{generation,context}_moe_perf -> grouped_gemm/{decode,prefill}/<gpu>/wideep-<distribution>.csv.
 *
 * Expert compute of one GPU of an expert-parallel group on SGLang's wide-EP
 * path (DeepEP layout, DeepGEMM grouped kernels, fp8 block scales; dispatch
 * and combine not timed), DeepSeek's shape only. num_tokens counts the
 * tokens entering the layer across the group, so in the simulator's terms a
 * row is num_gpus = moe_ep, num_local_experts = E / ep, tokens per GPU
 * m = num_tokens / ep (rows where that is fractional are dropped), with the
 * block latency split 2:1 up:down and MFU 2*D*I*m*topk*3 / (latency * fp8
 * peak). One table per routing distribution: uniform, and power_law_<a>
 * where a larger a skews more tokens onto the hottest GPU, whose time the
 * layer waits for.
 */
import {cellNumber, cellText, requireColumns, type AicRow} from './parquet.js'
import {dropAbovePeak, mfuOf, msToUs, sig} from './numbers.js'
import {provenanceOf} from './provenance.js'
import {countSources, fastestPerKey, type Candidate} from './select.js'
import {buildTable} from './table.js'
import type {MapOptions, MappedTable, SourceInfo} from './types.js'

const KEY_COLUMNS = ['num_experts', 'num_gpus', 'num_local_experts', 'topk', 'hidden_size', 'intermediate_size']
const FP8_DTYPES = new Set(['fp8', 'fp8_block'])

interface WidePoint {
  experts: number
  ep: number
  topk: number
  hidden: number
  inter: number
  m: number
}

export function mapWideEpMoe(rows: readonly AicRow[], src: SourceInfo, o: MapOptions, phase: 'decode' | 'prefill'): MappedTable[] {
  requireColumns(rows, ['moe_dtype', 'num_tokens', 'hidden_size', 'inter_size', 'topk', 'num_experts', 'moe_tp_size', 'moe_ep_size', 'distribution', 'latency', 'kernel_source'], src.file)
  const peak = o.peaks.fp8
  if (!peak) return []
  const byDistribution = new Map<string, Candidate<WidePoint>[]>()
  rows.forEach((r, i) => {
    if (!FP8_DTYPES.has(cellText(r, 'moe_dtype'))) return
    const n = (c: string) => cellNumber(r, c, src.file, i)
    const [tp, ep, tokens, experts] = [n('moe_tp_size'), n('moe_ep_size'), n('num_tokens'), n('num_experts')]
    if (tp !== 1 || tokens % ep !== 0 || experts % ep !== 0) return
    const distribution = cellText(r, 'distribution')
    if (!/^(uniform|power_law_\d+(\.\d+)?)$/.test(distribution)) return
    const p: WidePoint = {experts, ep, topk: n('topk'), hidden: n('hidden_size'), inter: n('inter_size'), m: tokens / ep}
    const list = byDistribution.get(distribution) ?? []
    list.push({key: `${p.experts},${p.ep},${p.topk},${p.hidden},${p.inter},${p.m}`, latencyUs: msToUs(n('latency')), kernelSource: cellText(r, 'kernel_source'), item: p})
    byDistribution.set(distribution, list)
  })
  const tokenColumn = phase === 'decode' ? 'batch_size_per_gpu' : 'seq_len_per_gpu'
  const columns = [...KEY_COLUMNS, tokenColumn, 'tokens_per_expert', 'up_proj_us', 'up_mfu', 'down_proj_us', 'down_mfu']
  const out: MappedTable[] = []
  for (const [distribution, cands] of [...byDistribution].sort(([a], [b]) => a.localeCompare(b))) {
    const sel = fastestPerKey(cands, o.kernelSource)
    const {rows: cells, note} = dropAbovePeak(
      sel.chosen.map(({item: p, latencyUs}) => {
        const local = p.experts / p.ep
        const mfu = sig(mfuOf(2 * p.hidden * p.inter * p.m * p.topk * 3, latencyUs, peak))
        return [p.experts, p.ep, local, p.topk, p.hidden, p.inter, p.m, sig((p.m * p.topk) / local), sig((latencyUs * 2) / 3), mfu, sig(latencyUs / 3), mfu]
      }),
      (c) => [c[9] as number],
    )
    out.push({
      dtype: 'fp8',
      table: buildTable(`grouped_gemm/${phase}/${o.gpuKey}/wideep-${distribution}.csv`, columns, cells, [...KEY_COLUMNS, tokenColumn]),
      provenance: provenanceOf(
        [src],
        {...sel, kernelSources: countSources(sel.chosen)},
        [
          `distribution ${distribution}`,
          'moe_dtype fp8 / fp8_block, moe_tp_size 1',
          'num_gpus = moe_ep_size, tokens per GPU = num_tokens / moe_ep_size (num_tokens counts the whole group)',
          ...note,
        ],
        cells.length,
        `2*hidden*intermediate*m*topk*3 / (latency * ${peak} TFLOP/s fp8 peak), m tokens per GPU; block latency split 2:1 up:down, same MFU`,
      ),
    })
  }
  return out
}
