/** Sidecar JSON text: readable and diffable, one row per line. */
import type {TableProvenance} from './provenance.js'

export function provenanceJson(p: TableProvenance): string {
  const {rows, ...head} = p
  const headText = JSON.stringify(head, null, 2)
  const rowsText = rows.map((r) => `    ${JSON.stringify(r)}`).join(',\n')
  return `${headText.slice(0, -2)},\n  "rows": [\n${rowsText}\n  ]\n}\n`
}
