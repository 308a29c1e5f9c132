/** One row of a kernel table, with its 1-based line number in the file. */
export interface TableRow {
  line: number
  values: Record<string, number | string>
}

/** One kernel table (one CSV under bench_data). */
export interface KernelTable {
  /** Path relative to the bench_data root, with forward slashes. */
  path: string
  columns: string[]
  rows: TableRow[]
}

/** Where a figure came from. `nearest` is the compat profile's nearest-point pick. */
export type ProvenanceKind = 'exact' | 'nearest' | 'interpolated' | 'extrapolated' | 'borrowed' | 'fallback'

export interface Provenance {
  kind: ProvenanceKind
  /** Table the value came from, relative to bench_data. */
  table?: string
  /** Line numbers of the rows used. */
  lines: number[]
  note?: string
}

export interface MfuLookup extends Provenance {
  value: number
  /** Bytes per weight of the kernel the value stands for, where not its table's (an FP8 kernel read off BF16 rows, src/sim/fp8-gemm.ts). */
  weightBytes?: number
}

/** A warning is data in the result, not a print. */
export interface SimWarning {
  code: string
  message: string
}

/** All loaded tables, by path relative to bench_data. */
export interface TableSet {
  root: string
  get(path: string): KernelTable | undefined
  has(path: string): boolean
  paths(): string[]
}

export function tableSetFrom(root: string, tables: Iterable<KernelTable>): TableSet {
  const byPath = new Map<string, KernelTable>()
  for (const t of tables) byPath.set(t.path, t)
  return {
    root,
    get: (p) => byPath.get(p),
    has: (p) => byPath.has(p),
    paths: () => [...byPath.keys()].sort(),
  }
}

export function num(row: TableRow, column: string): number {
  return row.values[column] as number
}
