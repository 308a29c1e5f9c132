/** Synthetic AIConfigurator rows and map options for the mapper tests. */
import type {AicRow} from '../../../src/ingest/aiconfigurator/parquet.js'
import type {MapOptions, SourceInfo} from '../../../src/ingest/aiconfigurator/types.js'
import type {KernelTable} from '../../../src/tables/types.js'

export const SRC: SourceInfo = {file: 'systems/test_gpu/x/sglang/0.5.14/t.parquet', sha256: 'a'.repeat(64), framework: 'SGLang', version: '0.5.14', device: 'Test GPU'}

export const OPTIONS: MapOptions = {gpuKey: 'test-gpu', peaks: {bf16: 1000, fp8: 2000}, moeDistribution: 'balanced', prefillTokens: 4096, gpusPerNode: 8}

/** Rows as hyparquet returns them: integer columns as bigint, so the mappers' conversions are exercised. */
export function rows(defaults: Record<string, number | string>, list: Record<string, number | string>[]): AicRow[] {
  return list.map((r) => {
    const out: AicRow = {}
    for (const [k, v] of Object.entries({...defaults, ...r})) out[k] = typeof v === 'number' && Number.isInteger(v) && k !== 'latency' ? BigInt(v) : v
    return out
  })
}

export function table(mapped: {table: KernelTable}[], path: string): KernelTable {
  const t = mapped.find((m) => m.table.path === path)
  if (!t) throw new Error(`no table ${path}; got ${mapped.map((m) => m.table.path).join(', ')}`)
  return t.table
}

export const values = (t: KernelTable) => t.rows.map((r) => r.values)

/** Relative closeness at the 4 significant digits the tables are written with. */
export const close = (a: number, b: number) => Math.abs(a - b) <= 5e-4 * Math.abs(b)
