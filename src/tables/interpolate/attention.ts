/**
 * Attention lookups. Decode: rows of the KV dtype blended in log2 batch
 * (outer) then log2 KV length. Prefill: log2 sequence length. A head
 * configuration without a table borrows the utilisation of the nearest
 * measured configuration (log2 distance in heads and KV heads) with the same
 * head_dim (MLA: same rank and rope) and KV dtype, and rescales it by the
 * query's own FLOPs and bytes; a grouped-query decode configuration is read
 * off the line through its nearest configurations' times in the KV heads
 * first (alongKvHeads). Leave-one-configuration-out (`infersim tables score
 * --borrowing`): on the InferSim tables 4.0% median error borrowed vs 37.6%
 * for the roofline fallback (neighbours one doubling away); on every bundled
 * table 3.6% / 4.1% / 4.7% within log2 distance 0.5 / 1 / 1.41 vs 337% /
 * 555% / 756% (6.0% / 9.7% / 45.5% from the nearest configuration's
 * utilisation alone). No limit on the distance: nothing farther was tested,
 * and borrowing led the fallback by a wide margin wherever it was.
 *
 * A GPU without any table of the query's head_dim borrows, last, from its
 * tables of another head_dim (same window), nearest in heads, KV heads and
 * head_dim, noted as such: predicting every head_dim 64 and 256 table of H100,
 * H200, B200, GB200 and L40S from their other head dims this way misses the
 * prefill MFU by 12-40% (median) where the default MFU misses by 71-147%, and
 * the decode MFU by 50-70%.
 *
 * Rows of the other KV dtype are not borrowed: predicting the FP8-KV rows of
 * mha/decode/h20/32-8-128.csv from its BF16 rows, rescaled by bytes, missed
 * by 47.5% (median) where the roofline fallback missed by 14.1%: an FP8-KV
 * kernel does not reach the bandwidth utilisation of a BF16 one.
 */
import {type KernelTable, type MfuLookup, type TableSet} from '../types.js'
import {blend} from './grid.js'
import {attentionConfig, decodeModel, prefillModel, sameFamily, type AttentionConfig} from './attention-model.js'
import {blendedUtilisation, buildKernelGrid, estimate, gridLine, gridPoint, leaveOut, mfuFromUtilisation, type KernelGrid, type Quantity, type Shape} from './kernel-grid.js'
import {borrowedLookup, logDistance, lookupOf} from './lookup.js'
import {clampMfu, type LookupEnv} from './roofline.js'
import {weightedLine, type LinePoint} from './weighted-line.js'

const grids = new WeakMap<KernelTable, Map<string, KernelGrid | undefined>>()

/** The grid of one table for one KV dtype ('' for prefill, which keeps every row). */
function gridOf(table: KernelTable, cfg: AttentionConfig, kvDtype: string): KernelGrid | undefined {
  let byDtype = grids.get(table)
  if (!byDtype) grids.set(table, (byDtype = new Map()))
  if (byDtype.has(kvDtype)) return byDtype.get(kvDtype)
  const grid =
    cfg.phase === 'decode'
      ? buildKernelGrid(table, table.rows.filter((r) => r.values.kv_dtype === kvDtype), decodeModel(cfg, kvDtype))
      : buildKernelGrid(table, table.rows, prefillModel(cfg))
  byDtype.set(kvDtype, grid)
  return grid
}

export interface AttentionQuery {
  cfg: AttentionConfig
  kvDtype: string
  shape: Shape
}

/** `leftOut` (both lookups): lines of the table at `path` to answer without (leave-one-out scoring). */
export function lookupDecodeAttention(
  tables: TableSet,
  path: string,
  batch: number,
  kvLen: number,
  fp8Kv: boolean,
  env: LookupEnv,
  quantity: Quantity,
  leftOut?: ReadonlySet<number>,
): MfuLookup | undefined {
  const cfg = attentionConfig(path)
  if (!cfg) return undefined
  return lookupAttention(tables, path, {cfg, kvDtype: fp8Kv ? 'fp8' : 'bf16', shape: {batch_size: batch, kv_len: kvLen}}, env, quantity, leftOut)
}

export function lookupPrefillAttention(tables: TableSet, path: string, seqLen: number, env: LookupEnv, quantity: Quantity, leftOut?: ReadonlySet<number>): MfuLookup | undefined {
  const cfg = attentionConfig(path)
  if (!cfg) return undefined
  return lookupAttention(tables, path, {cfg, kvDtype: '', shape: {seq_len: seqLen}}, env, quantity, leftOut)
}

function lookupAttention(tables: TableSet, path: string, q: AttentionQuery, env: LookupEnv, quantity: Quantity, leftOut?: ReadonlySet<number>): MfuLookup | undefined {
  const table = tables.get(path)
  const full = table && gridOf(table, q.cfg, q.kvDtype)
  const grid = full && leftOut ? leaveOut(full, leftOut) : full
  if (grid) {
    const e = estimate(grid, q.shape, env, quantity)
    return e && lookupOf(e, path, quantity)
  }
  return borrowAttention(tables, path, q, env)
}

interface Candidate {
  table: KernelTable
  cfg: AttentionConfig
  d: number
}

/** A measured configuration of the query's family, by path: its table is read only when it is tried. */
interface FamilyMember {
  path: string
  cfg: AttentionConfig
  d: number
}

/**
 * The tables under the query's folder whose configuration `distance` accepts
 * (a number; undefined: not a member), nearest first, read off their paths
 * and kept per table set and query path in `cache`.
 */
function membersBy(
  cache: WeakMap<TableSet, Map<string, FamilyMember[]>>,
  tables: TableSet,
  path: string,
  q: AttentionQuery,
  distance: (cfg: AttentionConfig) => number | undefined,
): FamilyMember[] {
  let byPath = cache.get(tables)
  if (!byPath) cache.set(tables, (byPath = new Map()))
  let found = byPath.get(path)
  if (!found) {
    found = []
    for (const p of tables.paths()) {
      if (p === path || !p.startsWith(`${q.cfg.dir}/`)) continue
      const cfg = attentionConfig(p)
      const d = cfg && distance(cfg)
      if (cfg && d !== undefined) found.push({path: p, cfg, d})
    }
    found.sort((a, b) => a.d - b.d)
    byPath.set(path, found)
  }
  return found
}

const familyCache = new WeakMap<TableSet, Map<string, FamilyMember[]>>()

/** The other tables of the query's family (same head_dim, or MLA rank and rope), nearest first, read off their paths. */
const familyMembers = (tables: TableSet, path: string, q: AttentionQuery): FamilyMember[] =>
  membersBy(familyCache, tables, path, q, (cfg) =>
    sameFamily(cfg, q.cfg) ? Math.hypot(logDistance(cfg.heads, q.cfg.heads), logDistance(cfg.kvHeads, q.cfg.kvHeads)) : undefined,
  )

/** The member's table when it can stand in for the query: decode tables must have rows of the query's KV dtype. */
function memberTable(tables: TableSet, m: FamilyMember, q: AttentionQuery): KernelTable | undefined {
  const table = tables.get(m.path)
  return table && (q.cfg.phase !== 'decode' || table.rows.some((r) => r.values.kv_dtype === q.kvDtype)) ? table : undefined
}

/** Measured configurations that may stand in for the query's, nearest first. */
export function attentionCandidates(tables: TableSet, path: string, q: AttentionQuery): Candidate[] {
  return familyMembers(tables, path, q).flatMap((m) => {
    const table = memberTable(tables, m, q)
    return table ? [{table, cfg: m.cfg, d: m.d}] : []
  })
}

const otherCache = new WeakMap<TableSet, Map<string, FamilyMember[]>>()

/**
 * MHA tables of the same GPU, phase and window with another head_dim, nearest
 * first (log2 distance in heads, KV heads and head_dim): the last resort of a
 * head configuration whose head_dim the GPU has no table of (A100 measured
 * only head_dim 128: gpt-oss's 64 and Qwen3.5's 256 borrow from it; the
 * evidence is in this file's header).
 */
const otherHeadDims = (tables: TableSet, path: string, q: AttentionQuery): FamilyMember[] =>
  membersBy(otherCache, tables, path, q, (cfg) =>
    q.cfg.kind === 'mha' && cfg.kind === 'mha' && !sameFamily(cfg, q.cfg) && cfg.family[1] === q.cfg.family[1]
      ? Math.hypot(logDistance(cfg.heads, q.cfg.heads), logDistance(cfg.kvHeads, q.cfg.kvHeads), logDistance(cfg.family[0], q.cfg.family[0]))
      : undefined,
  )

/** Borrows from the nearest configuration that has a usable grid (the same head_dim first); tables farther than it are never read. */
function borrowAttention(tables: TableSet, path: string, q: AttentionQuery, env: LookupEnv): MfuLookup | undefined {
  const line = q.cfg.kind === 'mha' && q.cfg.phase === 'decode' ? alongKvHeads(tables, path, q, env) : undefined
  if (line) return line
  for (const m of [...familyMembers(tables, path, q), ...otherHeadDims(tables, path, q)]) {
    const table = memberTable(tables, m, q)
    if (!table) continue
    const c: Candidate = {table, cfg: m.cfg, d: m.d}
    const grid = gridOf(c.table, c.cfg, q.kvDtype)
    const x = grid && gridPoint(grid, q.shape)
    const b = x && blend(grid.index, x)
    if (!grid || !b) continue
    const queryModel = q.cfg.phase === 'decode' ? decodeModel(q.cfg, q.kvDtype) : prefillModel(q.cfg)
    const value = mfuFromUtilisation(blendedUtilisation(grid, b, env), queryModel.work(q.shape, env), grid.peak, env)
    const lines = [...b.weights.keys()].map((id) => gridLine(grid, id)).sort((a, z) => a - z)
    const other = c.cfg.family[0] !== q.cfg.family[0] ? `, head_dim ${c.cfg.family[0]} for ${q.cfg.family[0]}` : ''
    return borrowedLookup(value, c.table.path, lines, `${c.table.path} (log2 distance ${c.d.toFixed(2)}${other}) for ${path}`)
  }
  return undefined
}

/** Members a grouped-query decode configuration is read off when they give a line (alongKvHeads). */
const KV_LINE_MEMBERS = 3

/**
 * A grouped-query decode configuration that was not measured, from the
 * KV_LINE_MEMBERS nearest measured ones of its head_dim and window: at the
 * query's batch and KV length, the least-squares line `a + b Hkv` through
 * their times (inverse-square distance weights). Decode attention streams the
 * KV cache, whose bytes grow with the KV heads, over a fixed part (launch,
 * the reduction across splits). Undefined where they give no such line (fewer
 * than two KV-head counts, a negative fixed part or slope): the nearest
 * configuration's utilisation is used instead, which scales the time with the
 * query's roofline and so takes the fixed part for zero. `infersim tables
 * score --borrowing`, each attention configuration of every bundled table
 * left out: median error 6.0% -> 3.6%, 9.7% -> 4.1%, 45.5% -> 4.7% where
 * the nearest configuration lies within log2 0.5 / 1 / 1.41 (prefill and
 * MLA configurations, read as before, included).
 */
function alongKvHeads(tables: TableSet, path: string, q: AttentionQuery, env: LookupEnv): MfuLookup | undefined {
  const members: {m: FamilyMember; lines: number[]}[] = []
  const points: LinePoint[] = []
  for (const m of familyMembers(tables, path, q)) {
    if (points.length === KV_LINE_MEMBERS) break
    const table = memberTable(tables, m, q)
    const grid = table && gridOf(table, m.cfg, q.kvDtype)
    const e = grid && estimate(grid, q.shape, env, 'mfu')
    if (!grid || !e || !(e.value > 0) || !(m.d > 0)) continue
    members.push({m, lines: e.lines})
    points.push({x: m.cfg.kvHeads, y: decodeModel(m.cfg, q.kvDtype).work(q.shape, env)[0].flops / e.value, w: 1 / m.d ** 2})
  }
  const line = weightedLine(points)
  if (!line) return undefined
  const value = clampMfu(decodeModel(q.cfg, q.kvDtype).work(q.shape, env)[0].flops / (line.fixed + line.slope * q.cfg.kvHeads))
  const from = members.map(({m}) => `${m.path} (log2 distance ${m.d.toFixed(2)})`).join(', ')
  return {value, kind: 'borrowed', table: members[0].m.path, lines: members[0].lines, note: `time affine in the KV heads through ${from} for ${path}`}
}
