/** The table already at the output path (and its provenance sidecar), to merge into. */
import {existsSync, readFileSync} from 'node:fs'
import {inputError} from '../errors.js'
import {readJsonFile} from '../io/json.js'
import {displayPath} from '../io/paths.js'
import {parseTableCsv} from '../io/tables.js'
import {assertValid} from '../schemas/validate.js'
import {columnsProblem} from './columns.js'
import type {Layout} from './layouts/types.js'
import {keyOf, type TableEntry} from './merge.js'
import {provenancePathOf, type ProvenanceSource, type TableProvenance} from './provenance.js'
import {insideRoot} from './write-atomic.js'

export interface ExistingTable {
  columns?: string[]
  entries: TableEntry[]
  sources: ProvenanceSource[]
  csvText?: string
  provenanceText?: string
}

export function readExistingTable(root: string, relPath: string, layout: Layout): ExistingTable {
  const file = insideRoot(root, relPath)
  if (!existsSync(file)) return {entries: [], sources: []}
  const label = displayPath(file)
  const csvText = readFileSync(file, 'utf8')
  const table = parseTableCsv(csvText, relPath, label)
  const problem = columnsProblem(layout, table.columns)
  if (problem) throw inputError(`${label} (existing table): ${problem}`)
  const provFile = insideRoot(root, provenancePathOf(relPath))
  let provenance: TableProvenance | undefined
  let provenanceText: string | undefined
  if (existsSync(provFile)) {
    provenanceText = readFileSync(provFile, 'utf8')
    provenance = assertValid<TableProvenance>('provenance', readJsonFile(provFile, 'provenance file'), `provenance file ${displayPath(provFile)}`)
  }
  const provByKey = new Map((provenance?.rows ?? []).map((r) => [r.key.map(String).join('|'), r]))
  const entries = table.rows.map((r) => {
    const key = keyOf(layout, r.values)
    return {
      values: r.values,
      prov: provByKey.get(key) ?? {key: layout.gridKeys.map((k) => r.values[k]), source: null},
      file: label,
      line: r.line,
      count: 1,
      fromExisting: true,
    }
  })
  return {columns: table.columns, entries, sources: provenance?.sources ?? [], csvText, provenanceText}
}
