/**
 * infersim ingest: read results -> validation -> merge with the tables
 * already under --out -> one atomic write. Nothing is written unless every
 * row passed (or --skip-invalid drops the rows that did not).
 */
import {findGpu, type GpuSpec} from '../hardware/gpu.js'
import {inputError} from '../errors.js'
import {assertValid} from '../schemas/validate.js'
import {readExistingTable} from './existing.js'
import {sortForTable, tableCsv} from './format.js'
import type {LayoutId} from './layouts/types.js'
import {mergeRows, type ConflictPolicy} from './merge.js'
import {provenancePathOf, sourceEntry, sourceId, type TableProvenance} from './provenance.js'
import {provenanceJson} from './provenance-json.js'
import type {Issue, ReadResult, SourceInfo, ValidRow} from './types.js'
import {where} from './types.js'
import {latencyDrops} from './validate/monotonic.js'
import {validateRows} from './validate/rows.js'
import {writeFilesAtomic, type FileToWrite} from './write-atomic.js'

export interface IngestOptions {
  out: string
  gpus: readonly GpuSpec[]
  onConflict: ConflictPolicy
  strict: boolean
  dryRun: boolean
  skipInvalid: boolean
  /** Tables this run writes start empty instead of merging with their existing rows (data:rebuild). */
  fresh?: boolean
  now?: Date
}

export interface TableOutcome {
  path: string
  layout: LayoutId
  gpu: string
  status: 'created' | 'updated' | 'unchanged'
  rowsBefore: number
  rowsAfter: number
}

export interface IngestSummary {
  read: number
  written: number
  merged: number
  warned: number
  rejected: number
  dryRun: boolean
  tables: TableOutcome[]
  warnings: Issue[]
  errors: Issue[]
}

const MAX_LISTED = 20

export function formatIssues(issues: readonly Issue[], max = MAX_LISTED): string {
  const shown = issues.slice(0, max).map((i) => `  ${where(i)}: ${i.message}`)
  if (issues.length > max) shown.push(`  ... and ${issues.length - max} more (--json lists them all)`)
  return shown.join('\n')
}

const rowsWith = (issues: readonly Issue[]) => new Set(issues.filter((i) => i.line !== undefined).map(where)).size

function groupByTable(rows: readonly ValidRow[]): Map<string, ValidRow[]> {
  const m = new Map<string, ValidRow[]>()
  for (const r of rows) {
    const g = m.get(r.target.relPath)
    if (g) g.push(r)
    else m.set(r.target.relPath, [r])
  }
  return m
}

export function ingest(reads: readonly ReadResult[], o: IngestOptions): IngestSummary {
  const now = (o.now ?? new Date()).toISOString()
  const issues: Issue[] = reads.flatMap((r) => r.issues)
  const checked = validateRows(
    reads.flatMap((r) => r.rows),
    o.gpus,
    o.strict,
  )
  issues.push(...checked.issues)
  const files: FileToWrite[] = []
  const tables: TableOutcome[] = []
  let merged = 0
  let written = 0
  for (const [relPath, rows] of groupByTable(checked.valid)) {
    const {layout, gpu} = rows[0].target
    const existing = readExistingTable(o.out, relPath, layout)
    const m = o.fresh ? mergeRows(layout, [], undefined, rows, o.onConflict) : mergeRows(layout, existing.entries, existing.columns, rows, o.onConflict)
    issues.push(...m.issues)
    merged += m.merged
    const located = m.entries.map((e) => ({values: e.values, file: e.file, line: e.line, fresh: !e.fromExisting}))
    issues.push(...latencyDrops(layout, m.columns, located))
    const entries = sortForTable(layout, m.entries, (e) => e.values)
    const csv = tableCsv(m.columns, entries.map((e) => e.values))
    const previous = new Map(existing.sources.map((s) => [s.id, s]))
    const fresh = new Map<string, SourceInfo>(rows.map((r) => [sourceId(r.source), r.source]))
    const used = new Set(entries.map((e) => e.prov.source).filter((s): s is string => s !== null))
    const sources = [...new Set([...previous.keys(), ...fresh.keys()])]
      .filter((id) => used.has(id))
      .map((id) => (fresh.has(id) ? sourceEntry(fresh.get(id)!, now, previous.get(id)) : previous.get(id)!))
    const provenance: TableProvenance = {
      table: relPath,
      layout: layout.id,
      gpu: findGpu(o.gpus, gpu)?.name ?? gpu,
      gridKeys: layout.gridKeys,
      sources,
      rows: entries.map((e) => e.prov),
    }
    assertValid('provenance', provenance, `provenance of ${relPath}`)
    const provText = provenanceJson(provenance)
    const unchanged = existing.csvText === csv && existing.provenanceText === provText
    tables.push({
      path: relPath,
      layout: layout.id,
      gpu,
      status: unchanged ? 'unchanged' : existing.csvText === undefined ? 'created' : 'updated',
      rowsBefore: existing.entries.length,
      rowsAfter: entries.length,
    })
    if (unchanged) continue
    written += entries.length
    files.push({rel: relPath, content: csv}, {rel: provenancePathOf(relPath), content: provText})
  }
  const errors = issues.filter((i) => i.severity === 'error')
  const warnings = issues.filter((i) => i.severity === 'warning')
  const read = reads.reduce((s, r) => s + r.rowsSeen, 0)
  const rejected = rowsWith(errors)
  if (errors.length > 0 && !o.skipInvalid) {
    throw inputError(
      `${errors.length} error${errors.length === 1 ? '' : 's'} in ${rejected} of ${read} rows; nothing was written (--skip-invalid writes the valid rows):\n${formatIssues(errors)}`,
    )
  }
  if (!o.dryRun && files.length > 0) writeFilesAtomic(o.out, files)
  return {read, written, merged, warned: rowsWith(warnings), rejected, dryRun: o.dryRun, tables, warnings, errors}
}
