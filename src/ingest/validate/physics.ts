/** Checks one row's values make physical sense: known dtypes, positive grid keys, positive latencies, MFU in [0, 1]. */
import {TEXT_COLUMNS} from '../columns.js'
import {latencyColumnsOf} from '../layouts/types.js'
import {isDtype, isKvDtype} from '../names.js'
import type {IngestRow, Issue} from '../types.js'
import {issueAt} from '../types.js'
import {quoteText} from '../../util/quote.js'

export function physicsIssues(row: IngestRow): Issue[] {
  const {layout} = row.target
  const file = row.source.display
  const out: Issue[] = []
  const err = (code: string, message: string, column?: string) => out.push(issueAt('error', code, file, row.line, message, column))
  const v = row.values
  if (v.dtype !== undefined && !isDtype(String(v.dtype))) err('dtype', `dtype ${quoteText(String(v.dtype))} is not a known dtype (bf16, fp16, fp8, fp8_block, int8, int4, nvfp4, fp32)`, 'dtype')
  if (v.kv_dtype !== undefined && !isKvDtype(String(v.kv_dtype))) err('dtype', `kv_dtype ${quoteText(String(v.kv_dtype))} is not a known KV dtype (bf16, fp16, fp8)`, 'kv_dtype')
  for (const [col, value] of Object.entries(v)) {
    if (TEXT_COLUMNS.has(col)) continue
    if (typeof value !== 'number' || !Number.isFinite(value)) err('not-a-number', `column "${col}": ${String(value)} is not a finite number`, col)
  }
  if (out.length > 0) return out
  for (const key of layout.gridKeys) {
    if (TEXT_COLUMNS.has(key)) continue
    if ((v[key] as number) <= 0) err('non-positive-key', `column "${key}": ${v[key]} should be > 0`, key)
  }
  const columns = Object.keys(v)
  for (const col of latencyColumnsOf(layout, columns)) {
    if ((v[col] as number) <= 0) err('latency', `column "${col}": latency ${v[col]} µs should be > 0`, col)
  }
  for (const {column} of layout.mfuColumns) {
    const mfu = v[column]
    if (mfu === undefined) continue
    if ((mfu as number) < 0) err('mfu-range', `column "${column}": MFU ${mfu} is negative`, column)
    if ((mfu as number) > 1) err('mfu-range', `column "${column}": MFU ${mfu} is above 1 (more than the GPU's peak)`, column)
  }
  if (layout.folder === 'grouped_gemm' && (v.tokens_per_expert as number) < 0) err('non-positive-key', `column "tokens_per_expert": ${v.tokens_per_expert} should be >= 0`, 'tokens_per_expert')
  return out
}
