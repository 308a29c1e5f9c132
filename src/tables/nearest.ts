/**
 * The compat profile's lookups (docs/profiles.md, The compat profile):
 * nearest point or step function, in file order, exactly as the reference
 * picks. Results are rounded to 3 decimals. `undefined` means "no row matched": the caller falls back.
 */
import {pyRound} from '../util/pyformat.js'
import {num, type KernelTable, type MfuLookup, type TableRow} from './types.js'

const UNROUNDED_NOTE = 'MFU below 0.0005 kept unrounded: rounding it to 3 decimals as the reference does gives 0, an infinite time'

const hit = (table: KernelTable, row: TableRow, value: number, exact: boolean): MfuLookup => {
  const rounded = pyRound(value, 3)
  // Tables measured on fast GPUs hold MFUs far below 0.0005 for tiny shapes; the reference, which never met them, would divide by 0.
  const tiny = rounded === 0 && value > 0
  return {value: tiny ? value : rounded, kind: exact ? 'exact' : 'nearest', table: table.path, lines: [row.line], ...(tiny ? {note: UNROUNDED_NOTE} : {})}
}

/** GEMM: smallest (k,n) site with k'>=k, n'>=n, then the last row with m'<=m. */
export function nearestGemmMfu(table: KernelTable, m: number, k: number, n: number): MfuLookup | undefined {
  let bestK = -1
  let bestN = -1
  let bestDist = Infinity
  for (const row of table.rows) {
    const rk = num(row, 'k')
    const rn = num(row, 'n')
    if (rk < k || rn < n) continue
    const d = (k - rk) ** 2 + (n - rn) ** 2
    if (d < bestDist) {
      bestDist = d
      bestK = rk
      bestN = rn
    }
  }
  if (bestDist === Infinity) return undefined
  let found: TableRow | undefined
  for (const row of table.rows) {
    if (num(row, 'k') === bestK && num(row, 'n') === bestN && num(row, 'm') <= m) found = row
  }
  if (!found) return undefined
  return hit(table, found, num(found, 'mfu'), num(found, 'm') === m && bestDist === 0)
}

/** Decode attention: rows of the KV dtype, minimising |batch-bs| + |kv_len-ctx|; first wins ties. */
export function nearestDecodeAttentionMfu(table: KernelTable, batch: number, kvLen: number, fp8Kv: boolean): MfuLookup | undefined {
  const kvDtype = fp8Kv ? 'fp8' : 'bf16'
  let best: TableRow | undefined
  let bestDist = Infinity
  for (const row of table.rows) {
    if (row.values.kv_dtype !== kvDtype) continue
    const d = Math.abs(num(row, 'batch_size') - batch) + Math.abs(num(row, 'kv_len') - kvLen)
    if (d < bestDist) {
      bestDist = d
      best = row
    }
  }
  return best ? hit(table, best, num(best, 'mfu'), bestDist === 0) : undefined
}

/** Step function over a sorted column: the last row whose key <= wanted, stopping at the first larger. */
export function stepRow(table: KernelTable, rows: readonly TableRow[], column: string, wanted: number): TableRow | undefined {
  let found: TableRow | undefined
  for (const row of rows) {
    if (num(row, column) > wanted) break
    found = row
  }
  return found
}

/** Prefill attention: step function over seq_len. */
export function nearestPrefillAttentionMfu(table: KernelTable, seqLen: number): MfuLookup | undefined {
  const row = stepRow(table, table.rows, 'seq_len', seqLen)
  return row ? hit(table, row, num(row, 'mfu'), num(row, 'seq_len') === seqLen) : undefined
}

export interface GroupedGemmKey {
  experts: number
  gpus: number
  localExperts: number
  topk: number
  hidden: number
  intermediate: number
}

export function groupedGemmRows(table: KernelTable, key: GroupedGemmKey): TableRow[] {
  return table.rows.filter(
    (r) =>
      num(r, 'num_experts') === key.experts &&
      num(r, 'num_gpus') === key.gpus &&
      num(r, 'num_local_experts') === key.localExperts &&
      num(r, 'topk') === key.topk &&
      num(r, 'hidden_size') === key.hidden &&
      num(r, 'intermediate_size') === key.intermediate,
  )
}

const groupedMfu = (row: TableRow) => Math.max(num(row, 'up_mfu'), num(row, 'down_mfu'))

/** Grouped GEMM decode: the matching row with the closest batch per GPU. */
export function nearestGroupedGemmDecodeMfu(table: KernelTable, key: GroupedGemmKey, batch: number): MfuLookup | undefined {
  let best: TableRow | undefined
  let bestDist = Infinity
  for (const row of groupedGemmRows(table, key)) {
    const d = Math.abs(num(row, 'batch_size_per_gpu') - batch)
    if (d < bestDist) {
      bestDist = d
      best = row
    }
  }
  return best ? hit(table, best, groupedMfu(best), bestDist === 0) : undefined
}

/** Grouped GEMM prefill: step function over seq_len_per_gpu. */
export function nearestGroupedGemmPrefillMfu(table: KernelTable, key: GroupedGemmKey, tokens: number): MfuLookup | undefined {
  const row = stepRow(table, groupedGemmRows(table, key), 'seq_len_per_gpu', tokens)
  return row ? hit(table, row, groupedMfu(row), num(row, 'seq_len_per_gpu') === tokens) : undefined
}

export interface GdnLatency {
  /** Latency in microseconds. */
  latencyUs: number
  table: string
  lines: number[]
  /** Set when the table is another GPU's (src/tables/gdn-borrow.ts): why it was chosen. */
  borrowed?: string
}

/** GDN: the row whose first column is nearest; latency = sum of the others / (row_first / wanted). */
export function nearestGdnLatency(table: KernelTable, wanted: number): GdnLatency | undefined {
  const [first, ...rest] = table.columns
  let best: TableRow | undefined
  let bestDist = Infinity
  for (const row of table.rows) {
    const d = Math.abs(num(row, first) - wanted)
    if (d < bestDist) {
      bestDist = d
      best = row
    }
  }
  if (!best) return undefined
  const ratio = num(best, first) / wanted
  let sum = 0
  for (const c of rest) sum += num(best, c)
  return {latencyUs: sum / ratio, table: table.path, lines: [best.line]}
}

/**
 * Generic nearest row: among rows matching `filter` exactly, the one minimising the sum of
 * |row[col] - wanted| over `query` (first wins ties). Used for tables with their own columns (DSA).
 */
export function nearestRowMfu(
  table: KernelTable,
  query: Record<string, number>,
  filter: Record<string, number | string> = {},
): MfuLookup | undefined {
  let best: TableRow | undefined
  let bestDist = Infinity
  const filterKeys = Object.keys(filter).filter((k) => table.columns.includes(k))
  for (const row of table.rows) {
    if (filterKeys.some((k) => row.values[k] !== filter[k])) continue
    let d = 0
    for (const [col, wanted] of Object.entries(query)) d += Math.abs(num(row, col) - wanted)
    if (d < bestDist) {
      bestDist = d
      best = row
    }
  }
  return best ? hit(table, best, num(best, 'mfu'), bestDist === 0) : undefined
}
