/**
 * Absorbed MLA's two per-head matmuls, from measured batched-matmul tables
 * (mla_bmm/<gpu>/bf16.csv, switch mlaBmmTables). Each head's query (its nope
 * part) is multiplied by its W_k slice into the latent space (q_wk), and each
 * head's latent output by its W_v slice (o_wv): batched over the GPU's heads.
 * Read as one GEMM of k = heads x dim (InferSim's formula, the switch off),
 * they take a GEMM row of a shape no GEMM kernel was tuned for: on GB200, 128
 * heads and one token, 45 us for o_wv, where its 8 MB of weights stream in
 * 1 us and the measured batched matmul takes 6.9 us.
 *
 * The tables time SGLang's torch.bmm in BF16 (faster than its FP8 kernel at
 * all but 2 of the 2,332 shapes measured, up to 8.4x; SGLang's published
 * DeepSeek runs agree with it, docs/model.md), at DeepSeek's dimensions
 * (nope 128, latent 512, v 128). A
 * lookup interpolates log-log along the tokens at the heads measured on either
 * side of the GPU's, then linearly between them; beyond the last token count
 * the time grows with the tokens, beyond the most heads with the heads, and a
 * model of other dimensions scales it by its work.
 *
 * Two readings keep a row within physics. A row faster than its weights
 * stream from memory at the datasheet bandwidth had them in the L2 cache (the
 * benchmark calls one shape over and over): on L40S (96 MB of L2, 864 GB/s),
 * 34 of the 400 rows, up to 2.75x; served, each layer's weights come from
 * memory, so the step takes at least the stream (switch weightStreamFloor, as
 * for GEMMs). A GPU that borrows its donor's table (tablesFrom) carries each
 * row by the donor's utilisation of its roofline to this GPU's: H100 PCIe has
 * 60% of H100 SXM's bandwidth, and read as measured its decode matmuls ran
 * faster than its memory allows.
 */
import {tablePaths} from '../tables/paths.js'
import type {KernelTable, ProvenanceKind} from '../tables/types.js'
import {gemmFlops, transferSeconds} from '../cost/units.js'
import {rooflineBound, rooflineFloors, weightStreamSeconds, type SimContext} from './context.js'
import type {Step} from './result.js'

/** The dimensions the tables were measured at (DeepSeek-V3's MLA). */
const MEASURED = {nope: 128, latent: 512, v: 128}

type Column = 'q_wk_us' | 'o_wv_us'

/** The two batched-matmul steps for `m` tokens, or undefined where the switch is off or no table stands for this GPU. */
export function mlaBmmSteps(ctx: SimContext, m: number): Step[] | undefined {
  const a = ctx.model.attention
  if (!ctx.switches.mlaBmmTables || a.kind !== 'mla') return undefined
  const found = ctx.mfu.latencyTable(tablePaths.mlaBmm(ctx.gpuKey, 'bf16'), 'MLA batched-matmul', undefined, "carried by the donor's utilisation of its roofline")
  if (!found) return undefined
  const heads = ctx.shapes.htp
  const step = (id: string, column: Column, k: number, n: number, measuredWork: number): Step => {
    const at = latencyAt(found.table, column, heads, m)
    const scale = (k * n) / measuredWork
    const flops = heads * gemmFlops(m, k, n)
    // Weights at 2 bytes (BF16), the activations in and out too.
    const weightBytes = heads * k * n * 2
    const bytes = weightBytes + heads * (m * k + m * n) * 2
    const floors = rooflineFloors(ctx, flops, bytes, ctx.gpu.fp16Tflops)
    const roof = Math.max(floors.computeFloorSeconds, floors.memoryFloorSeconds)
    const donorRoof = found.donor && Math.max(flops / (found.donor.fp16Tflops * 1e12), transferSeconds(bytes, found.donor.memBw))
    const table = ((at.us * scale) / 1e6) * (donorRoof ? roof / donorRoof : 1)
    const stream = weightStreamSeconds(ctx, weightBytes)
    const floored = ctx.switches.weightStreamFloor && table < stream
    const seconds = floored ? stream : table
    const notes = [
      'measured batched-matmul latency, not MFU',
      ...(scale !== 1 ? [`scaled by this model's work per head (${k} x ${n}) over the table's (${measuredWork})`] : []),
      ...(found.lent ? [found.lent] : []),
      ...(floored ? [`the row (${(table * 1e6).toFixed(2)} us) is faster than its weights stream at the datasheet bandwidth: timed by the stream (weightStreamFloor)`] : []),
    ]
    return {
      id,
      seconds,
      bound: rooflineBound(floors),
      part: 'gemm',
      mfu: {value: floors.computeFloorSeconds / seconds, kind: found.lent ? 'borrowed' : at.kind, table: found.table.path, lines: at.lines, note: notes.join('; ')},
      computeFloorSeconds: floors.computeFloorSeconds,
      memoryFloorSeconds: floors.memoryFloorSeconds,
      shape: {m, heads, k, n},
    }
  }
  return [
    step('bmm-q-wk', 'q_wk_us', a.qkNopeHeadDim, a.kvLoraRank, MEASURED.nope * MEASURED.latent),
    step('bmm-o-wv', 'o_wv_us', a.kvLoraRank, a.vHeadDim, MEASURED.latent * MEASURED.v),
  ]
}

interface Latency {
  us: number
  kind: ProvenanceKind
  lines: number[]
}

/**
 * The latency at `heads` heads and `tokens` tokens: along the tokens at the measured heads on either
 * side, then linearly in heads between them.
 *
 * @example
 * // rows (16 heads: 1 token 4 us, 64 tokens 5 us; 32 heads: 1 token 6 us, 64 tokens 8 us). 8 tokens is half-way
 * // in log2: sqrt(4 x 5) = 4.47 us at 16 heads, sqrt(6 x 8) = 6.93 at 32; 24 heads half-way between them.
 * latencyAt(table, 'q_wk_us', 24, 8) // {us: 5.70, kind: 'interpolated', lines: [...]}
 */
export function latencyAt(table: KernelTable, column: Column, heads: number, tokens: number): Latency {
  const {byHeads, measured} = curvesOf(table, column)
  let below: number | undefined
  for (const h of measured) if (h <= heads) below = h
  const above = measured.find((h) => h >= heads)
  const along = (h: number) => alongTokens(byHeads.get(h)!, tokens)
  if (below === undefined || above === undefined) {
    // Fewer heads than any row: the fewest's time (launch-bound there); more than any: in proportion to the heads.
    const h = below ?? above!
    const at = along(h)
    return below === undefined ? {...at, kind: at.kind === 'exact' ? 'extrapolated' : at.kind} : {us: (at.us * heads) / h, kind: 'extrapolated', lines: at.lines}
  }
  const lo = along(below)
  if (below === above) return lo
  const hi = along(above)
  const f = (heads - below) / (above - below)
  const kind: ProvenanceKind = lo.kind === 'extrapolated' || hi.kind === 'extrapolated' ? 'extrapolated' : 'interpolated'
  return {us: lo.us + f * (hi.us - lo.us), kind, lines: [...lo.lines, ...hi.lines]}
}

type Point = {tokens: number; us: number; line: number}

/** A table's rows of one column as a curve along the tokens per heads measured, read once per table (a sweep asks for them per simulation). */
const curves = new WeakMap<KernelTable, Map<Column, {byHeads: Map<number, Point[]>; measured: number[]}>>()

function curvesOf(table: KernelTable, column: Column): {byHeads: Map<number, Point[]>; measured: number[]} {
  const ofTable = curves.get(table) ?? new Map()
  curves.set(table, ofTable)
  const cached = ofTable.get(column)
  if (cached) return cached
  const byHeads = new Map<number, Point[]>()
  for (const r of table.rows) {
    const h = r.values.heads as number
    const list = byHeads.get(h) ?? []
    list.push({tokens: r.values.tokens as number, us: r.values[column] as number, line: r.line})
    byHeads.set(h, list)
  }
  for (const list of byHeads.values()) list.sort((x, y) => x.tokens - y.tokens)
  const out = {byHeads, measured: [...byHeads.keys()].sort((x, y) => x - y)}
  ofTable.set(column, out)
  return out
}

/** Log-log between the measured token counts on either side; below the first, its time; beyond the last, in proportion to the tokens. */
function alongTokens(points: readonly Point[], tokens: number): Latency {
  const first = points[0]
  const last = points[points.length - 1]
  if (tokens <= first.tokens) return {us: first.us, kind: tokens === first.tokens ? 'exact' : 'extrapolated', lines: [first.line]}
  if (tokens >= last.tokens) return {us: (last.us * tokens) / last.tokens, kind: tokens === last.tokens ? 'exact' : 'extrapolated', lines: [last.line]}
  const i = points.findIndex((p) => p.tokens >= tokens)
  const hi = points[i]
  if (hi.tokens === tokens) return {us: hi.us, kind: 'exact', lines: [hi.line]}
  const lo = points[i - 1]
  const f = Math.log(tokens / lo.tokens) / Math.log(hi.tokens / lo.tokens)
  return {us: Math.exp(Math.log(lo.us) + f * (Math.log(hi.us) - Math.log(lo.us))), kind: 'interpolated', lines: [lo.line, hi.line]}
}
