/** Turning a grid estimate into an MfuLookup with its provenance. */
import type {GemmDtype, LookupEnv} from '../resolver.js'
import type {MfuLookup, TableSet} from '../types.js'
import type {Estimate, Quantity} from './kernel-grid.js'

const EXTRAPOLATED_NOTE = 'outside the measured grid: boundary utilisation held, rescaled by the query roofline'

export function lookupOf(e: Estimate, table: string, quantity: Quantity): MfuLookup {
  if (e.exact) return {value: e.value, kind: 'exact', table, lines: e.lines}
  if (e.extrapolated) return {value: e.value, kind: 'extrapolated', table, lines: e.lines, note: EXTRAPOLATED_NOTE}
  return {value: e.value, kind: 'interpolated', table, lines: e.lines, note: `log2 blend of ${quantity}`}
}

export function borrowedLookup(value: number, table: string, lines: number[], from: string): MfuLookup {
  return {value, kind: 'borrowed', table, lines, note: `borrowed from ${from}, utilisation rescaled by the query roofline`}
}

/**
 * Tables a GEMM-based lookup of each dtype reads, in order: 4-bit formats fall
 * back to the table of the math they run (nvfp4: fp8 as the nearest low-precision
 * tensor-core table; weight-only int4: bf16), then to the path asked for.
 */
const DTYPE_CHAIN: Record<GemmDtype, GemmDtype[]> = {bf16: ['bf16'], fp8: ['fp8'], nvfp4: ['nvfp4', 'fp8'], int4: ['int4', 'bf16']}

/**
 * The table a GEMM-based lookup of this dtype reads: <folder>/<dtype>.csv
 * (per-dtype GEMM and MoE tables) when present, else the path asked for.
 */
export function dtypeTablePath(tables: TableSet, path: string, env: LookupEnv): string {
  for (const dtype of env.gemmDtype ? DTYPE_CHAIN[env.gemmDtype] : []) {
    const typed = typedPath(path, dtype)
    if (tables.has(typed)) return typed
  }
  return path
}

const typedPaths = new Map<string, string>()

function typedPath(path: string, dtype: string): string {
  const key = `${dtype}|${path}`
  let typed = typedPaths.get(key)
  if (typed === undefined) typedPaths.set(key, (typed = path.replace(/[^/]*$/, `${dtype}.csv`)))
  return typed
}

/** log2 distance between two positive sizes. */
export const logDistance = (a: number, b: number) => Math.abs(Math.log2(a / b))
