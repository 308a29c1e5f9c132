/** Builds KernelTables (sorted, line-numbered as they will be written) and their CSV text. */
import type {KernelTable, TableRow} from '../../tables/types.js'

export type Cell = number | string

/** Rows sorted ascending by the given columns (the compat step lookups walk tables in file order). */
export function buildTable(path: string, columns: string[], rows: Cell[][], sortBy: string[]): KernelTable {
  const idx = sortBy.map((c) => columns.indexOf(c))
  const sorted = [...rows].sort((a, b) => {
    for (const i of idx) {
      const x = a[i]
      const y = b[i]
      if (x === y) continue
      if (typeof x === 'number' && typeof y === 'number') return x - y
      return String(x) < String(y) ? -1 : 1
    }
    return 0
  })
  const out: TableRow[] = sorted.map((cells, i) => {
    const values: Record<string, Cell> = {}
    columns.forEach((c, j) => (values[c] = cells[j]))
    return {line: i + 2, values}
  })
  return {path, columns, rows: out}
}

export function tableCsv(table: KernelTable): string {
  const lines = [table.columns.join(',')]
  for (const row of table.rows) lines.push(table.columns.map((c) => String(row.values[c])).join(','))
  return lines.join('\n') + '\n'
}
