/**
 * Merges validated rows into a table (existing rows first, then new ones in
 * input order). Rows with the same grid key are duplicates: identical ones
 * collapse; different ones follow --on-conflict (default: an error naming both).
 */
import {orderedColumns} from './columns.js'
import type {Layout, Values} from './layouts/types.js'
import {rowProvenance, sourceId, type ProvenanceRow} from './provenance.js'
import type {Issue, ValidRow} from './types.js'
import {issueAt} from './types.js'
import {joinedKey} from './validate/monotonic.js'

export type ConflictPolicy = 'error' | 'keep' | 'replace' | 'mean'
export const CONFLICT_POLICIES: readonly ConflictPolicy[] = ['error', 'keep', 'replace', 'mean']

export interface TableEntry {
  values: Values
  /** Provenance of a row already in the table; an incoming row's is made from `row` when written (see provenanceOf). */
  prov?: ProvenanceRow
  row?: ValidRow
  /** Where the row was read (input file, or the existing table). */
  file: string
  line: number
  /** Measurements averaged into this row (--on-conflict mean). */
  count: number
  fromExisting: boolean
}

export interface MergeResult {
  columns: string[]
  entries: TableEntry[]
  issues: Issue[]
  /** Incoming rows whose key was already present. */
  merged: number
  /** Incoming rows rejected (conflict errors, column mismatches). */
  rejected: ValidRow[]
}

export const keyOf = (layout: Layout, v: Values) => joinedKey(v, layout.gridKeys)

const sameValues = (columns: readonly string[], a: Values, b: Values) => columns.every((c) => a[c] === b[c])

const describe = (layout: Layout, columns: readonly string[], v: Values) =>
  columns
    .filter((c) => !layout.gridKeys.includes(c))
    .map((c) => `${c}=${v[c]}`)
    .join(' ')

function meanInto(layout: Layout, columns: readonly string[], e: TableEntry, v: Values): void {
  for (const c of columns) {
    if (layout.gridKeys.includes(c) || typeof v[c] !== 'number') continue
    e.values[c] = Number((((e.values[c] as number) * e.count + (v[c] as number)) / (e.count + 1)).toPrecision(9))
  }
  e.count++
}

/** The provenance line of an entry. */
export function provenanceOf(layout: Layout, e: TableEntry): ProvenanceRow {
  const p = e.prov ?? rowProvenance(e.row!, layout.gridKeys)
  return e.count > 1 ? {...p, note: `mean of ${e.count} measurements`} : p
}

export const sourceIdOf = (e: TableEntry): string | null => (e.prov ? e.prov.source : sourceId(e.row!.source))

export function mergeRows(layout: Layout, existing: TableEntry[], existingColumns: string[] | undefined, incoming: ValidRow[], policy: ConflictPolicy): MergeResult {
  const columns = existingColumns ?? (incoming.length > 0 ? orderedColumns(layout, Object.keys(incoming[0].values)) : [...layout.columns])
  const byKey = new Map<string, TableEntry>()
  for (const e of existing) byKey.set(keyOf(layout, e.values), e)
  const issues: Issue[] = []
  const rejected: ValidRow[] = []
  let merged = 0
  const columnSet = new Set(columns)
  const sameColumns = (v: Values) => {
    const keys = Object.keys(v)
    return keys.length === columnSet.size && keys.every((k) => columnSet.has(k))
  }
  for (const row of incoming) {
    const file = row.source.display
    if (!sameColumns(row.values)) {
      issues.push(issueAt('error', 'columns', file, row.line, `its columns ${Object.keys(row.values).join(',')} differ from the table's ${columns.join(',')}`))
      rejected.push(row)
      continue
    }
    const key = keyOf(layout, row.values)
    const entry: TableEntry = {values: row.values, row, file, line: row.line, count: 1, fromExisting: false}
    const old = byKey.get(key)
    if (!old) {
      byKey.set(key, entry)
      continue
    }
    merged++
    if (sameValues(columns, old.values, row.values)) continue
    if (policy === 'keep') continue
    if (policy === 'replace') byKey.set(key, entry)
    else if (policy === 'mean') meanInto(layout, columns, old, row.values)
    else {
      const keyText = layout.gridKeys.map((k) => `${k}=${row.values[k]}`).join(' ')
      issues.push(
        issueAt(
          'error',
          'duplicate-key',
          file,
          row.line,
          `duplicate key ${keyText} with different values: ${describe(layout, columns, old.values)} (${old.file}:${old.line}) vs ${describe(layout, columns, row.values)} (here); choose with --on-conflict keep|replace|mean`,
        ),
      )
      rejected.push(row)
    }
  }
  return {columns, entries: [...byKey.values()], issues, merged, rejected}
}
