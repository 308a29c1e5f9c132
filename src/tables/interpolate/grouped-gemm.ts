/**
 * MoE grouped GEMM lookups. Rows of the same key (experts, GPUs, local
 * experts, topk, hidden, intermediate) are blended along log2 tokens per
 * GPU; the value is max(up MFU, down MFU) as the reference reads it. A key
 * that was not measured borrows from the nearest measured key in log2
 * (hidden, intermediate, topk, local experts), read at the same tokens per
 * expert and rescaled by the query's roofline.
 */
import type {Phase} from '../paths.js'
import {weightBytesOf} from '../resolver.js'
import type {GroupedGemmKey} from '../nearest.js'
import {num, type KernelTable, type MfuLookup, type TableRow, type TableSet} from '../types.js'
import {blend} from './grid.js'
import {blendedUtilisation, buildKernelGrid, estimate, gridLine, gridPoint, leaveOut, mfuFromUtilisation, type KernelGrid, type KernelModel, type Quantity} from './kernel-grid.js'
import {borrowedLookup, firstRow, groupRows, logDistance, lookupOf, gridRowsAt, usableRowChecker, type RowRanges} from './lookup.js'
import {rowAt} from '../columnar.js'
import {clampMfu, type LookupEnv, type Work} from './roofline.js'

export const tokensColumn = (phase: Phase) => (phase === 'decode' ? 'batch_size_per_gpu' : 'seq_len_per_gpu')

const KEY_COLUMNS = ['num_experts', 'num_gpus', 'num_local_experts', 'topk', 'hidden_size', 'intermediate_size'] as const

/** One measured key; its grid is built on first use (a simulation looks up a handful of a table's keys). */
interface KeyGrid {
  key: GroupedGemmKey
  /** keyString(key) */
  id: string
  /** The key's rows in the table. */
  ranges: RowRanges
  model: KernelModel
  table: KernelTable
  built?: KernelGrid
}

function gridOf(kg: KeyGrid): KernelGrid {
  kg.built ??= buildKernelGrid(kg.table, gridRowsAt(kg.table, kg.ranges), kg.model)!
  return kg.built
}

interface KeyIndex {
  keys: Map<string, KeyGrid>
  /** The nearest other key and its distance, per queried key: every token count of a key borrows from the same one. */
  nearest: Map<string, {kg: KeyGrid | undefined; d: number}>
}

const keyString = (k: GroupedGemmKey) => `${k.experts},${k.gpus},${k.localExperts},${k.topk},${k.hidden},${k.intermediate}`

function keyOf(row: TableRow): GroupedGemmKey {
  const [experts, gpus, localExperts, topk, hidden, intermediate] = KEY_COLUMNS.map((c) => num(row, c))
  return {experts, gpus, localExperts, topk, hidden, intermediate}
}

/**
 * Token-expert pairs one GPU's experts process for a key's `tokens` (balanced
 * routing): tokens x topk, whatever the layout. A key's tokens are what each
 * GPU of its group sees entering the layer: with experts split over GPUs
 * (InferSim's keys, gpus x local = E) the group's gpus x tokens pick topk each
 * and 1 / gpus of the pairs land on one GPU; with each expert split over the
 * GPUs (AIConfigurator's moe_tp keys, local = E, the intermediate already a
 * shard) every GPU sees all of them. Counting gpus x tokens there made the
 * work moe_tp times what the table's MFU column (2 D I m topk 3 / latency)
 * counts.
 *
 * @example
 * routedTokens({experts: 128, gpus: 8, localExperts: 128, topk: 8, hidden: 4096, intermediate: 192}, 1) // 8
 */
export const routedTokens = (k: GroupedGemmKey, tokens: number) => tokens * k.topk

/** The tokens at which key `k` routes `perExpert` pairs to each of its local experts: routedTokens' inverse. */
const tokensForPerExpert = (k: GroupedGemmKey, perExpert: number) => (perExpert * k.localExperts) / k.topk

/** FLOPs and bytes of the up (gate+up) and down projections: expert weights touched plus activations. */
export function groupedGemmWork(k: GroupedGemmKey, tokens: number, env: LookupEnv): Work[] {
  const routed = routedTokens(k, tokens)
  const touched = k.localExperts * (1 - (1 - 1 / k.localExperts) ** routed)
  const e = weightBytesOf(env)
  const {hidden: D, intermediate: I} = k
  return [
    {flops: 2 * routed * D * 2 * I, bytes: touched * D * 2 * I * e + routed * (D + 2 * I) * 2},
    {flops: 2 * routed * I * D, bytes: touched * I * D * e + routed * (I + D) * 2},
  ]
}

function groupedModel(key: GroupedGemmKey, phase: Phase): KernelModel {
  const col = tokensColumn(phase)
  return {
    axes: [col],
    channels: [
      {mfu: 'up_mfu', latency: 'up_proj_us'},
      {mfu: 'down_mfu', latency: 'down_proj_us'},
    ],
    work: (s, env) => groupedGemmWork(key, s[col], env),
  }
}

const indexes = new WeakMap<KernelTable, KeyIndex>()

function keyIndex(table: KernelTable, phase: Phase): KeyIndex {
  let idx = indexes.get(table)
  if (idx) return idx
  const keys = new Map<string, KeyGrid>()
  const usable = usableRowChecker(table)
  // A key with no usable row has no grid: it is neither looked up nor borrowed from.
  for (const [s, ranges] of groupRows(table, KEY_COLUMNS)) {
    const key = keyOf(rowAt(table, firstRow(ranges)))
    const model = groupedModel(key, phase)
    if (usable(model, ranges)) keys.set(s, {key, id: s, ranges, model, table})
  }
  idx = {keys, nearest: new Map()}
  indexes.set(table, idx)
  return idx
}

/** The nearest key other than `key` itself (first of equals in table order), and its distance. */
function nearestOtherKey(table: KernelTable, phase: Phase, key: GroupedGemmKey): {kg: KeyGrid | undefined; d: number} {
  const idx = keyIndex(table, phase)
  const own = keyString(key)
  let found = idx.nearest.get(own)
  if (!found) {
    found = {kg: undefined, d: Infinity}
    for (const kg of idx.keys.values()) {
      if (kg.id === own) continue
      const d = keyDistance(kg.key, key)
      if (d < found.d) found = {kg, d}
    }
    idx.nearest.set(own, found)
  }
  return found
}

export function lookupGroupedGemm(
  tables: TableSet,
  path: string,
  phase: Phase,
  key: GroupedGemmKey,
  tokens: number,
  env: LookupEnv,
  quantity: Quantity,
  borrowDistance = MOE_BORROW_DISTANCE,
  leftOut?: ReadonlySet<number>,
): MfuLookup | undefined {
  const table = tables.get(path)
  if (!table || !(tokens > 0)) return undefined
  const own = keyIndex(table, phase).keys.get(keyString(key))
  // leftOut: lines of this key's rows to answer without (leave-one-out scoring).
  const grid = own && (leftOut ? leaveOut(gridOf(own), leftOut) : gridOf(own))
  if (grid) {
    const e = estimate(grid, {[tokensColumn(phase)]: tokens}, env, quantity)
    return e && lookupOf(e, path, quantity)
  }
  return expertParallelShare(tables, path, phase, key, tokens, env, quantity) ?? borrowMoe(tables, path, phase, key, tokens, env, borrowDistance)
}

/** A key that was not measured: along its intermediate size where the table has two of that shape's sizes, else from the nearest key. */
export const borrowMoe = (tables: TableSet, path: string, phase: Phase, key: GroupedGemmKey, tokens: number, env: LookupEnv, borrowDistance = MOE_BORROW_DISTANCE) =>
  alongIntermediate(tables, path, phase, key, tokens, env, borrowDistance) ?? borrowGroupedGemm(tables, path, phase, key, tokens, env, borrowDistance)

/** Total FLOPs of a key's up and down projections at `tokens`. */
const keyFlops = (k: GroupedGemmKey, tokens: number, env: LookupEnv) => groupedGemmWork(k, tokens, env).reduce((a, w) => a + w.flops, 0)

/**
 * A key that was not measured, from two measured keys of the same experts,
 * local experts, topk and hidden size that differ only in the intermediate
 * size (MoE TP shards of one model, or models of one shape family): the two
 * that bracket it, else the two nearest on one side. At the query's tokens
 * (the same tokens per expert on all of them) a kernel's time is affine in
 * the intermediate size, a fixed part (launches, routing, the activations)
 * plus the weights it streams, so the time is read off the line through the
 * two, between the nearest key's time and that time scaled by the work.
 * Scaling by the work alone, as borrowing from one key does, takes the fixed
 * part for zero. `infersim tables score --borrowing` (each MoE key of every
 * bundled table left out): median MFU error 7.4% -> 2.1% within log2
 * distance 0.5 of the nearest key, 9.4% -> 2.7% within 1 (90th percentile
 * 47% -> 19%, 56% -> 17%).
 *
 * @example
 * // H100, Qwen3-235B's experts at MoE TP 8 (I = 192), one token: the TP 2 and TP 4 keys (I = 768, 384) take 51.15 and 32.76 us;
 * // the line through them gives 23.6 us, where scaling the TP 4 key by the work gives 16.4.
 */
function alongIntermediate(tables: TableSet, path: string, phase: Phase, key: GroupedGemmKey, tokens: number, env: LookupEnv, borrowDistance: number): MfuLookup | undefined {
  const table = tables.get(path)
  if (!table) return undefined
  const col = tokensColumn(phase)
  const family = [...keyIndex(table, phase).keys.values()].filter(
    (kg) => kg.key.experts === key.experts && kg.key.localExperts === key.localExperts && kg.key.topk === key.topk && kg.key.hidden === key.hidden && kg.key.intermediate !== key.intermediate,
  )
  const I = key.intermediate
  const below = family.filter((kg) => kg.key.intermediate < I).sort((a, b) => b.key.intermediate - a.key.intermediate)
  const above = family.filter((kg) => kg.key.intermediate > I).sort((a, b) => a.key.intermediate - b.key.intermediate)
  const pair = below.length > 0 && above.length > 0 ? [below[0], above[0]] : above.length > 1 ? [above[0], above[1]] : below.length > 1 ? [below[0], below[1]] : undefined
  // Two keys of one width (other GPU counts) give no line.
  if (!pair || pair[0].key.intermediate === pair[1].key.intermediate) return undefined
  const near = logDistance(pair[0].key.intermediate, I) <= logDistance(pair[1].key.intermediate, I) ? pair[0] : pair[1]
  if (logDistance(near.key.intermediate, I) > borrowDistance) return undefined
  // Each key's time at the query's tokens, in FLOPs over MFU (the peak is the same on every key).
  const at = pair.map((kg) => {
    const e = estimate(gridOf(kg), {[col]: tokens}, env, 'mfu')
    return e && {I: kg.key.intermediate, time: keyFlops(kg.key, tokens, env) / e.value, e}
  })
  if (!at[0] || !at[1]) return undefined
  const [p, q] = at as NonNullable<(typeof at)[number]>[]
  const slope = (q.time - p.time) / (q.I - p.I)
  const nearTime = (near === pair[0] ? p : q).time
  const scaled = (nearTime * I) / near.key.intermediate
  const line = p.time + slope * (I - p.I)
  const time = Math.min(Math.max(line, Math.min(nearTime, scaled)), Math.max(nearTime, scaled))
  const value = clampMfu(keyFlops(key, tokens, env) / time)
  const lines = [...p.e.lines, ...q.e.lines].sort((a, z) => a - z)
  const how = below.length > 0 && above.length > 0 ? 'between' : 'beyond'
  return {
    value,
    kind: 'borrowed',
    table: path,
    lines,
    note: `time affine in the intermediate size, ${how} the keys of I=${p.I} and I=${q.I} (E=${key.experts} local=${key.localExperts} topk=${key.topk} D=${key.hidden}) at the same tokens`,
  }
}

/** The other phase's table of the same GPU and dtype (decode tables hold small token counts, prefill tables large ones). */
const otherPhasePath = (path: string, phase: Phase) => path.replace(`/${phase}/`, phase === 'decode' ? '/prefill/' : '/decode/')

/**
 * One GPU of an expert-parallel group of ep GPUs, under balanced routing,
 * does 1/ep of what one GPU holding all E experts does for the whole
 * group's tokens: its MFU is the ep = 1 curve's at N = tokens x ep (the
 * FLOPs and the time both divide by ep). Read from whichever phase's table
 * has N inside its grid (the phase's own first).
 */
function expertParallelShare(tables: TableSet, path: string, phase: Phase, key: GroupedGemmKey, tokens: number, env: LookupEnv, quantity: Quantity): MfuLookup | undefined {
  const ep = key.experts / key.localExperts
  const moeTp = Math.round(key.gpus / ep)
  if (!(ep > 1) || Math.abs(moeTp - key.gpus / ep) > 1e-9 || moeTp < 1) return undefined
  const whole: GroupedGemmKey = {experts: key.experts, gpus: moeTp, localExperts: key.experts, topk: key.topk, hidden: key.hidden, intermediate: key.intermediate}
  const global = tokens * ep
  // Beyond both phases' grids, the one whose edge is nearer in log2 tokens: a decode grid that ends
  // memory-bound at 1,024 tokens says nothing of the compute-bound kernel at 60,000.
  let fallback: {share: MfuLookup; beyond: number} | undefined
  for (const [p, ph] of [
    [path, phase],
    [otherPhasePath(path, phase), phase === 'decode' ? 'prefill' : 'decode'],
  ] as const) {
    const table = tables.get(p)
    const kg = table && keyIndex(table, ph).keys.get(keyString(whole))
    const e = kg && estimate(gridOf(kg), {[tokensColumn(ph)]: global}, env, quantity)
    if (!e) continue
    const found = lookupOf(e, p, quantity)
    const note = `expert-parallel share (ep ${ep}) of the ep = 1 curve at the group's ${global} tokens${found.note ? `; ${found.note}` : ''}`
    const share: MfuLookup = {...found, kind: found.kind === 'exact' ? 'interpolated' : found.kind, note}
    if (!e.extrapolated) return share
    const beyond = log2Beyond(kg, tokensColumn(ph), global)
    if (!fallback || beyond < fallback.beyond) fallback = {share, beyond}
  }
  if (fallback) return fallback.share
  // The ep = 1 key itself not measured: along its intermediate size, where the table has that shape's other MoE TP sizes.
  const along = alongIntermediate(tables, path, phase, whole, global, env, MOE_BORROW_DISTANCE)
  return along && {...along, note: `expert-parallel share (ep ${ep}) of the ep = 1 curve at the group's ${global} tokens; ${along.note}`}
}

/** How far `tokens` lies outside a key's measured token counts, in doublings (0 inside). */
function log2Beyond(kg: KeyGrid, column: string, tokens: number): number {
  const rows = gridRowsAt(kg.table, kg.ranges)
  let lo = Infinity
  let hi = -Infinity
  for (let i = 0; i < rows.length; i++) {
    const t = rows.value(i, column)
    if (t > 0) [lo, hi] = [Math.min(lo, t), Math.max(hi, t)]
  }
  return tokens > hi ? Math.log2(tokens / hi) : tokens < lo ? Math.log2(lo / tokens) : 0
}

/** Expert-parallel size of a key: how many GPUs share the experts. */
const expertParallelSize = (k: GroupedGemmKey) => k.experts / k.localExperts

/**
 * log2 distance between two keys over what shapes the kernel: hidden,
 * intermediate, topk, local experts, and the expert-parallel size (the same
 * local experts out of 384 over 96 GPUs are not those out of 256 over 64).
 */
export const keyDistance = (a: GroupedGemmKey, b: GroupedGemmKey) =>
  Math.hypot(
    logDistance(a.hidden, b.hidden),
    logDistance(a.intermediate, b.intermediate),
    logDistance(a.topk, b.topk),
    logDistance(a.localExperts, b.localExperts),
    logDistance(expertParallelSize(a), expertParallelSize(b)),
  )

/**
 * A wide-EP table's answer (one GPU of an expert-parallel group, measured
 * per routing distribution): the key's own rows along tokens per GPU, or,
 * between two measured EP sizes of the same model shape, a log2 blend of
 * their values at the same tokens per GPU. Undefined when the table does not
 * have the model's shape or the EP size lies outside its sizes.
 */
export function lookupWideEp(tables: TableSet, path: string, phase: Phase, key: GroupedGemmKey, tokens: number, env: LookupEnv, quantity: Quantity): MfuLookup | undefined {
  const table = tables.get(path)
  if (!table || !(tokens > 0)) return undefined
  const idx = keyIndex(table, phase).keys
  const at = (k: GroupedGemmKey) => {
    const g = idx.get(keyString(k))
    return g && estimate(gridOf(g), {[tokensColumn(phase)]: tokens}, env, quantity)
  }
  const own = at(key)
  if (own) return lookupOf(own, path, quantity)
  const ep = key.experts / key.localExperts
  const sizes = [...idx.values()]
    .filter((g) => g.key.experts === key.experts && g.key.topk === key.topk && g.key.hidden === key.hidden && g.key.intermediate === key.intermediate && g.key.gpus * g.key.localExperts === g.key.experts)
    .map((g) => g.key.gpus)
    .sort((a, b) => a - b)
  const below = sizes.filter((g) => g < ep).pop()
  const above = sizes.find((g) => g > ep)
  if (below === undefined || above === undefined) return undefined
  const keyAt = (g: number): GroupedGemmKey => ({...key, gpus: g, localExperts: key.experts / g})
  const lo = at(keyAt(below))
  const hi = at(keyAt(above))
  if (!lo || !hi) return undefined
  const t = Math.log2(ep / below) / Math.log2(above / below)
  const value = Math.exp((1 - t) * Math.log(lo.value) + t * Math.log(hi.value))
  return {value, kind: lo.extrapolated || hi.extrapolated ? 'extrapolated' : 'interpolated', table: path, lines: [...lo.lines, ...hi.lines].sort((a, b) => a - b), note: `log2 blend of ep ${below} and ep ${above} at the same tokens per GPU`}
}

/**
 * Farthest key (log2 distance) a MoE lookup may borrow from. Leave-one-key-out
 * (`infersim tables score --borrowing`) on the InferSim tables: borrowed
 * 10.2% / 4.4% / 2.4% median error within 0.5 / 1 / 2 vs 28.0% / 29.4% / 57.1%
 * for the roofline fallback; on every bundled table, read along the expert
 * width where the shape has two widths (alongIntermediate) and from the
 * nearest key otherwise, 2.1% / 2.7% / 30.3% within 0.5 / 1 / 1.41 vs
 * 27.1% / 38.1% / 79.0%. No key lies farther than 2 from its nearest but a
 * handful, so beyond 2 there is little evidence and the lookup falls back.
 */
export const MOE_BORROW_DISTANCE = 2


/** Distance from a key to the nearest other key of the table. */
export const nearestKeyDistance = (table: KernelTable, phase: Phase, key: GroupedGemmKey): number => nearestOtherKey(table, phase, key).d

/** A MoE lookup borrowed from the nearest key other than its own. */
export function borrowGroupedGemm(
  tables: TableSet,
  path: string,
  phase: Phase,
  key: GroupedGemmKey,
  tokens: number,
  env: LookupEnv,
  borrowDistance = MOE_BORROW_DISTANCE,
): MfuLookup | undefined {
  const table = tables.get(path)
  if (!table) return undefined
  const {kg: best, d: bestD} = nearestOtherKey(table, phase, key)
  if (!best || bestD > borrowDistance) return undefined
  // The same tokens per expert on the other key.
  const perExpert = routedTokens(key, tokens) / key.localExperts
  const theirTokens = tokensForPerExpert(best.key, perExpert)
  const grid = gridOf(best)
  const b = blend(grid.index, gridPoint(grid, {[tokensColumn(phase)]: theirTokens})!)!
  const value = mfuFromUtilisation(blendedUtilisation(grid, b, env), groupedGemmWork(key, tokens, env), grid.peak, env)
  const lines = [...b.weights.keys()].map((id) => gridLine(grid, id)).sort((a, z) => a - z)
  const k = best.key
  return borrowedLookup(value, path, lines, `E=${k.experts} gpus=${k.gpus} local=${k.localExperts} topk=${k.topk} D=${k.hidden} I=${k.intermediate} (log2 distance ${bestD.toFixed(2)})`)
}
