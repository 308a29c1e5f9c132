/**
 * Monotonicity: at fixed other grid keys, a kernel given more work should not
 * get faster. A latency that drops by more than 20% as the work grows marks an
 * outlier (one of the two rows is suspect); both lines are named.
 */
import {latencyColumnsOf, type Layout, type Values} from '../layouts/types.js'
import type {Issue} from '../types.js'
import {issueAt, where} from '../types.js'

export const MAX_LATENCY_DROP = 0.2

export interface LocatedRow {
  values: Values
  file: string
  line: number
  /** Rows already in the table: drops between two of them are not reported again. */
  fromExisting?: boolean
}

/** The values of `keys` joined with '|' (built without a temporary array: this runs once per row and axis). */
export function joinedKey(v: Values, keys: readonly string[]): string {
  let key = ''
  for (let i = 0; i < keys.length; i++) key += i === 0 ? v[keys[i]] : `|${v[keys[i]]}`
  return key
}

export function latencyDrops(layout: Layout, columns: readonly string[], rows: readonly LocatedRow[]): Issue[] {
  const latencyCols = latencyColumnsOf(layout, columns)
  const latency = (r: LocatedRow) => {
    let sum = 0
    for (const c of latencyCols) sum += r.values[c] as number
    return sum
  }
  const issues: Issue[] = []
  for (const axis of layout.workAxes) {
    const others = layout.gridKeys.filter((k) => k !== axis)
    const groups = new Map<string, LocatedRow[]>()
    for (const r of rows) {
      const key = joinedKey(r.values, others)
      const g = groups.get(key)
      if (g) g.push(r)
      else groups.set(key, [r])
    }
    for (const group of groups.values()) {
      group.sort((a, b) => (a.values[axis] as number) - (b.values[axis] as number))
      for (let i = 1; i < group.length; i++) {
        const a = group[i - 1]
        const b = group[i]
        if (a.fromExisting && b.fromExisting) continue
        const la = latency(a)
        const lb = latency(b)
        if (lb >= la * (1 - MAX_LATENCY_DROP)) continue
        const from = a.file === b.file ? `line ${a.line}` : where(a)
        const fixed = others.map((k) => `${k}=${a.values[k]}`).join(' ')
        issues.push(
          issueAt(
            'warning',
            'latency-drop',
            b.file,
            b.line,
            `latency drops ${(((la - lb) / la) * 100).toFixed(0)}% (${la} -> ${lb} µs, from ${from}) while ${axis} grows ${a.values[axis]} -> ${b.values[axis]}${fixed ? ` at ${fixed}` : ''}`,
          ),
        )
      }
    }
  }
  return issues
}
