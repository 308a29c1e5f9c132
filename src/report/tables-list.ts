/** Text views for `infersim tables`: the table inventory, and the lookups one simulation makes. */
import type {TableInventory} from '../ingest/inventory.js'
import type {SimResult, Step} from '../sim/result.js'
import {renderTable} from './table.js'

function rangeText(t: TableInventory): string {
  return t.ranges
    .map((r) => (r.values ? `${r.column} ${r.values.join('/')}` : r.min === r.max ? `${r.column} ${r.min}` : `${r.column} ${r.min}..${r.max} (${r.distinct})`))
    .join(', ')
}

const sourceText = (t: TableInventory) => [...new Set(t.sources.map((s) => (s.license ? `${s.license}` : 'own')))].join(', ') || '-'

export function renderInventory(list: readonly TableInventory[]): string {
  if (list.length === 0) return 'No tables.'
  const rows = list.map((t) => [t.gpu, t.layout, t.shape, t.rows, sourceText(t), rangeText(t)])
  return renderTable(['gpu', 'kernel', 'shape', 'rows', 'license', 'grid'], rows, [3])
}

export interface Lookup {
  phase: 'prefill' | 'decode'
  step: string
  /** The shape the simulator asked for. */
  query?: Record<string, number>
  covered: boolean
  kind: string
  value: number
  table?: string
  lines: number[]
  note?: string
}

function lookupOf(phase: 'prefill' | 'decode', s: Step): Lookup | undefined {
  if (!s.mfu) return undefined
  const m = s.mfu
  return {phase, step: s.id, query: s.shape, covered: m.kind !== 'fallback', kind: m.kind, value: m.value, table: m.table, lines: m.lines, note: m.note}
}

/** Every table lookup of a simulation, in step order: covered by a table, or a fallback. */
export function lookupsOf(result: SimResult): Lookup[] {
  const out: Lookup[] = []
  for (const p of [result.prefill, result.decode]) {
    if (!p) continue
    for (const s of p.steps) {
      const l = lookupOf(p.phase, s)
      if (l) out.push(l)
    }
  }
  return out
}

const queryText = (q?: Record<string, number>) => (q ? Object.entries(q).map(([k, v]) => `${k}=${v}`).join(' ') : '')

export function renderLookups(result: SimResult, lookups: readonly Lookup[]): string {
  const head = `${result.model.name} on ${result.gpu} (profile ${result.profile}): ${lookups.filter((l) => l.covered).length} of ${lookups.length} lookups covered by a table`
  const rows = lookups.map((l) => [
    l.phase,
    l.step,
    queryText(l.query),
    l.covered ? 'yes' : 'FALLBACK',
    l.kind,
    l.table ? `${l.table}${l.lines.length > 0 ? `:${l.lines.join(',')}` : ''}` : (l.note ?? ''),
  ])
  return `${head}\n\n${renderTable(['phase', 'step', 'query', 'covered', 'how', 'table:line / why'], rows)}`
}
