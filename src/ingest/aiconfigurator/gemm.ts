/**
 * gemm_perf -> gemm/<gpu>/data.csv and gemm/<gpu>/bf16.csv (columns m,k,n,latency_us,mfu).
 *
 * fp8 and fp8_block (DeepGEMM) rows are one dtype for the simulator: the
 * faster of the two is kept per shape. data.csv, the table the compat
 * lookups read, is the fp8 table where the GPU has fp8 GEMM (InferSim's own
 * H20/H800 tables are fp8 DeepGEMM, MFU against the fp8 peak), else bf16.
 * The other dtype goes to <dtype>.csv; a dtype already held by data.csv is
 * not written twice (the default profile falls back from a missing
 * <dtype>.csv to data.csv), which keeps the repository small.
 * nvfp4 GEMMs (Blackwell) go to nvfp4.csv, MFU against the fp4 peak.
 * MFU = 2*m*k*n / (latency * peak of the GEMM's dtype).
 *
 * Shapes kept: k, n >= 128 (no layer of the models the simulator reads is
 * narrower) and m = 1..17 or even: the odd m above 17 (33, 49, 65, ...) are
 * AIConfigurator's tile+1 probes of the cliff just past a tile multiple,
 * which a lookup over a log grid cannot use; dropping them halves the tables.
 */
import {cellNumber, cellText, requireColumns, type AicRow} from './parquet.js'
import {dropAbovePeak, mfuOf, msToUs, sig} from './numbers.js'
import {provenanceOf} from './provenance.js'
import {fastestPerKey, type Candidate} from './select.js'
import {buildTable} from './table.js'
import type {MapOptions, MappedTable, SourceInfo} from './types.js'

type GemmClass = 'bf16' | 'fp8' | 'nvfp4'
const DTYPE_CLASS: Record<string, GemmClass> = {bfloat16: 'bf16', float16: 'bf16', fp8: 'fp8', fp8_block: 'fp8', nvfp4: 'nvfp4'}
/** The peak each class's MFU is computed against; undefined when the GPU has no such tensor cores. */
const peakOf = (cls: GemmClass, o: MapOptions) => (cls === 'fp8' ? o.peaks.fp8 : cls === 'nvfp4' ? o.peaks.fp4 : o.peaks.bf16)
const COLUMNS = ['m', 'k', 'n', 'latency_us', 'mfu']

interface GemmShape {
  m: number
  k: number
  n: number
}

export const SHAPE_FILTER = 'k >= 128 and n >= 128; m in 1..17 or even (odd tile+1 probes dropped)'
export const keptShape = (s: GemmShape) => s.k >= 128 && s.n >= 128 && (s.m <= 17 || s.m % 2 === 0)

export function mapGemm(rows: readonly AicRow[], src: SourceInfo, o: MapOptions): MappedTable[] {
  requireColumns(rows, ['gemm_dtype', 'm', 'n', 'k', 'latency', 'kernel_source'], src.file)
  const byClass = new Map<GemmClass, Candidate<GemmShape>[]>()
  const skipped = new Set<string>()
  rows.forEach((r, i) => {
    const dtype = cellText(r, 'gemm_dtype')
    const cls = DTYPE_CLASS[dtype]
    if (!cls || !peakOf(cls, o)) {
      skipped.add(dtype)
      return
    }
    const shape = {m: cellNumber(r, 'm', src.file, i), k: cellNumber(r, 'k', src.file, i), n: cellNumber(r, 'n', src.file, i)}
    if (!keptShape(shape)) return
    const list = byClass.get(cls) ?? []
    list.push({key: `${shape.m},${shape.k},${shape.n}`, latencyUs: msToUs(cellNumber(r, 'latency', src.file, i)), kernelSource: cellText(r, 'kernel_source'), item: shape})
    byClass.set(cls, list)
  })
  const filters = [SHAPE_FILTER, ...(skipped.size > 0 ? [`dtypes not modelled by the simulator skipped: ${[...skipped].sort().join(', ')}`] : [])]
  const compat = byClass.has('fp8') ? 'fp8' : 'bf16'
  const out: MappedTable[] = []
  for (const [cls, cands] of byClass) {
    const peak = peakOf(cls, o)!
    const sel = fastestPerKey(cands, o.kernelSource)
    const {rows: cells, note} = dropAbovePeak(
      sel.chosen.map(({item: s, latencyUs}) => [s.m, s.k, s.n, sig(latencyUs), sig(mfuOf(2 * s.m * s.k * s.n, latencyUs, peak))]),
      (c) => [c[c.length - 1] as number],
    )
    const dtypes = cls === 'fp8' ? 'gemm_dtype fp8 and fp8_block (faster per shape)' : `gemm_dtype ${cls === 'bf16' ? 'bfloat16' : cls}`
    const file = cls === compat ? 'data.csv' : `${cls}.csv`
    const why = cls === compat ? [`data.csv (compat lookups) holds the ${cls} table (${cls === 'fp8' ? "fp8 GEMM, as InferSim's own tables" : 'the only GEMM dtype measured'}); no separate ${cls}.csv`] : []
    out.push({
      dtype: cls,
      table: buildTable(`gemm/${o.gpuKey}/${file}`, COLUMNS, cells, ['k', 'n', 'm']),
      provenance: provenanceOf([src], sel, [dtypes, ...filters, ...why, ...note], cells.length, `2*m*k*n / (latency * ${peak} TFLOP/s ${cls} peak)`),
    })
  }
  return out
}
