/** Text view of an ingest summary: counts, the tables touched, warnings grouped by kind. */
import type {IngestSummary} from '../ingest/pipeline.js'
import type {Issue} from '../ingest/types.js'
import {where} from '../ingest/types.js'
import {renderTable} from './table.js'

const SHOWN_PER_KIND = 5

const KIND_TITLES: Record<string, string> = {
  'mfu-mismatch': 'stated MFU differs from the recomputed one by more than 5%',
  'mfu-zero-replaced': 'MFU 0.0 replaced by the recomputed value',
  'latency-drop': 'latency drops by more than 20% as the work grows (outliers)',
  'no-peak': 'no peak for the dtype: MFU not checked',
  'mfu-over-peak': 'recomputed MFU above 1 (FLOPs are an estimate for this kernel)',
}

function groupIssues(issues: readonly Issue[]): Map<string, Issue[]> {
  const m = new Map<string, Issue[]>()
  for (const i of issues) {
    const g = m.get(i.code)
    if (g) g.push(i)
    else m.set(i.code, [i])
  }
  return m
}

export function renderIngest(s: IngestSummary, rawFile?: string): string {
  const out: string[] = []
  if (rawFile) out.push(`Raw benchmark output: ${rawFile}`)
  const w = s.recovered?.write
  if (w) {
    const who = w.owner ? ` (${w.owner.command}, pid ${w.owner.pid}, started ${w.owner.started})` : ''
    out.push(w.outcome === 'completed' ? `Finished an interrupted write${who}: ${w.files} files put in place.` : `Undid an interrupted write${who}: its ${w.files} staged files removed, the tables as they were.`)
  }
  if (s.recovered?.leftoverTempFiles) out.push(`Removed ${s.recovered.leftoverTempFiles} temp files an earlier, killed ingest left.`)
  const changed = s.tables.filter((t) => t.status !== 'unchanged')
  out.push(
    `${s.dryRun ? 'Dry run: would write' : 'Wrote'} ${changed.length} table${changed.length === 1 ? '' : 's'} (${s.tables.length - changed.length} unchanged). ` +
      `Rows: ${s.read} read, ${s.written} written, ${s.merged} merged, ${s.warned} warned, ${s.rejected} rejected.`,
  )
  if (changed.length > 0) {
    out.push('', renderTable(['table', 'status', 'rows before', 'rows after'], changed.map((t) => [t.path, t.status, t.rowsBefore, t.rowsAfter]), [2, 3]))
  }
  for (const [title, issues] of [
    ['Rejected', s.errors],
    ['Warnings', s.warnings],
  ] as const) {
    if (issues.length === 0) continue
    out.push('', `${title}:`)
    for (const [code, group] of groupIssues(issues)) {
      out.push(`  ${KIND_TITLES[code] ?? code} (${group.length}):`)
      for (const i of group.slice(0, SHOWN_PER_KIND)) out.push(`    ${where(i)}: ${i.message}`)
      if (group.length > SHOWN_PER_KIND) out.push(`    ... and ${group.length - SHOWN_PER_KIND} more (--json lists them all)`)
    }
  }
  return out.join('\n')
}
