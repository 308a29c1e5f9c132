/**
 * A kernel table's CSV read straight into rows, when it is plain: LF or
 * CRLF lines, no blank line, no quote, no space around a cell, every cell
 * present. The bundled tables are such files, and a start-up parses its
 * small ones at every run: read without a string per line and an array
 * per row, a table leaves less garbage, and a start-up's scavenges (each
 * copying what is alive into memory the process touches for the first
 * time) come later or not at all. A number is read by Number() from its
 * own cell, as the general reader reads it: a loop over characters in
 * JavaScript, this hot at start-up, would be compiled by the optimizing
 * compiler, which costs more than it saves. Anything else gives undefined,
 * and the general reader (src/io/tables.ts) reads the text, with its errors.
 *
 * @example
 * parsePlainTable('m,k\n1,2.5\n', 't.csv', new Set())
 * // {path: 't.csv', columns: ['m', 'k'], rows: [{line: 2, values: {m: 1, k: 2.5}}]}
 */
import type {KernelTable, TableRow} from '../tables/types.js'

const RETURN = 13
const SPACE = 32

/** The table in a plain CSV text; undefined when the text is not plain or its first line is no header. */
export function parsePlainTable(text: string, relPath: string, textColumns: ReadonlySet<string>): KernelTable | undefined {
  if (text.charCodeAt(0) === 0xfeff || text.includes('"')) return undefined
  const headEnd = text.indexOf('\n')
  if (headEnd < 0) return undefined
  const head = text.slice(0, text.charCodeAt(headEnd - 1) === RETURN ? headEnd - 1 : headEnd)
  if (head === '' || head.includes('\r') || head.includes(' ') || head.includes('\t')) return undefined
  const columns = head.split(',')
  if (columns.some((c) => c === '' || /^-?\d+(\.\d+)?$/.test(c))) return undefined
  const isText = columns.map((c) => textColumns.has(c))
  const last = columns.length - 1
  // A text cell equal to the one above it is that string again: a table repeats its dtypes on every row.
  const lastText: (string | undefined)[] = new Array(columns.length)
  const rows: TableRow[] = []
  let at = headEnd + 1
  let line = 2
  while (at < text.length) {
    let lineEnd = text.indexOf('\n', at)
    if (lineEnd < 0) lineEnd = text.length
    const end = lineEnd > at && text.charCodeAt(lineEnd - 1) === RETURN ? lineEnd - 1 : lineEnd
    if (end === at) return undefined
    const values: Record<string, number | string> = {}
    let start = at
    for (let c = 0; c < columns.length; c++) {
      const comma = text.indexOf(',', start)
      const hasComma = comma >= 0 && comma < end
      // Every cell but the last ends at a comma on its line; the last at the line's end.
      if (c < last ? !hasComma : hasComma) return undefined
      const stop = c < last ? comma : end
      if (stop === start || text.charCodeAt(start) <= SPACE || text.charCodeAt(stop - 1) <= SPACE) return undefined
      if (isText[c]) {
        const previous = lastText[c]
        if (previous !== undefined && previous.length === stop - start && text.startsWith(previous, start)) values[columns[c]] = previous
        else {
          const cell = text.slice(start, stop)
          if (cell.includes('\r')) return undefined
          values[columns[c]] = lastText[c] = cell
        }
      } else {
        const v = Number(text.slice(start, stop))
        if (!Number.isFinite(v)) return undefined
        values[columns[c]] = v
      }
      start = stop + 1
    }
    rows.push({line, values})
    line++
    at = lineEnd + 1
  }
  return {path: relPath, columns, rows}
}
