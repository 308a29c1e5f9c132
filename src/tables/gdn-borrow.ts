/**
 * A GDN (Gated DeltaNet) kernel table a GPU lacks, borrowed from another
 * GPU's measurement of the same shape: the GPU whose measured GDN kernels
 * time closest to this one's (median latency ratio over the shapes and batch
 * sizes both measured, either phase), its latencies taken as they are.
 *
 * Why unscaled: AIConfigurator's GDN prefill kernels take about the same time
 * on GPUs whose bf16 peaks differ 15x (at 1,024 tokens and up, median ratio
 * to H100: H200 0.94, B200 0.89, GB200 0.93, H20 0.90; L40S 1.31), so no
 * peak or bandwidth ratio carries them (the bf16 peak ratio misses by 2-15x).
 * Borrowed this way, each measured GPU's prefill table is predicted within
 * 0.70x-1.31x (H100 and H200 from L40S, L40S from H100, H20 from H200, B200
 * and GB200 from each other). A100 has only GDN decode tables: its decode
 * kernels time as H20's (median ratio 1.01).
 *
 * @example
 * // A100 has no gdn/prefill table; its decode tables match H20's: H20's prefill table is read
 * gdnDonor(tables, 'gdn/prefill/a100-sxm/4-16-128-32-128.csv') // {path: 'gdn/prefill/h20/4-16-128-32-128.csv', gpu: 'h20', ratio: 1.01}
 */
import {tableSetMemo} from './lookup-memo.js'
import type {KernelTable, TableSet} from './types.js'

const GDN_PATH = /^gdn\/(decode|prefill)\/([^/]+)\/([^/]+\.csv)$/

export interface GdnDonor {
  /** The borrowed table. */
  path: string
  gpu: string
  /** Median latency ratio of this GPU's GDN kernels to the donor's. */
  ratio: number
}

const donors = tableSetMemo<GdnDonor | undefined>()

/** The table to borrow for `path` (a missing gdn/<phase>/<gpu>/<shape>.csv), or undefined when no GPU qualifies. */
export const gdnDonor = (tables: TableSet, path: string): GdnDonor | undefined => donors(tables, path, () => findDonor(tables, path))

function findDonor(tables: TableSet, path: string): GdnDonor | undefined {
  const m = GDN_PATH.exec(path)
  if (!m) return undefined
  const [, phase, gpu, shape] = m
  const byGpu = new Map<string, string[]>()
  for (const p of tables.paths()) {
    const g = GDN_PATH.exec(p)
    if (!g) continue
    const list = byGpu.get(g[2])
    if (list) list.push(p)
    else byGpu.set(g[2], [p])
  }
  const own = byGpu.get(gpu) ?? []
  let best: GdnDonor | undefined
  for (const [other, paths] of byGpu) {
    const candidate = `gdn/${phase}/${other}/${shape}`
    if (other === gpu || !paths.includes(candidate)) continue
    const ratio = medianRatio(tables, own, gpu, other)
    if (ratio === undefined) continue
    if (!best || Math.abs(Math.log(ratio)) < Math.abs(Math.log(best.ratio))) best = {path: candidate, gpu: other, ratio}
  }
  return best
}

/** Median of this GPU's latency over the other's at the same table and first-column value, over every table both have. */
function medianRatio(tables: TableSet, own: readonly string[], gpu: string, other: string): number | undefined {
  const ratios: number[] = []
  for (const p of own) {
    const mine = tables.get(p)
    const theirs = tables.get(p.replace(`/${gpu}/`, `/${other}/`))
    if (!mine || !theirs) continue
    const at = totals(theirs)
    for (const [x, us] of totals(mine)) {
      const t = at.get(x)
      if (t && t > 0 && us > 0) ratios.push(us / t)
    }
  }
  if (ratios.length === 0) return undefined
  ratios.sort((a, b) => a - b)
  const mid = ratios.length >> 1
  return ratios.length % 2 ? ratios[mid] : (ratios[mid - 1] + ratios[mid]) / 2
}

/** Each row's total latency (the sum of its part columns), by its first column (seq_len or batch size). */
function totals(table: KernelTable): Map<number, number> {
  const [first, ...parts] = table.columns
  const out = new Map<number, number>()
  for (const row of table.rows) out.set(row.values[first] as number, parts.reduce((s, c) => s + (row.values[c] as number), 0))
  return out
}
