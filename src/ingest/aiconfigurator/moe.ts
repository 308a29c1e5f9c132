/**
 * moe_perf -> grouped_gemm/{decode,prefill}/<gpu>/data.csv, and the wide-EP
 * expert-compute tables -> grouped_gemm/{decode,prefill}/<gpu>/wideep-<distribution>.csv.
 *
 * moe_perf times SGLang's fused MoE on rank 0 of a moe_tp x moe_ep group
 * with num_tokens tokens entering the layer across the group (a global count,
 * before routing). Only the moe_ep_size = 1 rows are kept: in this collection
 * every token of a moe_ep > 1 row reaches rank 0 (and DeepSeek's group
 * routing ties send them all to experts 0-3, on rank 0), so those rows are
 * not one GPU's share of an expert-parallel layer (ep 2 costs what ep 1
 * costs). An expert-parallel GPU's share is read at lookup time from the
 * ep = 1 curve at the group's token count (src/tables/interpolate/grouped-gemm.ts).
 * In the simulator's terms a kept row is num_gpus = moe_tp,
 * num_local_experts = E, intermediate_size = inter / moe_tp, tokens m =
 * num_tokens; the block latency is split 2:1 between up (gate+up) and down
 * projections by their FLOPs, both with the block's MFU
 * 2*D*Itp*m*topk*3 / (latency * peak of the dtype).
 *
 * The wide-EP tables (DeepSeek's shape, fp8 block scales, DeepEP + DeepGEMM,
 * no dispatch or combine) do measure one GPU of an expert-parallel group:
 * num_gpus = moe_ep, local experts E / ep, tokens per GPU num_tokens / ep,
 * one table per routing distribution (uniform, power_law_<a>), each phase as
 * measured (generation -> decode, context -> prefill).
 *
 * Per phase: data.csv (the compat lookups' table) = the fp8 table (fp8 and
 * fp8_block, faster per shape) where the GPU measured fp8 MoE, as InferSim's
 * own grouped GEMM tables, else bf16; the other dtype in <dtype>.csv (as for
 * GEMM, a dtype is not written twice).
 * Decode keeps m <= 1024 tokens per GPU, prefill m >= 256 (overlap for
 * interpolation brackets); weight-only and 4-bit dtypes are not modelled.
 */
import {cellNumber, cellText, requireColumns, type AicRow} from './parquet.js'
import {dropAbovePeak, mfuOf, msToUs, sig} from './numbers.js'
import {provenanceOf} from './provenance.js'
import {countSources, fastestPerKey, type Candidate} from './select.js'
import {buildTable} from './table.js'
import type {MapOptions, MappedTable, SourceInfo} from './types.js'

type MoeClass = 'bf16' | 'fp8' | 'nvfp4' | 'int4'
/**
 * 4-bit weights: nvfp4 (fp4 tensor cores, fp4 peak) and the other 4-bit kernels as the
 * simulator's int4 format, the fastest per shape: weight-only int4_wo and w4a16_mxfp4
 * (dequantised to bf16) and, on Blackwell, w4a8_mxfp4_mxfp8 (MXFP4 weights, MXFP8 activations:
 * the kernel TensorRT-LLM runs for gpt-oss there by default, where Hopper runs the bf16-activation
 * Triton kernel; TensorRT-LLM's GPT-OSS deployment guide). MFU against the bf16 peak for all of
 * them: a unit, not a claim about the math.
 */
const DTYPE_CLASS: Record<string, MoeClass> = {
  bfloat16: 'bf16',
  float16: 'bf16',
  fp8: 'fp8',
  fp8_block: 'fp8',
  nvfp4: 'nvfp4',
  int4_wo: 'int4',
  w4a16_mxfp4: 'int4',
  w4a8_mxfp4_mxfp8: 'int4',
}
const peakOf = (cls: MoeClass, o: MapOptions) => (cls === 'fp8' ? o.peaks.fp8 : cls === 'nvfp4' ? o.peaks.fp4 : o.peaks.bf16)
export const DECODE_MAX_TOKENS = 1024
export const PREFILL_MIN_TOKENS = 256

interface MoePoint {
  dtype: MoeClass
  experts: number
  gpus: number
  localExperts: number
  topk: number
  hidden: number
  inter: number
  m: number
}

const KEY_COLUMNS = ['num_experts', 'num_gpus', 'num_local_experts', 'topk', 'hidden_size', 'intermediate_size']
const shapeKey = (p: MoePoint) => `${p.experts},${p.gpus},${p.localExperts},${p.topk},${p.hidden},${p.inter}`

export function mapMoe(rows: readonly AicRow[], src: SourceInfo, o: MapOptions): MappedTable[] {
  requireColumns(
    rows,
    ['moe_dtype', 'num_tokens', 'hidden_size', 'inter_size', 'topk', 'num_experts', 'moe_tp_size', 'moe_ep_size', 'distribution', 'latency', 'kernel_source'],
    src.file,
  )
  const cands: Candidate<MoePoint>[] = []
  const skippedDtypes = new Set<string>()
  rows.forEach((r, i) => {
    if (cellText(r, 'distribution') !== o.moeDistribution) return
    const raw = cellText(r, 'moe_dtype')
    const dtype = DTYPE_CLASS[raw]
    if (!dtype || !peakOf(dtype, o)) {
      skippedDtypes.add(raw)
      return
    }
    const n = (c: string) => cellNumber(r, c, src.file, i)
    const [tp, ep, tokens, experts] = [n('moe_tp_size'), n('moe_ep_size'), n('num_tokens'), n('num_experts')]
    if (ep !== 1 || n('inter_size') % tp !== 0) return
    const p: MoePoint = {dtype, experts, gpus: tp, localExperts: experts, topk: n('topk'), hidden: n('hidden_size'), inter: n('inter_size') / tp, m: tokens}
    cands.push({key: `${dtype}|${shapeKey(p)}|${p.m}`, latencyUs: msToUs(n('latency')), kernelSource: cellText(r, 'kernel_source'), item: p})
  })
  if (cands.length === 0) return []
  const filters = [
    `distribution ${o.moeDistribution}`,
    'moe_ep_size 1 only (rows with moe_ep_size > 1 route every token to rank 0: not one GPU\'s expert-parallel share)',
    ...(skippedDtypes.size > 0 ? [`dtypes not modelled by the simulator skipped: ${[...skippedDtypes].sort().join(', ')}`] : []),
  ]
  const classes = (['bf16', 'fp8', 'nvfp4', 'int4'] as const).filter((d) => cands.some((c) => c.item.dtype === d))
  const compat = classes.includes('fp8') ? 'fp8' : 'bf16'
  const out: MappedTable[] = []
  for (const dtype of classes) {
    const sel = fastestPerKey(
      cands.filter((c) => c.item.dtype === dtype),
      o.kernelSource,
    )
    const peak = peakOf(dtype, o)!
    const mfuNote = `2*hidden*intermediate*m*topk*3 / (latency * ${peak} TFLOP/s ${dtype} peak); block latency split 2:1 up:down, same MFU`
    const dtypeNote = {fp8: 'moe_dtype fp8 and fp8_block (faster per shape)', bf16: 'moe_dtype bfloat16', nvfp4: 'moe_dtype nvfp4', int4: 'moe_dtype int4_wo, w4a16_mxfp4 and w4a8_mxfp4_mxfp8 (4-bit weights, fastest per shape)'}[dtype]
    for (const phase of ['decode', 'prefill'] as const) {
      const inPhase = sel.chosen.filter((c) => (phase === 'decode' ? c.item.m <= DECODE_MAX_TOKENS : c.item.m >= PREFILL_MIN_TOKENS))
      const tokenColumn = phase === 'decode' ? 'batch_size_per_gpu' : 'seq_len_per_gpu'
      const {rows: cells, note} = dropAbovePeak(
        inPhase.map(({item: p, latencyUs}) => {
          const mfu = sig(mfuOf(2 * p.hidden * p.inter * p.m * p.topk * 3, latencyUs, peak))
          return [p.experts, p.gpus, p.localExperts, p.topk, p.hidden, p.inter, p.m, sig((p.m * p.topk) / p.localExperts), sig((latencyUs * 2) / 3), mfu, sig(latencyUs / 3), mfu]
        }),
        (c) => [c[9] as number],
      )
      const columns = [...KEY_COLUMNS, tokenColumn, 'tokens_per_expert', 'up_proj_us', 'up_mfu', 'down_proj_us', 'down_mfu']
      const range = phase === 'decode' ? `m <= ${DECODE_MAX_TOKENS}` : `m >= ${PREFILL_MIN_TOKENS}`
      const table = (file: string, extra: string[]): MappedTable => ({
        dtype,
        table: buildTable(`grouped_gemm/${phase}/${o.gpuKey}/${file}`, columns, cells, [...KEY_COLUMNS, tokenColumn]),
        provenance: provenanceOf([src], {...sel, kernelSources: countSources(inPhase)}, [dtypeNote, ...filters, `${phase}: tokens per GPU ${range}`, ...note, ...extra], cells.length, mfuNote),
      })
      if (dtype !== compat) out.push(table(`${dtype}.csv`, []))
      else out.push(table('data.csv', [`data.csv (compat lookups) holds the ${dtype} table (${dtype === 'fp8' ? "as InferSim's own grouped GEMM tables" : 'the only dtype measured'}); no separate ${dtype}.csv`]))
    }
  }
  return out
}
