/**
 * infersim ingest: read results -> validation -> merge with the tables
 * already under --out -> one all-or-nothing write of every table
 * (src/io/file-set.ts). The write lock of --out is held from the reading of
 * the existing tables to the write, so two runs cannot lose each other's rows.
 * Nothing is written unless every row passed (or --skip-invalid drops the rows
 * that did not).
 */
import {findGpu, type GpuSpec} from '../hardware/gpu.js'
import {InfersimError} from '../errors.js'
import {assertValid} from '../schemas/validate.js'
import {readExistingTable} from './existing.js'
import {sortForTable, tableCsv} from './format.js'
import type {LayoutId} from './layouts/types.js'
import {mergeRows, provenanceOf, sourceIdOf, type ConflictPolicy} from './merge.js'
import {provenancePathOf, sourceEntry, sourceId} from './provenance.js'
import {provenanceJson} from './provenance-json.js'
import type {IngestRow, Issue, ReadResult, SourceInfo, ValidRow} from './types.js'
import {where} from './types.js'
import {latencyDrops} from './validate/monotonic.js'
import {validateRows} from './validate/rows.js'
import {existsSync} from 'node:fs'
import path from 'node:path'
import {JOURNAL, lockFileSet, type Recovery} from '../io/file-set.js'
import {displayPath} from '../io/paths.js'
import {mapIterable, pushAll} from '../util/arrays.js'
import {commitTables, removeLegacyTemps, type FileToWrite} from './write-atomic.js'

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
  /** What the run is doing now, for a progress line. */
  progress?: (stage: string) => void
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
  /** What an earlier, interrupted ingest into --out left, and this run finished or undid first. */
  recovered?: {write?: Recovery; leftoverTempFiles: number}
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
  const progress = o.progress ?? (() => {})
  const issues: Issue[] = []
  for (const r of reads) pushAll(issues, r.issues)
  const rows: IngestRow[] = []
  for (const r of reads) pushAll(rows, r.rows)
  progress(`checking ${rows.length.toLocaleString('en-US')} rows`)
  const checked = validateRows(rows, o.gpus, o.strict)
  pushAll(issues, checked.issues)
  if (o.dryRun) {
    if (existsSync(path.join(o.out, JOURNAL))) {
      issues.push({severity: 'warning', code: 'pending-write', file: displayPath(path.resolve(o.out)), message: 'an interrupted or running ingest left a write in progress here; the next ingest that writes finishes or undoes it'})
    }
    return mergeAndWrite(reads, checked.valid, issues, o, undefined)
  }
  const writer = lockFileSet(o.out, 'ingest')
  try {
    const leftoverTempFiles = removeLegacyTemps(o.out)
    const recovered = writer.recovered || leftoverTempFiles > 0 ? {write: writer.recovered, leftoverTempFiles} : undefined
    return mergeAndWrite(reads, checked.valid, issues, o, (files) => commitTables(writer, files), recovered)
  } finally {
    writer.release()
  }
}

function mergeAndWrite(
  reads: readonly ReadResult[],
  valid: readonly ValidRow[],
  issues: Issue[],
  o: IngestOptions,
  write: ((files: FileToWrite[]) => void) | undefined,
  recovered?: IngestSummary['recovered'],
): IngestSummary {
  const progress = o.progress ?? (() => {})
  const now = (o.now ?? new Date()).toISOString()
  const files: FileToWrite[] = []
  const tables: TableOutcome[] = []
  let merged = 0
  let written = 0
  const groups = groupByTable(valid)
  let done = 0
  for (const [relPath, rows] of groups) {
    if (done++ % 20 === 0) progress(`merging table ${done} of ${groups.size}`)
    const {layout, gpu} = rows[0].target
    const existing = readExistingTable(o.out, relPath, layout)
    const m = o.fresh ? mergeRows(layout, [], undefined, rows, o.onConflict) : mergeRows(layout, existing.entries, existing.columns, rows, o.onConflict)
    pushAll(issues, m.issues)
    merged += m.merged
    pushAll(issues, latencyDrops(layout, m.columns, m.entries))
    const entries = sortForTable(layout, m.entries, (e) => e.values)
    const csv = tableCsv(m.columns, mapIterable(entries, (e) => e.values))
    const previous = new Map(existing.sources.map((s) => [s.id, s]))
    const fresh = new Map<string, SourceInfo>(rows.map((r) => [sourceId(r.source), r.source]))
    const used = new Set(entries.map(sourceIdOf).filter((s): s is string => s !== null))
    const sources = [...new Set([...previous.keys(), ...fresh.keys()])]
      .filter((id) => used.has(id))
      .map((id) => (fresh.has(id) ? sourceEntry(fresh.get(id)!, now, previous.get(id)) : previous.get(id)!))
    const head = {table: relPath, layout: layout.id, gpu: findGpu(o.gpus, gpu)?.name ?? gpu, gridKeys: layout.gridKeys, sources}
    // A self-check of what this code writes: the head and the first rows show a wrong shape; all million would cost seconds.
    assertValid('provenance', {...head, rows: entries.slice(0, 100).map((e) => provenanceOf(layout, e))}, `provenance of ${relPath}`)
    const provText = provenanceJson({...head, rows: mapIterable(entries, (e) => provenanceOf(layout, e))})
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
    throw new InfersimError(
      `${errors.length} error${errors.length === 1 ? '' : 's'} in ${rejected} of ${read} rows; nothing was written (--skip-invalid writes the valid rows):\n${formatIssues(errors)}`,
      'input',
      {read, rejected, errors},
    )
  }
  if (write && files.length > 0) {
    progress(`writing ${files.length} files`)
    write(files)
  }
  return {read, written, merged, warned: rowsWith(warnings), rejected, dryRun: o.dryRun, tables, warnings, errors, ...(recovered ? {recovered} : {})}
}
