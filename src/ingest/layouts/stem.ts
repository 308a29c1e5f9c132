/** File stems of tables: parsing them into shape numbers and building them from records. */
import {isDtype, unsafeNameReason} from '../names.js'
import type {Layout} from './types.js'

/** Wide-EP MoE tables: one per routing distribution. */
export const WIDE_EP_STEM = /^wideep-(uniform|power_law_\d+(\.\d+)?)$/

export interface ParsedStem {
  shape: Record<string, number>
  /** Dtype named by the stem (gemm/<gpu>/fp8.csv); undefined for data.csv. */
  dtype?: string
}

/** Parses a stem, or returns why it does not fit the layout. */
export function parseStem(layout: Layout, stem: string): ParsedStem | string {
  const unsafe = unsafeNameReason(stem)
  if (unsafe) return `table name "${stem}" is not allowed: ${unsafe}`
  const rule = layout.stem
  if (rule.kind === 'op') return {shape: {}}
  if (rule.kind === 'dtype') {
    if (stem === 'data') return {shape: {}}
    if (rule.routing && WIDE_EP_STEM.test(stem)) return {shape: {}, dtype: 'fp8'}
    if (isDtype(stem)) return {shape: {}, dtype: stem}
    return `table name "${stem}" should be "data" or a dtype (bf16, fp8, ...)${rule.routing ? ' or wideep-<distribution> (uniform, power_law_1.01, ...)' : ''}`
  }
  const expected = [rule.prefix, ...rule.parts].filter(Boolean).join('-')
  let rest = stem
  if (rule.prefix) {
    if (!stem.startsWith(`${rule.prefix}-`)) return `table name "${stem}" should look like ${expected}`
    rest = stem.slice(rule.prefix.length + 1)
  }
  const cells = rest.split('-')
  const windowCell = rule.window && cells.length === rule.parts.length + 1 ? /^w([1-9]\d*)$/.exec(cells[cells.length - 1]) : null
  if (windowCell) cells.pop()
  if (cells.length !== rule.parts.length || cells.some((c) => !/^[1-9]\d*$/.test(c))) {
    return `table name "${stem}" should be ${expected}${rule.window ? '[-w<window>]' : ''} (whole numbers)`
  }
  const shape: Record<string, number> = {}
  rule.parts.forEach((p, i) => (shape[p] = Number(cells[i])))
  if (windowCell) shape.window = Number(windowCell[1])
  return {shape}
}

/** The stem a record's shape maps to; undefined when a needed shape field is missing. */
export function stemFromShape(layout: Layout, shape: Record<string, number>): string | undefined {
  const rule = layout.stem
  if (rule.kind !== 'shape') return undefined
  const parts = rule.parts.map((p) => shape[p])
  if (parts.some((p) => p === undefined || !Number.isInteger(p) || p <= 0)) return undefined
  const w = rule.window ? shape.window : undefined
  const window = w !== undefined && Number.isInteger(w) && w > 0 ? `w${w}` : undefined
  return [rule.prefix, ...parts, window].filter((x) => x !== undefined).join('-')
}

/** Human description of the stem, for help and errors. */
export function stemPattern(layout: Layout): string {
  const rule = layout.stem
  if (rule.kind === 'dtype') return rule.routing ? 'data|<dtype>|wideep-<distribution>' : 'data|<dtype>'
  if (rule.kind === 'op') return '<op>'
  return [rule.prefix, ...rule.parts].filter(Boolean).join('-') + (rule.window ? '[-w<window>]' : '')
}
