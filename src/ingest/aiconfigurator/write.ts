/**
 * Checks the imported tables with ingest's row validation (physics, MFU
 * recomputed from latency and the GPU's peak) and writes them, with their
 * provenance sidecars, in one atomic step. An import replaces the tables it
 * produces (it is a whole-table source, like `ingest --fresh`).
 *
 * Sidecars list the sources (file, SHA-256, license, what was kept and why)
 * but no per-row entries: every row of an imported table has the same
 * source, and per-row records would be five times the tables' size.
 */
import {existsSync, readFileSync} from 'node:fs'
import {inputError} from '../../errors.js'
import {findGpu, type GpuSpec} from '../../hardware/gpu.js'
import {sortForTable, tableCsv} from '../format.js'
import {provenancePathOf, sourceId, type ProvenanceSource, type TableProvenance} from '../provenance.js'
import {provenanceJson} from '../provenance-json.js'
import {hintsFromPath, resolveTarget} from '../target.js'
import {where, type IngestRow, type Issue} from '../types.js'
import {validateRows} from '../validate/rows.js'
import {insideRoot, writeFilesAtomic, type FileToWrite} from '../write-atomic.js'
import {assertValid} from '../../schemas/validate.js'
import type {MappedTable} from './types.js'
import {parseJson} from '../../io/json.js'

export interface WriteOptions {
  out: string
  gpus: readonly GpuSpec[]
  dryRun?: boolean
  /** Write the valid rows when some are rejected (otherwise nothing is written). */
  skipInvalid?: boolean
  now?: Date
}

export interface WrittenTable {
  path: string
  gpu: string
  rows: number
  bytes: number
}

export interface WriteSummary {
  tables: WrittenTable[]
  rows: number
  bytes: number
  rejected: number
  /** Warnings by code, with a count and the first message (one import can raise thousands). */
  warnings: {code: string; count: number; example: string}[]
  errors: Issue[]
  dryRun: boolean
}

export function writeImportedTables(mapped: readonly MappedTable[], o: WriteOptions): WriteSummary {
  const now = (o.now ?? new Date()).toISOString()
  const files: FileToWrite[] = []
  const tables: WrittenTable[] = []
  const warnings = new Map<string, {code: string; count: number; example: string}>()
  const errors: Issue[] = []
  let rejected = 0
  for (const m of mapped) {
    const target = resolveTarget({}, hintsFromPath(m.table.path), m.table.path)
    const display = `${m.provenance.inputs.map((i) => i.file).join(' + ')} -> ${m.table.path}`
    const source = {display, recorded: m.provenance.inputs[0]?.file ?? '', sha256: m.provenance.inputs[0]?.sha256 ?? ''}
    const rows: IngestRow[] = m.table.rows.map((r) => ({
      target: m.dtype ? {...target, stemDtype: target.stemDtype ?? m.dtype} : target,
      values: r.values,
      mfuDecimals: {},
      source,
      line: r.line,
    }))
    const checked = validateRows(rows, o.gpus, false)
    rejected += checked.rejected.length
    for (const issue of checked.issues) {
      if (issue.severity === 'error') errors.push(issue)
      else {
        const w = warnings.get(issue.code) ?? {code: issue.code, count: 0, example: `${where(issue)}: ${issue.message}`}
        w.count++
        warnings.set(issue.code, w)
      }
    }
    const values = sortForTable(target.layout, checked.valid.map((r) => r.values), (v) => v)
    const csv = tableCsv(m.table.columns, values)
    const provenance: TableProvenance = {
      table: m.table.path,
      layout: target.layout.id,
      gpu: findGpu(o.gpus, target.gpu)?.name ?? target.gpu,
      gridKeys: target.layout.gridKeys,
      sources: sourcesOf(m, now, previousSources(o.out, m.table.path)),
      rows: [],
    }
    assertValid('provenance', provenance, `provenance of ${m.table.path}`)
    files.push({rel: m.table.path, content: csv}, {rel: provenancePathOf(m.table.path), content: provenanceJson(provenance)})
    tables.push({path: m.table.path, gpu: target.gpu, rows: values.length, bytes: Buffer.byteLength(csv)})
  }
  if (errors.length > 0 && !o.skipInvalid) {
    const shown = errors.slice(0, 10).map((e) => `  ${where(e)}: ${e.message}`)
    throw inputError(`${errors.length} invalid rows in the imported tables; nothing was written (--skip-invalid writes the valid rows):\n${shown.join('\n')}`)
  }
  if (!o.dryRun && files.length > 0) writeFilesAtomic(o.out, files)
  return {
    tables,
    rows: tables.reduce((s, t) => s + t.rows, 0),
    bytes: tables.reduce((s, t) => s + t.bytes, 0),
    rejected,
    warnings: [...warnings.values()],
    errors,
    dryRun: o.dryRun ?? false,
  }
}

/** A source ingested before with the same content keeps its first ingestion time (re-imports are byte-identical). */
function previousSources(out: string, tablePath: string): ProvenanceSource[] {
  const file = insideRoot(out, provenancePathOf(tablePath))
  if (!existsSync(file)) return []
  try {
    return (parseJson(readFileSync(file, 'utf8')) as TableProvenance).sources ?? []
  } catch {
    return []
  }
}

function sourcesOf(m: MappedTable, now: string, previous: readonly ProvenanceSource[]): ProvenanceSource[] {
  const p = m.provenance
  const kernels = Object.entries(p.kernelSources)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, n]) => `${k} (${n} rows)`)
    .join(', ')
  const origin = [`${p.source}; ${p.framework} ${p.version} on ${p.device}`, p.selection, ...p.filters, ...(p.mfu ? [`mfu = ${p.mfu}`] : [])].join('; ')
  return p.inputs.map((input) => ({
    id: sourceId(input),
    file: input.file,
    sha256: input.sha256,
    ingestedAt: previous.find((s) => s.sha256 === input.sha256)?.ingestedAt ?? now,
    license: p.license,
    origin,
    ...(kernels ? {library: kernels} : {}),
    libraryVersion: `${p.framework} ${p.version}`.trim(),
  }))
}
