/** Text view of `infersim tables score`: leave-one-out errors per table, per family, overall; borrowing by distance. */
import {bestQuantity} from '../tables/interpolate/index.js'
import type {BorrowScore} from '../tables/score-borrow.js'
import type {ErrorStats, MethodScores, ScoreReport} from '../tables/score.js'
import {QUANTITIES} from '../tables/score.js'
import {renderTable} from './table.js'

const pct = (s: ErrorStats | undefined) => (s && s.n > 0 ? `${s.median.toFixed(1)} / ${s.p90.toFixed(1)}` : '-')

function quantityCells(m: MethodScores): string[] {
  if (!m.byQuantity) return []
  return [...QUANTITIES.map((q) => pct(m.byQuantity![q])), bestQuantity(m.byQuantity) ?? '-']
}

export function renderScore(r: ScoreReport, borrowing?: BorrowScore[]): string {
  const compare = r.overall.byQuantity !== undefined
  const qHeaders = compare ? [...QUANTITIES.map((q) => `${q} %`), 'best'] : []
  const out = ['Leave-one-out: each measured point hidden and predicted from the rest. Absolute % error of MFU, median / p90.', '']
  out.push(
    renderTable(
      ['table', 'points', 'nearest (compat) %', 'interpolated %', ...qHeaders],
      r.tables.map((t) => [t.table, t.points, pct(t.nearest), pct(t.interpolated), ...quantityCells(t)]),
      [1, 2, 3],
    ),
  )
  out.push('')
  const rows = r.families.map((f) => [f.family, f.quantity, f.points, pct(f.nearest), pct(f.interpolated), ...quantityCells(f)])
  rows.push(['overall', '', r.overall.points, pct(r.overall.nearest), pct(r.overall.interpolated), ...quantityCells(r.overall)])
  out.push(renderTable(['family', 'blends', 'points', 'nearest (compat) %', 'interpolated %', ...qHeaders], rows, [2, 3, 4]))
  const ratio = r.overall.interpolated.median / r.overall.nearest.median
  if (Number.isFinite(ratio)) out.push('', `Overall median error: interpolation ${r.overall.interpolated.median.toFixed(2)}% vs nearest point ${r.overall.nearest.median.toFixed(2)}% (ratio ${ratio.toFixed(2)}).`)
  const unscorable = r.tables.reduce((a, t) => a + t.unscorable, 0)
  if (unscorable > 0) out.push(`${unscorable} point(s) with a recorded MFU of 0 were not scored.`)
  if (r.notScored.length > 0) out.push(`Not scored: ${notScoredSummary(r.notScored)}.`)
  if (borrowing) out.push('', ...renderBorrowing(borrowing))
  return out.join('\n')
}

/** Tables not scored, by reason and kernel folder: "not an MFU table ...: comm (12), gdn (4)". */
function notScoredSummary(items: ScoreReport['notScored']): string {
  const byReason = new Map<string, Map<string, number>>()
  for (const {table, reason} of items) {
    const kinds = byReason.get(reason) ?? new Map<string, number>()
    const kind = table.split('/')[0]
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1)
    byReason.set(reason, kinds)
  }
  return [...byReason].map(([reason, kinds]) => `${reason}: ${[...kinds].map(([k, n]) => `${k} (${n})`).join(', ')}`).join('; ')
}

function renderBorrowing(scores: BorrowScore[]): string[] {
  const out = ['Leave-one-shape-out: a whole GEMM site, attention configuration or MoE key hidden; its rows borrowed from the nearest shape.']
  const rows = scores.flatMap((s) =>
    s.buckets.map((b) => [s.family, b.upTo === Infinity ? '> 3' : `<= ${b.upTo.toFixed(2)}`, b.borrowed.n, pct(b.borrowed), pct(b.fallback), pct(b.nearest)]),
  )
  out.push(renderTable(['family', 'log2 distance', 'points', 'borrowed %', 'roofline fallback %', 'compat %'], rows, [2, 3, 4, 5]))
  return out
}
