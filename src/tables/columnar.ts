/**
 * A kernel table held as columns (as the table cache stores it): rows are
 * built only when asked for, one at a time or all at once, so a lookup that
 * groups a big table by a few columns and reads a handful of its rows never
 * builds the other thousands.
 */
import type {KernelTable, TableRow} from './types.js'

/** One column: numbers, or text (TEXT_COLUMNS of src/io/tables.ts). */
export type ColumnValues = ArrayLike<number> | readonly string[]

/**
 * Where the values of a table read lazily come from (src/io/lazy-copy.ts):
 * until asked for, a column's values read as 0. Column -1 is the lines.
 */
export interface ColumnSource {
  /** Makes rows [start, end) of a column hold their values. */
  ensure(column: number, start: number, end: number): void
  /** Makes row `row` of every column (and its line) hold its values. */
  ensureRow(row: number): void
}

export class ColumnarTable implements KernelTable {
  private built: (TableRow | undefined)[]
  private all?: TableRow[]

  constructor(
    readonly path: string,
    readonly columns: string[],
    /** 1-based line of each row in the CSV, or the first row's when rows are on consecutive lines. */
    private readonly lines: ArrayLike<number> | number,
    /** Values of each column, in `columns` order. */
    private readonly data: readonly ColumnValues[],
    /** Where each run of equal values starts, per column, where stored (sorted key columns). */
    private readonly runs: readonly (ArrayLike<number> | undefined)[] = [],
    readonly length: number = typeof lines === 'number' ? (data[0]?.length ?? 0) : lines.length,
    /** Where the values come from when they are read as used; absent: all are there. */
    private readonly source?: ColumnSource,
  ) {
    this.built = []
  }

  /** 1-based line of row `i` in the CSV. */
  line(i: number): number {
    if (typeof this.lines === 'number') return this.lines + i
    this.source?.ensure(-1, i, i + 1)
    return this.lines[i]
  }

  get rows(): TableRow[] {
    if (!this.all) {
      this.readRows(0, this.length)
      const rows = new Array<TableRow>(this.length)
      for (let i = 0; i < rows.length; i++) rows[i] = this.row(i)
      this.all = this.built = rows
    }
    return this.all
  }

  /** Row `i`, built on first use (the same object every time). */
  row(i: number): TableRow {
    let r = this.built[i]
    if (!r) {
      this.source?.ensureRow(i)
      const values: Record<string, number | string> = {}
      for (let c = 0; c < this.columns.length; c++) values[this.columns[c]] = this.data[c][i]
      this.built[i] = r = {line: this.line(i), values}
    }
    return r
  }

  /** Where each run of equal values of a column starts, when the table stores it. */
  runStarts(name: string): ArrayLike<number> | undefined {
    return this.runs[this.columns.indexOf(name)]
  }

  /** A column's values (undefined when the table has no such column). */
  column(name: string): ColumnValues | undefined {
    const c = this.columns.indexOf(name)
    if (c >= 0) this.source?.ensure(c, 0, this.length)
    return c < 0 ? undefined : this.data[c]
  }

  /** Makes rows [start, end) of every column hold their values (a table read as used reads them now, in one go per column). */
  readRows(start: number, end: number): void {
    if (this.source) for (let c = typeof this.lines === 'number' ? 0 : -1; c < this.columns.length; c++) this.source.ensure(c, start, end)
  }

  /**
   * A column whose rows [start, end) hold their values (undefined when the
   * table has no such column). Read only those rows of it: in a table read
   * as used, the others may not be read yet.
   */
  columnRows(name: string, start: number, end: number): ColumnValues | undefined {
    const c = this.columns.indexOf(name)
    if (c >= 0) this.source?.ensure(c, start, end)
    return c < 0 ? undefined : this.data[c]
  }
}

const rowColumns = new WeakMap<KernelTable, Map<string, number[]>>()

/** A numeric column of any table: a columnar table's own array, else read off its rows (once). */
export function numericColumn(table: KernelTable, name: string): ArrayLike<number> {
  // A column the table lacks reads as undefined, as in its rows.
  if (table instanceof ColumnarTable) return (table.column(name) ?? new Array(table.length)) as ArrayLike<number>
  let byName = rowColumns.get(table)
  if (!byName) rowColumns.set(table, (byName = new Map()))
  let values = byName.get(name)
  if (!values) byName.set(name, (values = table.rows.map((r) => r.values[name] as number)))
  return values
}

/** Row `i` of any table, without building the others when the table is columnar. */
export const rowAt = (table: KernelTable, i: number): TableRow => (table instanceof ColumnarTable ? table.row(i) : table.rows[i])

/** Number of rows, without building them. */
export const rowCount = (table: KernelTable): number => (table instanceof ColumnarTable ? table.length : table.rows.length)

/** The table as plain data (its rows built), e.g. to post to a worker thread. */
export const plainTable = (table: KernelTable): KernelTable => ({path: table.path, columns: table.columns, rows: table.rows})
