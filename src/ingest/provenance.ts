/** The provenance sidecar of a table: `<table>.provenance.json` next to `<table>.csv`. */
import type {LayoutId} from './layouts/types.js'
import type {MfuCheck, SourceInfo, SourceNotes, ValidRow} from './types.js'

export interface ProvenanceSource extends SourceNotes {
  id: string
  file: string
  sha256: string
  ingestedAt: string
}

export interface ProvenanceRow {
  key: (number | string)[]
  source: string | null
  line?: number
  mfu?: Record<string, {stated?: number; recomputed?: number; used: 'stated' | 'recomputed'}>
  note?: string
  meta?: Record<string, string | number>
}

export interface TableProvenance {
  table: string
  layout: LayoutId
  gpu: string
  gridKeys: string[]
  sources: ProvenanceSource[]
  rows: ProvenanceRow[]
}

export const provenancePathOf = (tablePath: string) => tablePath.replace(/\.csv$/, '.provenance.json')

export const sourceId = (s: {sha256: string}) => s.sha256.slice(0, 12)

const sig = (x: number) => Number(x.toPrecision(6))

function mfuEntry(checks: MfuCheck[]): ProvenanceRow['mfu'] {
  if (checks.length === 0) return undefined
  const out: NonNullable<ProvenanceRow['mfu']> = {}
  for (const c of checks) {
    out[c.column] = {used: c.used}
    if (c.stated !== undefined) out[c.column].stated = c.stated
    if (c.recomputed !== undefined) out[c.column].recomputed = sig(c.recomputed)
  }
  return out
}

export function rowProvenance(row: ValidRow, gridKeys: readonly string[]): ProvenanceRow {
  const p: ProvenanceRow = {key: gridKeys.map((k) => row.values[k]), source: sourceId(row.source), line: row.line}
  const mfu = mfuEntry(row.mfuChecks)
  if (mfu) p.mfu = mfu
  if (row.meta) p.meta = row.meta
  return p
}

/** A source entry; keeps the first ingestion time of a file already recorded with the same content. */
export function sourceEntry(s: SourceInfo, now: string, previous?: ProvenanceSource): ProvenanceSource {
  const e: ProvenanceSource = {id: sourceId(s), file: s.recorded, sha256: s.sha256, ingestedAt: previous?.ingestedAt ?? now}
  if (s.license) e.license = s.license
  if (s.origin) e.origin = s.origin
  if (s.library) e.library = s.library
  if (s.libraryVersion) e.libraryVersion = s.libraryVersion
  if (s.command) e.command = s.command
  if (s.columnsGiven) e.columnsGiven = s.columnsGiven
  if (s.assumedDtype) e.assumedDtype = s.assumedDtype
  if (s.timing) e.timing = s.timing
  if (s.cpuTimings) e.cpuTimings = s.cpuTimings
  return e
}
