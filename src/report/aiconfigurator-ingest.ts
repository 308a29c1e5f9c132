/** Text view of an AIConfigurator import: per GPU tables, rows and CSV size; warnings by kind. */
import type {AicIngestSummary} from '../ingest/aiconfigurator/run.js'
import {renderTable} from './table.js'

const mb = (bytes: number) => (bytes / 1e6).toFixed(2)

export function renderAicIngest(s: AicIngestSummary): string {
  const out: string[] = [
    `${s.dryRun ? 'Dry run: would write' : 'Wrote'} ${s.tables.length} tables, ${s.rows} rows, ${mb(s.bytes)} MB of CSV in ${s.seconds.toFixed(1)} s` +
      (s.rejected > 0 ? `; ${s.rejected} rows rejected` : '') +
      '.',
    '',
    renderTable(
      ['GPU', 'system', 'tables', 'rows', 'CSV MB'],
      s.gpus.map((g) => [g.name, g.system, g.tables, g.rows, mb(g.bytes)]),
      [2, 3, 4],
    ),
  ]
  if (s.warnings.length > 0) {
    out.push('', 'Warnings (count, first example):')
    for (const w of s.warnings) out.push(`  ${w.code} x${w.count}: ${w.example}`)
  }
  if (s.errors.length > 0) {
    out.push('', `Rejected rows (${s.errors.length}):`)
    for (const e of s.errors.slice(0, 10)) out.push(`  ${e.file}${e.line ? `:${e.line}` : ''}: ${e.message}`)
  }
  if (s.skipped.length > 0) out.push('', 'Not imported:', ...s.skipped.map((f) => `  ${f}`))
  return out.join('\n')
}
