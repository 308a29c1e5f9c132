/**
 * GEMM rows, and MLA batched-matmul rows, faster than their weights stream
 * from memory at the GPU's datasheet bandwidth. A benchmark that calls one
 * shape over and over keeps weights that fit in the L2 cache there; a served
 * model reads each layer's weights once a step, more than any L2 holds, so
 * the simulator times such a kernel by the stream (switch weightStreamFloor).
 * The rows are kept; one warning per table says how many there are and names
 * the furthest.
 *
 * @example
 * // L40S (864 GB/s), bf16 768 x 10240 at m = 1: 15.7 MB of weights stream in 18.2 us; a row of 6.8 us is 2.7x faster
 * weightStreamUs({k: 768, n: 10240}, 'bf16', 864) // 18.20
 */
import {datasheetStreamSeconds} from '../../cost/units.js'
import type {GpuSpec} from '../../hardware/gpu.js'
import type {IngestRow, Issue} from '../types.js'
import {issueAt} from '../types.js'
import {dtypeOf} from './mfu.js'

/** Bytes of one weight in a GEMM dtype's data, scales left out (the lower bound the check needs). */
const WEIGHT_BYTES: Record<string, number> = {bf16: 2, fp16: 2, fp32: 4, fp8: 1, fp8_block: 1, int8: 1, int4: 0.5, nvfp4: 0.5}

/** Microseconds to stream a k x n weight of `dtype` at `memBwGBs` GB/s; undefined for a dtype of unknown size. */
export function weightStreamUs(shape: {k: number; n: number}, dtype: string, memBwGBs: number): number | undefined {
  const bytes = WEIGHT_BYTES[dtype]
  return bytes === undefined ? undefined : datasheetStreamSeconds(shape.k * shape.n * bytes, memBwGBs) * 1e6
}

/** A margin for timer noise: a row is named only when it beats the stream by more than this. */
export const STREAM_MARGIN = 1.05

/** DeepSeek-V3's per-head matmul weights, which the MLA batched-matmul tables time: 128 x 512 (q_wk) and 512 x 128 (o_wv) a head. */
const MLA_BMM_HEAD = {k: 128, n: 512}

/** A row's kernel timings against their weights' stream: the GEMM's one, or the two batched matmuls of an MLA row. */
function timings(row: IngestRow, memBwGBs: number): {latency: number; streamUs: number; what: string}[] {
  const v = row.values
  const folder = row.target.layout.folder
  if (folder === 'gemm') {
    if (typeof v.latency_us !== 'number' || typeof v.k !== 'number' || typeof v.n !== 'number') return []
    const streamUs = weightStreamUs({k: v.k, n: v.n}, dtypeOf(row), memBwGBs)
    return streamUs === undefined ? [] : [{latency: v.latency_us, streamUs, what: `m=${v.m} k=${v.k} n=${v.n}: ${v.latency_us} µs`}]
  }
  if (folder === 'mla_bmm' && typeof v.heads === 'number') {
    const streamUs = weightStreamUs({k: v.heads * MLA_BMM_HEAD.k, n: MLA_BMM_HEAD.n}, 'bf16', memBwGBs)!
    return (['q_wk_us', 'o_wv_us'] as const).flatMap((c) => (typeof v[c] === 'number' ? [{latency: v[c] as number, streamUs, what: `heads=${v.heads} tokens=${v.tokens} ${c}: ${v[c]} µs`}] : []))
  }
  return []
}

export function weightStreamIssues(rows: readonly IngestRow[], gpuOf: (folder: string) => GpuSpec | undefined): Issue[] {
  const byTable = new Map<string, {count: number; rows: number; worst?: {row: IngestRow; ratio: number; streamUs: number; what: string}}>()
  for (const row of rows) {
    const gpu = gpuOf(row.target.gpu)
    const found = gpu ? timings(row, gpu.memBwGBs) : []
    if (found.length === 0) continue
    const t = byTable.get(row.target.relPath) ?? {count: 0, rows: 0}
    byTable.set(row.target.relPath, t)
    for (const {latency, streamUs, what} of found) {
      t.rows++
      if (!(latency * STREAM_MARGIN < streamUs)) continue
      t.count++
      const ratio = streamUs / latency
      if (!t.worst || ratio > t.worst.ratio) t.worst = {row, ratio, streamUs, what}
    }
  }
  const issues: Issue[] = []
  for (const [table, t] of byTable) {
    if (!t.worst) continue
    const {row, ratio, streamUs, what} = t.worst
    issues.push(
      issueAt(
        'warning',
        'faster-than-memory',
        row.source.display,
        row.line,
        `${t.count} of ${t.rows} timings in ${table} run faster than their weights stream at the GPU's ${gpuOf(row.target.gpu)!.memBwGBs} GB/s, ` +
          `this one ${ratio.toFixed(2)}x (${what}, ${streamUs.toFixed(2)} µs to stream): ` +
          'the benchmark kept their weights in cache; the rows are kept, and a simulation times such a kernel by the stream (weightStreamFloor)',
      ),
    )
  }
  return issues
}
