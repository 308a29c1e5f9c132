/**
 * GEMM lookups: a (k, n) site's rows blended along log2 m; a (k, n) that
 * was not measured is read off the nearest measured sites (log2 distance in
 * k and n, inverse-square weights): on the line through their times at the
 * same m in k x n (affineInWeights), else their utilisation rescaled by the
 * query's roofline, so a smaller, more memory-bound GEMM gets a lower MFU.
 */
import type {KernelTable, MfuLookup} from '../types.js'
import {blend} from './grid.js'
import {blendedUtilisation, buildKernelGrid, estimate, gridLine, gridPoint, leaveOut, mfuFromUtilisation, type GridRows, type KernelGrid, type KernelModel, type Quantity} from './kernel-grid.js'
import {borrowedLookup, logDistance, lookupOf, rowGroups, gridRowsAt, usableRowChecker, type RowGroups, type RowRanges} from './lookup.js'
import {ColumnarTable, numericColumn} from '../columnar.js'
import {weightBytesOf} from '../resolver.js'
import {fileElementBytes} from '../paths.js'
import {clampMfu, type LookupEnv} from './roofline.js'
import {weightedLine, type LinePoint} from './weighted-line.js'

/**
 * Farthest site (log2 distance in (k, n)) a GEMM may borrow from. In
 * leave-one-site-out (`infersim tables score --borrowing`) borrowing beat
 * the roofline fallback at every distance measured, up to 3: on the
 * InferSim tables 2.4% vs 33.6% median error within 0.5, 22.8% vs 61.7%
 * between 2 and 3; on every bundled table 4.3% vs 48% within 0.5, 7.7% vs
 * 2500% within 1 (with affineInWeights). No site lies farther than 3 from
 * its nearest, so beyond 3 there is no evidence and the lookup falls back.
 */
export const GEMM_BORROW_DISTANCE = 3
/**
 * Farthest nearest site (log2) for the line through the sites (affineInWeights):
 * leaving each site out, it beat their utilisation within it (median error
 * 15.9% -> 7.7% between 0.5 and 1), and lost beyond it, where only the
 * sparse InferSim tables have sites (5.3% -> 7.6% between 1.41 and 2, 22.8%
 * -> 49.5% between 2 and 3).
 */
const GEMM_AFFINE_DISTANCE = Math.SQRT2
/** Sites blended when borrowing. */
const GEMM_BORROW_SITES = 3

/** One measured (k, n) site; its grid is built on first use (a simulation looks up a handful of a table's sites). */
interface GemmSite {
  k: number
  n: number
  /** The site's rows in the table. */
  ranges: RowRanges
  model: KernelModel
  table: KernelTable
  built?: KernelGrid
}

function siteGrid(s: GemmSite): KernelGrid {
  s.built ??= buildKernelGrid(s.table, noSlowerThanMoreTokens(gridRowsAt(s.table, s.ranges)), s.model, {extra: ['k', 'n']})!
  return s.built
}

/**
 * How much slower than a row of more tokens (m) at the same (k, n) a GEMM row
 * may be and still be read as measured; beyond it, noSlowerThanMoreTokens.
 */
export const GEMM_SLOWER_THAN_MORE_TOKENS = 1.3

/**
 * One site's rows, none more than GEMM_SLOWER_THAN_MORE_TOKENS times slower
 * than a row of more tokens (m): such a row takes the fastest larger row's
 * time (a GEMM of fewer rows can run as the larger one does, padded), its MFU
 * scaled with it. The tables hold single rows like that among neighbours that
 * agree, at the batch sizes benchmarks use most: GB200's FP8 4096 x 4096 at
 * m = 8 took 17.88 us between 9.0-9.5 us at m = 1-16; B200's at m = 32, 17.83
 * us between 9.4 and 9.7 us. Smaller differences are the noise of kernels of
 * 10-20 us, kept: taking the fastest of every larger row lowered the flat
 * memory-bound stretch of each site by about 5% and the decode step with it,
 * and with a GPU held out TPOT rose from 14.5% to 15.1% (H100 13.1% -> 14.1%).
 */
function noSlowerThanMoreTokens(rows: GridRows): GridRows {
  const count = rows.length
  const order = Array.from({length: count}, (_, i) => i).sort((a, b) => rows.value(a, 'm') - rows.value(b, 'm'))
  const latency = new Float64Array(count)
  const mfu = new Float64Array(count)
  let fastest = Infinity
  let changed = false
  for (let j = count - 1; j >= 0; j--) {
    const i = order[j]
    const own = rows.value(i, 'latency_us')
    latency[i] = own
    mfu[i] = rows.value(i, 'mfu')
    if (!(own > 0)) continue
    if (own > GEMM_SLOWER_THAN_MORE_TOKENS * fastest) {
      latency[i] = fastest
      mfu[i] *= own / fastest
      changed = true
    } else if (own < fastest) fastest = own
  }
  if (!changed) return rows
  return {length: count, line: (i) => rows.line(i), value: (i, column) => (column === 'latency_us' ? latency[i] : column === 'mfu' ? mfu[i] : rows.value(i, column))}
}

/**
 * A table's (k, n) sites: each one's k, n and rows. Only these are found up
 * front; a site is made (and its rows checked for a usable one) when a
 * lookup asks for it: a run looks up a handful of a table's hundreds.
 */
interface SiteList {
  count: number
  k: ArrayLike<number>
  n: ArrayLike<number>
  ranges(site: number): RowRanges
  /** The site at (k, n); -1 for none. */
  find(k: number, n: number): number
  /**
   * The sites whose k and n each lie within a factor 2^radius of (k, n) (a
   * little more: rounding never leaves one out), in order; absent where the
   * list cannot narrow the search (grouped sites: every site is measured).
   */
  within?(k: number, n: number, radius: number): number[]
}

interface GemmIndex {
  table: KernelTable
  model: KernelModel
  sites: SiteList
  usable: (model: KernelModel, ranges: RowRanges) => boolean
  /** Sites made so far, by their index; null for one with no usable row (no grid: neither looked up nor borrowed from). */
  made: (GemmSite | null | undefined)[]
  /** The nearest other sites (at most GEMM_BORROW_SITES), per queried (k, n): shapes repeat across m. */
  nearby: Map<string, {s: GemmSite; d: number}[]>
}

/**
 * The sites of a table sorted by (k, n), as typed arrays: where its stored
 * runs of k and of n start, merged, each (k, n) in one run. Undefined for a
 * table that stores no runs, or whose (k, n) are not in ascending order
 * (a site in more than one run): rowGroups groups those.
 */
function sortedSites(table: KernelTable): SiteList | undefined {
  if (!(table instanceof ColumnarTable)) return undefined
  const kRuns = table.runStarts('k')
  const nRuns = table.runStarts('n')
  if (!kRuns || !nRuns) return undefined
  const rows = table.length
  const ks = numericColumn(table, 'k')
  const ns = numericColumn(table, 'n')
  // A site's rows are a run of both: where a run of k or of n starts, a site does.
  const starts: number[] = []
  for (let i = 0, j = 0; i < kRuns.length || j < nRuns.length; ) {
    const next = j >= nRuns.length || (i < kRuns.length && kRuns[i] < nRuns[j]) ? kRuns[i++] : nRuns[j++]
    if (starts.length === 0 || next > starts[starts.length - 1]) starts.push(next)
  }
  const count = starts.length
  const k = new Float64Array(count)
  const n = new Float64Array(count)
  for (let s = 0; s < count; s++) {
    k[s] = ks[starts[s]]
    n[s] = ns[starts[s]]
    if (s > 0 && !(k[s] > k[s - 1] || (k[s] === k[s - 1] && n[s] > n[s - 1]))) return undefined
  }
  return {
    count,
    k,
    n,
    ranges: (s) => [starts[s], s + 1 < count ? starts[s + 1] : rows],
    find: (qk, qn) => {
      let lo = 0
      let hi = count
      while (lo < hi) {
        const mid = (lo + hi) >> 1
        if (k[mid] < qk || (k[mid] === qk && n[mid] < qn)) lo = mid + 1
        else hi = mid
      }
      return lo < count && k[lo] === qk && n[lo] === qn ? lo : -1
    },
    within: (qk, qn, radius) => {
      const f = 2 ** radius * (1 + 1e-9)
      const kLo = qk / f
      const kHi = qk * f
      const nLo = qn / f
      const nHi = qn * f
      let lo = 0
      let hi = count
      while (lo < hi) {
        const mid = (lo + hi) >> 1
        if (k[mid] < kLo) lo = mid + 1
        else hi = mid
      }
      const out: number[] = []
      for (let s = lo; s < count && k[s] <= kHi; s++) if (n[s] >= nLo && n[s] <= nHi) out.push(s)
      return out
    },
  }
}

/** The sites of any table, from its (k, n) row groups. */
function groupedSites(table: KernelTable): SiteList {
  const groups: RowGroups = rowGroups(table, ['k', 'n'])
  const ks = numericColumn(table, 'k')
  const ns = numericColumn(table, 'n')
  const index = new Map<RowRanges, number>(groups.groups.map((g, i) => [g.ranges, i]))
  return {
    count: groups.groups.length,
    k: groups.groups.map((g) => ks[g.first]),
    n: groups.groups.map((g) => ns[g.first]),
    ranges: (s) => groups.groups[s].ranges,
    find: (k, n) => {
      const ranges = (groups.byValue.get(k) as Map<number, RowRanges> | undefined)?.get(n)
      return ranges ? index.get(ranges)! : -1
    },
  }
}

export function gemmModel(path: string): KernelModel {
  // Read off the name once, not per row: a grid computes the work of every row of a site.
  const fileBytes = fileElementBytes(path)
  return {
    axes: ['m'],
    channels: [{mfu: 'mfu', latency: 'latency_us'}],
    work: (s, env) => [{flops: 2 * s.m * s.k * s.n, bytes: (s.m * s.k + s.k * s.n) * (fileBytes ?? weightBytesOf(env)) + s.m * s.n * 2}],
  }
}

const indexes = new WeakMap<KernelTable, GemmIndex>()

function gemmIndex(table: KernelTable): GemmIndex {
  let idx = indexes.get(table)
  if (!idx) {
    const sites = sortedSites(table) ?? groupedSites(table)
    idx = {table, model: gemmModel(table.path), sites, usable: usableRowChecker(table), made: new Array(sites.count), nearby: new Map()}
    indexes.set(table, idx)
  }
  return idx
}

/** Site `s` of the index; undefined when none of its rows is usable. */
function siteOf(idx: GemmIndex, s: number): GemmSite | undefined {
  let site = idx.made[s]
  if (site === undefined) {
    const ranges = idx.sites.ranges(s)
    site = idx.usable(idx.model, ranges) ? {k: idx.sites.k[s], n: idx.sites.n[s], ranges, model: idx.model, table: idx.table} : null
    idx.made[s] = site
  }
  return site ?? undefined
}

/** The measured site at (k, n), if any. */
function siteAt(idx: GemmIndex, k: number, n: number): GemmSite | undefined {
  const s = idx.sites.find(k, n)
  return s < 0 ? undefined : siteOf(idx, s)
}

/**
 * One GEMM lookup in one table; `borrowDistance` is the farthest (k, n) site
 * it may borrow from. `leftOut`: lines of the (k, n) site to answer without
 * (leave-one-out scoring), as if the table did not have them.
 */
export function lookupGemmIn(
  table: KernelTable,
  m: number,
  k: number,
  n: number,
  env: LookupEnv,
  quantity: Quantity,
  borrowDistance = GEMM_BORROW_DISTANCE,
  leftOut?: ReadonlySet<number>,
): MfuLookup | undefined {
  if (!(m > 0 && k > 0 && n > 0)) return undefined
  const site = siteAt(gemmIndex(table), k, n)
  const grid = site && (leftOut ? leaveOut(siteGrid(site), leftOut) : siteGrid(site))
  if (grid) {
    const e = estimate(grid, {m, k, n}, env, quantity)
    return e && lookupOf(e, table.path, quantity)
  }
  return borrowGemm(table, m, k, n, env, borrowDistance)
}

/**
 * The GEMM_BORROW_SITES measured sites nearest to (k, n) other than itself,
 * with their log2 distance, nearest first (the first in file order on ties).
 * Only these are kept: every site's full list would grow with the square of
 * the sites. A site's rows are checked (and, in a table read as used, read)
 * only when it is among the nearest: the distances come from (k, n) alone.
 */
function otherSites(table: KernelTable, k: number, n: number): {s: GemmSite; d: number}[] {
  const idx = gemmIndex(table)
  const key = `${k},${n}`
  let near = idx.nearby.get(key)
  if (!near) {
    // Sites within a small radius first: a site outside it is farther than any inside, so the nearest usable
    // ones found there are the nearest of all. A start-up's cold code measured every site of a table (hundreds)
    // for each borrowed shape; the whole table is measured only when too few usable sites lie within 4.
    for (const radius of idx.sites.within ? NEAR_RADII : []) {
      near = nearestUsable(idx, k, n, idx.sites.within!(k, n, radius), radius)
      if (near.length === GEMM_BORROW_SITES) break
    }
    if (!near || near.length < GEMM_BORROW_SITES) near = nearestUsable(idx, k, n, undefined, Infinity)
    idx.nearby.set(key, near)
  }
  return near
}

/** Radii (log2) searched in turn for a shape's nearest sites, before the whole table. */
const NEAR_RADII = [1, 2, 4]

/**
 * The nearest (at most GEMM_BORROW_SITES) sites with a usable row among
 * `candidates` (every site when undefined) no farther than `radius`, other
 * than (k, n) itself; nearest first, the first in file order on ties. A site's
 * rows are checked (and, in a table read as used, read) only in that order.
 */
function nearestUsable(idx: GemmIndex, k: number, n: number, candidates: number[] | undefined, radius: number): {s: GemmSite; d: number}[] {
  const {k: ks, n: ns} = idx.sites
  const count = candidates ? candidates.length : idx.sites.count
  const distance = new Float64Array(count)
  for (let c = 0; c < count; c++) {
    const g = candidates ? candidates[c] : c
    const d = ks[g] === k && ns[g] === n ? Infinity : Math.hypot(logDistance(ks[g], k), logDistance(ns[g], n))
    distance[c] = d <= radius ? d : Infinity
  }
  const near: {s: GemmSite; d: number}[] = []
  while (near.length < GEMM_BORROW_SITES) {
    // Candidates are in file order: the first of equal distances is the first in the file.
    let best = -1
    for (let c = 0; c < count; c++) if (distance[c] < Infinity && (best < 0 || distance[c] < distance[best])) best = c
    if (best < 0) break
    const s = siteOf(idx, candidates ? candidates[best] : best)
    if (s) near.push({s, d: distance[best]})
    distance[best] = Infinity
  }
  return near
}

/** Distance in log2 (k, n) from a shape to the nearest other measured site of the table. */
export const nearestSiteDistance = (table: KernelTable, k: number, n: number) => otherSites(table, k, n)[0]?.d ?? Infinity

/** A GEMM borrowed from the nearest sites other than its own (k, n). */
export function borrowGemm(table: KernelTable, m: number, k: number, n: number, env: LookupEnv, borrowDistance = GEMM_BORROW_DISTANCE): MfuLookup | undefined {
  const path = table.path
  const near = otherSites(table, k, n)
    .filter((c) => c.d <= borrowDistance)
    .slice(0, GEMM_BORROW_SITES)
  if (near.length === 0) return undefined
  const wsum = near.reduce((a, c) => a + 1 / c.d ** 2, 0)
  let ulog = 0
  const lines: number[] = []
  for (const c of near) {
    const grid = siteGrid(c.s)
    const b = blend(grid.index, gridPoint(grid, {m})!)!
    ulog += (blendedUtilisation(grid, b, env).ulog / c.d ** 2) / wsum
    for (const id of b.weights.keys()) lines.push(gridLine(grid, id))
  }
  const nearest = siteGrid(near[0].s)
  const work = nearest.model.work({m, k, n}, env)
  const from = near.map((c) => `k=${c.s.k} n=${c.s.n} (log2 distance ${c.d.toFixed(2)})`).join(', ')
  const affine = near[0].d <= GEMM_AFFINE_DISTANCE ? affineInWeights(near, m, k, n, env) : undefined
  const best = bestMfu(table)
  if (affine !== undefined) {
    return atMostBest({...borrowedLookup(clampMfu(work[0].flops / affine), path, lines.sort((a, b) => a - b), from), note: `borrowed from ${from}, time affine in k x n through them`}, best)
  }
  const value = mfuFromUtilisation({ulog, channelWeights: [1]}, work, nearest.peak, env)
  return atMostBest(borrowedLookup(value, path, lines.sort((a, b) => a - b), from), best)
}

const bestOf = new WeakMap<KernelTable, number>()

/** The highest MFU any row of a GEMM table measured: the kernel's best on that GPU and dtype. */
function bestMfu(table: KernelTable): number {
  let best = bestOf.get(table)
  if (best === undefined) {
    const mfu = numericColumn(table, 'mfu')
    best = 0
    for (let i = 0; i < mfu.length; i++) if (mfu[i] > best) best = mfu[i]
    bestOf.set(table, best)
  }
  return best
}

/**
 * A borrowed MFU no higher than the best the table measured: borrowing rescales a neighbour's
 * utilisation by the query's roofline, which can carry it past anything the kernel reached (the
 * LM head of Qwen3-30B-A3B at 512 requests read 0.95 on H100, whose BF16 rows reach 0.845).
 */
function atMostBest(lookup: MfuLookup, best: number): MfuLookup {
  return best > 0 && lookup.value > best ? {...lookup, value: best, note: `${lookup.note}; at most the table's best measured MFU, ${best}`} : lookup
}

/**
 * The time (in FLOPs over MFU: the peak is the table's) of an m x k x n GEMM
 * from its nearest sites at the same m, on the line `a + b k n` fitted to them
 * by least squares (inverse-square distance weights): a fixed part (launch,
 * tile set-up, the activations) plus what grows with the weight matrix, its
 * bytes at small m and its FLOPs at large m. Undefined where the sites do not
 * give such a line (fewer than two sizes k x n, a negative fixed part or
 * slope): the caller then keeps their utilisation. Scaling the sites'
 * utilisation by the query's roofline, as it otherwise does, takes the fixed
 * part for zero. `infersim tables score --borrowing`, every site of every
 * bundled GEMM table left out: median MFU error 4.8% -> 4.3% where the
 * nearest site lies within log2 0.5, 15.9% -> 7.7% within 1 (90th
 * percentile 18.3% -> 18.0%, 58.4% -> 32.2%).
 */
function affineInWeights(near: readonly {s: GemmSite; d: number}[], m: number, k: number, n: number, env: LookupEnv): number | undefined {
  const points: LinePoint[] = []
  for (const c of near) {
    const grid = siteGrid(c.s)
    const at = {m, k: c.s.k, n: c.s.n}
    const e = estimate(grid, at, env, 'mfu')
    if (!e || !(e.value > 0)) return undefined
    points.push({x: c.s.k * c.s.n, y: grid.model.work(at, env)[0].flops / e.value, w: 1 / c.d ** 2})
  }
  const line = weightedLine(points)
  return line && line.fixed + line.slope * k * n
}
