/**
 * Table CSV text: a header, then rows sorted by the layout's grid keys
 * (GEMM: by m within each (k, n) site, sites in the order first ingested).
 */
import type {Layout, Values} from './layouts/types.js'

function compareBy(keys: readonly string[]) {
  return (a: Values, b: Values): number => {
    for (const k of keys) {
      const x = a[k]
      const y = b[k]
      if (x === y) continue
      if (typeof x === 'number' && typeof y === 'number') return x - y
      return String(x) < String(y) ? -1 : 1
    }
    return 0
  }
}

/** Sorts items (existing rows first, then new ones, in that order) the way the layout's tables are written. */
export function sortForTable<T>(layout: Layout, items: readonly T[], values: (t: T) => Values): T[] {
  const siteKeys = layout.siteKeys
  if (!siteKeys) {
    const cmp = compareBy(layout.gridKeys)
    return [...items].sort((a, b) => cmp(values(a), values(b)))
  }
  const siteOf = (v: Values) => siteKeys.map((k) => String(v[k])).join('|')
  const rank = new Map<string, number>()
  for (const t of items) {
    const s = siteOf(values(t))
    if (!rank.has(s)) rank.set(s, rank.size)
  }
  const within = compareBy(layout.gridKeys.filter((k) => !siteKeys.includes(k)))
  return [...items].sort((a, b) => rank.get(siteOf(values(a)))! - rank.get(siteOf(values(b)))! || within(values(a), values(b)))
}

const cell = (v: number | string | undefined) => (v === undefined ? '' : String(v))

export function tableCsv(columns: readonly string[], rows: readonly Values[]): string {
  const lines = [columns.join(',')]
  for (const r of rows) lines.push(columns.map((c) => cell(r[c])).join(','))
  return `${lines.join('\n')}\n`
}
