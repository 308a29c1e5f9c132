/** Checks a table's columns (from its header or --columns) against its layout. */
import {quoteText} from '../util/quote.js'
import type {Layout} from './layouts/types.js'

/** Text columns; every other column holds numbers. */
export const TEXT_COLUMNS: ReadonlySet<string> = new Set(['dtype', 'kv_dtype'])

/** Why these columns do not fit the layout, or undefined when they do. */
export function columnsProblem(layout: Layout, columns: readonly string[]): string | undefined {
  const seen = new Set<string>()
  for (const [i, c] of columns.entries()) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(c)) return `column ${i + 1} (${quoteText(c)}) is not a plain name`
    if (seen.has(c)) return `column ${quoteText(c)} appears twice`
    seen.add(c)
  }
  if (layout.openLatencyParts) {
    if (columns[0] !== layout.columns[0]) return `the first column should be "${layout.columns[0]}" (a ${layout.id} table), not ${quoteText(columns[0])}`
    if (columns.length < 2) return `a ${layout.id} table needs at least one latency column after "${layout.columns[0]}"`
    return undefined
  }
  const missing = layout.columns.filter((c) => !seen.has(c))
  const extra = columns.filter((c) => !layout.columns.includes(c))
  if (missing.length === 0 && extra.length === 0) return undefined
  const parts = [
    missing.length > 0 && `missing ${missing.map((c) => `"${c}"`).join(', ')}`,
    extra.length > 0 && `unexpected ${extra.map(quoteText).join(', ')}`,
  ].filter(Boolean)
  return `${parts.join('; ')} (a ${layout.id} table has columns ${layout.columns.join(',')})`
}

/** Output column order: the layout's, or for open layouts the order given. */
export function orderedColumns(layout: Layout, columns: readonly string[]): string[] {
  return layout.openLatencyParts ? [...columns] : [...layout.columns]
}

/** Decimal places a number was printed with ("0.010" -> 3, "1e-4" -> 6). */
export function decimalsOf(text: string): number {
  if (/e/i.test(text)) return 6
  const dot = text.indexOf('.')
  return dot < 0 ? 0 : text.length - dot - 1
}
