/**
 * Leave-one-shape-out: the evidence for borrowing. A whole GEMM (k, n) site,
 * attention head configuration (one file and KV dtype) or MoE key is hidden
 * and each of its rows predicted by borrowing from the nearest measured
 * shape, by the roofline fallback (GPU default MFU) and by the compat lookup
 * (what it picks without that shape). Errors are grouped by the log2
 * distance to the shape borrowed from, which is how the borrowing limits
 * were chosen.
 */
import {attentionConfig, decodeModel, prefillModel} from './interpolate/attention-model.js'
import {attentionCandidates, lookupDecodeAttention, lookupPrefillAttention, type AttentionQuery} from './interpolate/attention.js'
import {borrowGemm, gemmModel, nearestSiteDistance} from './interpolate/gemm.js'
import {borrowMoe, groupedGemmWork, nearestKeyDistance, tokensColumn} from './interpolate/grouped-gemm.js'
import type {Shape} from './interpolate/kernel-grid.js'
import {CHOSEN_QUANTITY, familyOfPath, type KernelFamily} from './interpolate/quantities.js'
import {bytesPerUs, type Work} from './interpolate/roofline.js'
import {nearestGemmMfu} from './nearest.js'
import type {LookupEnv} from './resolver.js'
import {FAMILY_LOO, groupedGemmKeyOf} from './score-families.js'
import {errorStats, type ErrorStats} from './score-stats.js'
import {gpuKeyOfPath, namedDtype, type ScoreGpu} from './score.js'
import {num, type KernelTable, type TableRow, type TableSet} from './types.js'

/** Distance buckets (upper bounds, log2 units). */
export const DISTANCE_BUCKETS = [0.5, 1, Math.SQRT2, 2, 3, Infinity]

export interface BorrowBucket {
  /** Upper bound of the log2 distance to the nearest measured shape. */
  upTo: number
  borrowed: ErrorStats
  fallback: ErrorStats
  nearest: ErrorStats
}

export interface BorrowScore {
  family: 'gemm' | 'attention' | 'moe'
  buckets: BorrowBucket[]
}

interface Sample {
  d: number
  borrowed: number
  fallback: number
  nearest: number
}

type GpuOf = (gpuKey: string) => (ScoreGpu & {gemmDtype: 'fp8' | 'bf16'}) | undefined

/** Roofline x default efficiency, the resolver's fallback under the rooflineFallback switch. */
function rooflineFallback(work: Work, peakTflops: number, env: LookupEnv, defaultMfu: number): number {
  const computeUs = work.flops / (peakTflops * 1e6)
  const memoryUs = work.bytes / (bytesPerUs(env) ?? Infinity)
  return Math.min(1, (defaultMfu * computeUs) / Math.max(computeUs, memoryUs))
}

const err = (v: number, truth: number) => (Math.abs(v - truth) / truth) * 100

/** `onTable`: after each table, how many of the `count` tables are done. */
export function scoreBorrowing(tables: TableSet, gpuOf: GpuOf, onTable?: (table: string, done: number, count: number) => void): BorrowScore[] {
  const samples: Record<BorrowScore['family'], Sample[]> = {gemm: [], attention: [], moe: []}
  const add = (path: string) => {
    const family = familyOfPath(path)
    const gpu = gpuOf(gpuKeyOfPath(path))
    if (!family || !gpu) return
    const table = tables.get(path)!
    const env: LookupEnv = {memBw: gpu.memBw, gemmDtype: namedDtype(path) ?? gpu.gemmDtype}
    if (family === 'gemm') samples.gemm.push(...gemmSamples(table, env, gpu))
    else if (family.startsWith('moe')) samples.moe.push(...moeSamples(tables, table, family, env, gpu))
    else samples.attention.push(...attentionSamples(tables, table, family, env, gpu))
  }
  const paths = tables.paths()
  for (const [i, path] of paths.entries()) {
    add(path)
    onTable?.(path, i + 1, paths.length)
  }
  return (Object.keys(samples) as BorrowScore['family'][]).filter((f) => samples[f].length > 0).map((family) => ({family, buckets: bucket(samples[family])}))
}

/** Rows by group key, each row's key computed once. */
function byGroup(rows: readonly TableRow[], group: (r: TableRow) => string): {keys: string[]; groups: Map<string, TableRow[]>} {
  const keys = rows.map(group)
  const groups = new Map<string, TableRow[]>()
  rows.forEach((r, i) => {
    const g = groups.get(keys[i])
    if (g) g.push(r)
    else groups.set(keys[i], [r])
  })
  return {keys, groups}
}

function gemmSamples(table: KernelTable, env: LookupEnv, gpu: ScoreGpu): Sample[] {
  const out: Sample[] = []
  const {groups} = byGroup(table.rows, FAMILY_LOO.gemm.group!)
  if (groups.size < 2) return out
  const model = gemmModel(table.path)
  const peak = env.gemmDtype === 'fp8' ? gpu.fp8Tflops : gpu.fp16Tflops
  for (const [key, hidden] of groups) {
    // Borrowing skips the query's own site by itself; the compat lookup reads the site it would pick without it.
    const compatSite = compatGemmSite(groups, key, num(hidden[0], 'k'), num(hidden[0], 'n'))
    const rest: KernelTable = {...table, rows: compatSite ?? []}
    for (const r of hidden) {
      const [m, k, n] = ['m', 'k', 'n'].map((c) => num(r, c))
      const truth = num(r, 'mfu')
      const borrowed = borrowGemm(table, m, k, n, env, Infinity)
      if (!(truth > 0) || !borrowed) continue
      out.push({
        d: nearestSiteDistance(table, k, n),
        borrowed: err(borrowed.value, truth),
        fallback: err(rooflineFallback(model.work({m, k, n}, env)[0], peak, env, gpu.defaultMfu), truth),
        nearest: err(nearestGemmMfu(rest, m, k, n)?.value ?? gpu.defaultMfu, truth),
      })
    }
  }
  return out
}

/**
 * The (k', n') site the compat GEMM lookup (nearest point) picks for (k, n) once the
 * site `hidden` is gone: k' >= k, n' >= n, smallest squared distance, first in
 * file order on ties. Its rows alone give the compat answer.
 */
function compatGemmSite(groups: Map<string, TableRow[]>, hidden: string, k: number, n: number): TableRow[] | undefined {
  let best: TableRow[] | undefined
  let bestD = Infinity
  for (const [key, rows] of groups) {
    const [rk, rn] = [num(rows[0], 'k'), num(rows[0], 'n')]
    if (key === hidden || rk < k || rn < n) continue
    const d = (k - rk) ** 2 + (n - rn) ** 2
    if (d < bestD) [best, bestD] = [rows, d]
  }
  return best
}

/** Tables without the given path. */
function without(tables: TableSet, path: string): TableSet {
  return {root: tables.root, get: (p) => (p === path ? undefined : tables.get(p)), has: (p) => p !== path && tables.has(p), paths: () => tables.paths().filter((p) => p !== path)}
}

function attentionSamples(tables: TableSet, table: KernelTable, family: KernelFamily, env: LookupEnv, gpu: ScoreGpu): Sample[] {
  const cfg = attentionConfig(table.path)
  if (!cfg) return []
  const rest = without(tables, table.path)
  const out: Sample[] = []
  for (const r of table.rows) {
    const truth = num(r, 'mfu')
    const decode = cfg.phase === 'decode'
    const kvDtype = decode ? String(r.values.kv_dtype) : ''
    const shape: Shape = decode ? {batch_size: num(r, 'batch_size'), kv_len: num(r, 'kv_len')} : {seq_len: num(r, 'seq_len')}
    const q: AttentionQuery = {cfg, kvDtype, shape}
    const quantity = CHOSEN_QUANTITY[family]
    const borrowed = decode
      ? lookupDecodeAttention(rest, table.path, shape.batch_size, shape.kv_len, kvDtype === 'fp8', env, quantity)
      : lookupPrefillAttention(rest, table.path, shape.seq_len, env, quantity)
    const nearestCandidate = attentionCandidates(rest, table.path, q)[0]
    if (!(truth > 0) || !borrowed || !nearestCandidate) continue
    const work = (decode ? decodeModel(cfg, kvDtype) : prefillModel(cfg)).work(shape, env)[0]
    out.push({
      d: nearestCandidate.d,
      borrowed: err(borrowed.value, truth),
      fallback: err(rooflineFallback(work, gpu.fp16Tflops, env, gpu.defaultMfu), truth),
      // The compat lookup of a missing file: the default MFU (decode) or 0.9 (prefill, as the reference does).
      nearest: err(decode ? gpu.defaultMfu : 0.9, truth),
    })
  }
  return out
}

function moeSamples(tables: TableSet, table: KernelTable, family: KernelFamily, env: LookupEnv, gpu: ScoreGpu): Sample[] {
  const phase = family === 'moe-decode' ? 'decode' : 'prefill'
  const loo = FAMILY_LOO[family]
  const col = tokensColumn(phase)
  const peak = env.gemmDtype === 'fp8' ? gpu.fp8Tflops : gpu.fp16Tflops
  const out: Sample[] = []
  const {groups} = byGroup(table.rows, loo.group!)
  if (groups.size < 2) return out
  for (const hidden of groups.values()) {
    const key = groupedGemmKeyOf(hidden[0])
    const d = nearestKeyDistance(table, phase, key)
    for (const r of hidden) {
      const truth = loo.truth(r)
      const borrowed = borrowMoe(tables, table.path, phase, key, num(r, col), env, Infinity)
      if (!(truth > 0) || !borrowed) continue
      const work = groupedGemmWork(key, num(r, col), env)
      out.push({
        d,
        borrowed: err(borrowed.value, truth),
        fallback: err(Math.max(...work.map((w) => rooflineFallback(w, peak, env, gpu.defaultMfu))), truth),
        // The compat lookup filters rows by the exact key: a key not measured falls back to the default MFU.
        nearest: err(gpu.defaultMfu, truth),
      })
    }
  }
  return out
}

function bucket(samples: Sample[]): BorrowBucket[] {
  const out: BorrowBucket[] = []
  let lower = -1
  for (const upTo of DISTANCE_BUCKETS) {
    const inside = samples.filter((s) => s.d > lower && s.d <= upTo)
    lower = upTo
    if (inside.length === 0) continue
    out.push({
      upTo,
      borrowed: errorStats(inside.map((s) => s.borrowed)),
      fallback: errorStats(inside.map((s) => s.fallback)),
      nearest: errorStats(inside.map((s) => s.nearest)),
    })
  }
  return out
}
