/**
 * Table CSV text: a header, then rows sorted by the layout's grid keys
 * (GEMM: by m within each (k, n) site, sites in the order first ingested).
 */
import type {Layout, Values} from './layouts/types.js'
import {joinLines} from '../util/arrays.js'
import {joinedKey} from './validate/monotonic.js'

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
  // Rank each item's site once: the comparator runs n log n times.
  const rank = new Map<string, number>()
  const ranked = items.map((item) => {
    const site = joinedKey(values(item), siteKeys)
    let r = rank.get(site)
    if (r === undefined) rank.set(site, (r = rank.size))
    return {item, rank: r}
  })
  const within = compareBy(layout.gridKeys.filter((k) => !siteKeys.includes(k)))
  return ranked.sort((a, b) => a.rank - b.rank || within(values(a.item), values(b.item))).map((r) => r.item)
}

const cell = (v: number | string | undefined) => (v === undefined ? '' : String(v))

export function tableCsv(columns: readonly string[], rows: Iterable<Values>): string {
  return `${joinLines(csvLines(columns, rows), '\n')}\n`
}

function* csvLines(columns: readonly string[], rows: Iterable<Values>): Generator<string> {
  yield columns.join(',')
  for (const r of rows) {
    let line = cell(r[columns[0]])
    for (let i = 1; i < columns.length; i++) line += `,${cell(r[columns[i]])}`
    yield line
  }
}
