/**
 * Per kernel family, what leave-one-out needs: which columns identify a
 * measured point, the value a row stands for, and how the compat
 * nearest-point lookup and the interpolating lookup answer that point's query.
 */
import type {LookupEnv} from './resolver.js'
import {lookupDecodeAttention, lookupPrefillAttention} from './interpolate/attention.js'
import {lookupGemmIn} from './interpolate/gemm.js'
import {lookupGroupedGemm, tokensColumn} from './interpolate/grouped-gemm.js'
import type {Quantity} from './interpolate/kernel-grid.js'
import type {KernelFamily} from './interpolate/quantities.js'
import {
  nearestDecodeAttentionMfu,
  nearestGemmMfu,
  nearestGroupedGemmDecodeMfu,
  nearestGroupedGemmPrefillMfu,
  nearestPrefillAttentionMfu,
  type GroupedGemmKey,
} from './nearest.js'
import type {Phase} from './paths.js'
import {num, type KernelTable, type MfuLookup, type TableRow, type TableSet} from './types.js'

export interface FamilyLoo {
  /** Columns whose values identify one measured point (duplicates are hidden together). */
  pointColumns: string[]
  /** Rows that share a group answer each other's queries alone (a GEMM site, a MoE key). */
  group?: (row: TableRow) => string
  truth: (row: TableRow) => number
  nearest: (table: KernelTable, row: TableRow) => MfuLookup | undefined
  /** The interpolating lookup of `row`'s query in `table` without the rows on `leftOut` (the hidden point). */
  interpolate: (tables: TableSet, table: KernelTable, row: TableRow, env: LookupEnv, quantity: Quantity, leftOut: ReadonlySet<number>) => MfuLookup | undefined
}

const mfu = (row: TableRow) => num(row, 'mfu')

const gemm: FamilyLoo = {
  pointColumns: ['m', 'k', 'n'],
  group: (r) => `${num(r, 'k')},${num(r, 'n')}`,
  truth: mfu,
  nearest: (t, r) => nearestGemmMfu(t, num(r, 'm'), num(r, 'k'), num(r, 'n')),
  interpolate: (_ts, t, r, env, q, out) => lookupGemmIn(t, num(r, 'm'), num(r, 'k'), num(r, 'n'), env, q, undefined, out),
}

const decode: FamilyLoo = {
  pointColumns: ['kv_dtype', 'batch_size', 'kv_len'],
  truth: mfu,
  nearest: (t, r) => nearestDecodeAttentionMfu(t, num(r, 'batch_size'), num(r, 'kv_len'), r.values.kv_dtype === 'fp8'),
  interpolate: (ts, t, r, env, q, out) => lookupDecodeAttention(ts, t.path, num(r, 'batch_size'), num(r, 'kv_len'), r.values.kv_dtype === 'fp8', env, q, out),
}

const prefill: FamilyLoo = {
  pointColumns: ['seq_len'],
  truth: mfu,
  nearest: (t, r) => nearestPrefillAttentionMfu(t, num(r, 'seq_len')),
  interpolate: (ts, t, r, env, q, out) => lookupPrefillAttention(ts, t.path, num(r, 'seq_len'), env, q, out),
}

export function groupedGemmKeyOf(r: TableRow): GroupedGemmKey {
  return {
    experts: num(r, 'num_experts'),
    gpus: num(r, 'num_gpus'),
    localExperts: num(r, 'num_local_experts'),
    topk: num(r, 'topk'),
    hidden: num(r, 'hidden_size'),
    intermediate: num(r, 'intermediate_size'),
  }
}

function moe(phase: Phase): FamilyLoo {
  const col = tokensColumn(phase)
  const keyColumns = ['num_experts', 'num_gpus', 'num_local_experts', 'topk', 'hidden_size', 'intermediate_size']
  return {
    pointColumns: [...keyColumns, col],
    group: (r) => keyColumns.map((c) => num(r, c)).join(','),
    truth: (r) => Math.max(num(r, 'up_mfu'), num(r, 'down_mfu')),
    nearest: (t, r) =>
      phase === 'decode' ? nearestGroupedGemmDecodeMfu(t, groupedGemmKeyOf(r), num(r, col)) : nearestGroupedGemmPrefillMfu(t, groupedGemmKeyOf(r), num(r, col)),
    interpolate: (ts, t, r, env, q, out) => lookupGroupedGemm(ts, t.path, phase, groupedGemmKeyOf(r), num(r, col), env, q, undefined, out),
  }
}

export const FAMILY_LOO: Record<KernelFamily, FamilyLoo> = {
  gemm,
  'mha-decode': decode,
  'mla-decode': decode,
  'mha-prefill': prefill,
  'mla-prefill': prefill,
  'moe-decode': moe('decode'),
  'moe-prefill': moe('prefill'),
}
