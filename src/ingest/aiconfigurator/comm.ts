/**
 * Communication tables comm/<gpu>/<op>.csv (num_gpus, message_bytes, latency_us):
 *  - custom_allreduce_perf + nccl_perf all_reduce -> allreduce.csv (faster per
 *    size; SGLang's custom all-reduce wins small messages, NCCL large ones);
 *  - nccl_perf all_gather / reduce_scatter / alltoall -> allgather.csv,
 *    reduce_scatter.csv, alltoall.csv;
 *  - wideep_deepep_ll_perf -> deepep_ll_dispatch.csv / deepep_ll_combine.csv;
 *  - wideep_deepep_normal_perf -> deepep_normal_dispatch.csv / deepep_normal_combine.csv
 *    (transmit + notify, the fastest SM count per size).
 * message_bytes: element count times element size (bfloat16/half 2, int8 1)
 * for collectives; for DeepEP the payload one GPU sends,
 * num_token * topk * hidden * (1 byte fp8 dispatch, 2 bytes bf16 combine),
 * which is the message of the simulator's low-latency DeepEP dispatch. DeepEP rows of
 * different (hidden, topk, experts) with the same payload keep the fastest;
 * num_gpus = node_num * GPUs per node.
 */
import {cellNumber, cellText, requireColumns, type AicRow} from './parquet.js'
import {msToUs, sig} from './numbers.js'
import {provenanceOf} from './provenance.js'
import {fastestPerKey, type Candidate} from './select.js'
import {buildTable} from './table.js'
import type {MapOptions, MappedTable, SourceInfo} from './types.js'

const ELEMENT_BYTES: Record<string, number> = {bfloat16: 2, half: 2, float16: 2, fp16: 2, int8: 1, fp8: 1, float32: 4, float: 4}
/** Reductions are timed in the simulator's dtype only (bf16): int8 sums are not what it moves. */
const REDUCING = new Set(['all_reduce', 'reduce_scatter'])
const REDUCING_FILES = new Set(['allreduce', 'reduce_scatter'])
const NCCL_OP_FILE: Record<string, string> = {all_reduce: 'allreduce', all_gather: 'allgather', reduce_scatter: 'reduce_scatter', alltoall: 'alltoall'}

interface CommPoint {
  gpus: number
  bytes: number
}

export interface CommInput {
  rows: readonly AicRow[]
  src: SourceInfo
}

/** Collectives: custom all-reduce and NCCL files together (all-reduce keeps the faster of the two). */
export function mapCollectives(inputs: {customAllreduce?: CommInput; nccl?: CommInput}, o: MapOptions): MappedTable[] {
  const byOp = new Map<string, {cands: Candidate<CommPoint>[]; srcs: Set<SourceInfo>}>()
  const add = (op: string, src: SourceInfo, c: Candidate<CommPoint>) => {
    const e = byOp.get(op) ?? {cands: [], srcs: new Set()}
    e.cands.push(c)
    e.srcs.add(src)
    byOp.set(op, e)
  }
  const point = (r: AicRow, i: number, src: SourceInfo, dtypeColumn: string): CommPoint | undefined => {
    const size = ELEMENT_BYTES[cellText(r, dtypeColumn)]
    if (!size) return undefined
    return {gpus: cellNumber(r, 'num_gpus', src.file, i), bytes: cellNumber(r, 'message_size', src.file, i) * size}
  }
  const ar = inputs.customAllreduce
  if (ar) {
    requireColumns(ar.rows, ['allreduce_dtype', 'num_gpus', 'message_size', 'latency', 'kernel_source'], ar.src.file)
    ar.rows.forEach((r, i) => {
      const p = point(r, i, ar.src, 'allreduce_dtype')
      if (p && ELEMENT_BYTES[cellText(r, 'allreduce_dtype')] === 2) {
        add('allreduce', ar.src, {key: `${p.gpus},${p.bytes}`, latencyUs: msToUs(cellNumber(r, 'latency', ar.src.file, i)), kernelSource: cellText(r, 'kernel_source'), item: p})
      }
    })
  }
  const nccl = inputs.nccl
  if (nccl) {
    requireColumns(nccl.rows, ['op_name', 'nccl_dtype', 'num_gpus', 'message_size', 'latency'], nccl.src.file)
    nccl.rows.forEach((r, i) => {
      const op = cellText(r, 'op_name')
      const file = NCCL_OP_FILE[op]
      const p = point(r, i, nccl.src, 'nccl_dtype')
      if (!file || !p || (REDUCING.has(op) && ELEMENT_BYTES[cellText(r, 'nccl_dtype')] !== 2)) return
      const source = `NCCL ${cellText(r, 'nccl_dtype')}`
      add(file, nccl.src, {key: `${p.gpus},${p.bytes}`, latencyUs: msToUs(cellNumber(r, 'latency', nccl.src.file, i)), kernelSource: source, item: p})
    })
  }
  return [...byOp].map(([op, {cands, srcs}]) =>
    commTable(o, op, cands, [...srcs], [REDUCING_FILES.has(op) ? 'bf16/half messages only' : 'half and int8 messages, by bytes']),
  )
}

/** DeepEP low-latency (`ll`) or normal (`normal`) kernels: dispatch and combine tables. */
export function mapDeepEp(rows: readonly AicRow[], src: SourceInfo, mode: 'll' | 'normal', o: MapOptions): MappedTable[] {
  const timing =
    mode === 'll'
      ? {dispatch: ['dispatch_avg_t_us'], combine: ['combine_avg_t_us']}
      : {dispatch: ['dispatch_transmit_us', 'dispatch_notify_us'], combine: ['combine_transmit_us', 'combine_notify_us']}
  requireColumns(rows, ['node_num', 'hidden_size', 'num_token', 'num_topk', ...timing.dispatch, ...timing.combine], src.file)
  const out: MappedTable[] = []
  for (const [part, bytesPerElement] of [['dispatch', 1], ['combine', 2]] as const) {
    const cands: Candidate<CommPoint>[] = rows.map((r, i) => {
      const n = (c: string) => cellNumber(r, c, src.file, i)
      const p = {gpus: n('node_num') * o.gpusPerNode, bytes: n('num_token') * n('num_topk') * n('hidden_size') * bytesPerElement}
      const us = timing[part].reduce((s, c) => s + n(c), 0)
      return {key: `${p.gpus},${p.bytes}`, latencyUs: us, kernelSource: cellText(r, 'kernel_source') || 'deepep', item: p}
    })
    out.push(
      commTable(o, `deepep_${mode}_${part}`, cands, [src], [
        `message_bytes = num_token*topk*hidden*${bytesPerElement} (${part === 'dispatch' ? 'fp8' : 'bf16'})`,
        `num_gpus = node_num * ${o.gpusPerNode}`,
        ...(mode === 'normal' ? ['latency = transmit + notify; fastest SM count per size'] : []),
        'same payload from several model shapes: fastest kept',
      ]),
    )
  }
  return out
}

function commTable(o: MapOptions, op: string, cands: Candidate<CommPoint>[], srcs: SourceInfo[], filters: string[]): MappedTable {
  // Comm has no alternative named by --kernel-source in most files; the fastest per size is what a tuned engine picks.
  const sel = fastestPerKey(cands, o.kernelSource)
  const cells = sel.chosen.map(({item: p, latencyUs}) => [p.gpus, p.bytes, sig(latencyUs)])
  return {
    table: buildTable(`comm/${o.gpuKey}/${op}.csv`, ['num_gpus', 'message_bytes', 'latency_us'], cells, ['num_gpus', 'message_bytes']),
    provenance: provenanceOf(srcs, sel, filters, cells.length),
  }
}
