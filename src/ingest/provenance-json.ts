/** Sidecar JSON text: readable and diffable, one row per line. */
import {joinLines, mapIterable} from '../util/arrays.js'
import type {ProvenanceRow, TableProvenance} from './provenance.js'

/** The text of a provenance sidecar; `rows` may be made one at a time, so that a million rows are never all held as objects. */
export function provenanceJson(p: Omit<TableProvenance, 'rows'> & {rows: Iterable<ProvenanceRow>}): string {
  const {rows, ...head} = p
  const headText = JSON.stringify(head, null, 2)
  return `${headText.slice(0, -2)},\n  "rows": [\n${joinLines(mapIterable(rows, (r) => `    ${JSON.stringify(r)}`), ',\n')}\n  ]\n}\n`
}
