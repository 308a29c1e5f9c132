/** Maps one JSONL measurement record to the table row it adds (see raw-measurement.schema.json). */
import {findLayout} from '../layouts/catalog.js'
import {stemFromShape} from '../layouts/stem.js'
import type {Layout, LayoutFolder} from '../layouts/types.js'
import {gpuFolderName, unsafeNameReason} from '../names.js'
import type {RawMeasurement} from '../record.js'
import {makeTarget} from '../target.js'
import type {IngestRow, SourceInfo} from '../types.js'
import {quoteText} from '../../util/quote.js'

const FOLDER_OF: Record<RawMeasurement['kernel'], LayoutFolder> = {
  gemm: 'gemm',
  attention: 'mha',
  mla: 'mla',
  grouped_gemm: 'grouped_gemm',
  gdn: 'gdn',
  dsa_attn: 'dsa',
  dsa_logits: 'dsa',
  allreduce: 'comm',
  allgather: 'comm',
  reduce_scatter: 'comm',
  alltoall: 'comm',
  deepep_ll_dispatch: 'comm',
  deepep_ll_combine: 'comm',
  deepep_normal_dispatch: 'comm',
  deepep_normal_combine: 'comm',
}

function layoutOf(rec: RawMeasurement): Layout | string {
  const folder = FOLDER_OF[rec.kernel]
  const phased = folder !== 'gemm' && folder !== 'comm'
  if (phased && !rec.phase) return `a ${rec.kernel} record needs "phase" (decode or prefill)`
  const prefix = rec.kernel === 'dsa_attn' ? 'attn-' : rec.kernel === 'dsa_logits' ? 'logits-' : ''
  return findLayout(folder, phased ? rec.phase : undefined, prefix) ?? `no table layout for ${rec.kernel} ${rec.phase ?? ''}`
}

/** GEMM tables are per dtype (gemm/<gpu>/<dtype>.csv); grouped GEMM fp8 goes to data.csv, the reference's DeepGEMM table. */
function stemOf(layout: Layout, rec: RawMeasurement): string | undefined {
  if (layout.stem.kind === 'op') return rec.kernel
  if (layout.folder === 'grouped_gemm') return rec.dtype === 'fp8' ? 'data' : rec.dtype
  if (layout.stem.kind === 'dtype') return rec.dtype
  return stemFromShape(layout, rec.shape)
}

function valuesOf(layout: Layout, rec: RawMeasurement): Record<string, number | string> | string {
  const values: Record<string, number | string> = {}
  const shape = rec.shape
  const keys = layout.openLatencyParts ? layout.columns : layout.gridKeys
  for (const key of keys) {
    if (key === 'dtype') values.dtype = rec.dtype
    else if (key === 'kv_dtype') values.kv_dtype = rec.kv_dtype ?? (rec.dtype === 'fp8' ? 'fp8' : 'bf16')
    else if (shape[key] === undefined) return `shape.${key} is missing (a ${layout.id} record needs ${keys.filter((k) => k !== 'dtype' && k !== 'kv_dtype').join(', ')})`
    else values[key] = shape[key]
  }
  if (layout.openLatencyParts) {
    const parts = Object.entries(rec.parts ?? {})
    if (parts.length === 0) return `a ${layout.id} record needs "parts": the latency (µs) of each sub-kernel`
    for (const [name, us] of parts) values[name] = us
    return values
  }
  if (layout.folder === 'grouped_gemm') {
    const up = rec.parts?.up_proj_us
    const down = rec.parts?.down_proj_us
    if (up === undefined || down === undefined) return 'a grouped_gemm record needs parts.up_proj_us and parts.down_proj_us'
    const tokens = values[layout.workAxes[0]] as number
    values.tokens_per_expert = shape.tokens_per_expert ?? Math.round((tokens * shape.num_gpus * shape.topk) / shape.num_experts)
    values.up_proj_us = up
    values.down_proj_us = down
    return values
  }
  values.latency_us = rec.latency_us
  if (rec.mfu !== undefined && layout.mfuColumns.length > 0) values.mfu = rec.mfu
  return values
}

function metaOf(rec: RawMeasurement): Record<string, string | number> | undefined {
  const meta: Record<string, string | number> = {}
  if (rec.backend) meta.backend = rec.backend
  if (rec.time) meta.time = rec.time
  for (const k of ['library', 'library_version', 'gpu_name', 'driver', 'cuda'] as const) {
    const v = rec.env?.[k]
    if (v !== undefined) meta[k] = v
  }
  for (const k of ['repeats', 'timer', 'copies'] as const) {
    const v = rec.stats?.[k]
    if (typeof v === 'number' || typeof v === 'string') meta[k] = v
  }
  for (const k of ['device', 'fp8_recipe', 'moe_routing'] as const) {
    const v = rec.env?.[k]
    if (v !== undefined) meta[k] = v
  }
  return Object.keys(meta).length > 0 ? meta : undefined
}

/** The row a record adds, or why it cannot be placed in a table. */
export function recordToRow(rec: RawMeasurement, source: SourceInfo, line: number): IngestRow | string {
  const layout = layoutOf(rec)
  if (typeof layout === 'string') return layout
  const gpu = gpuFolderName(rec.gpu)
  const unsafe = unsafeNameReason(gpu)
  if (unsafe) return `gpu ${quoteText(rec.gpu)} cannot be used as a folder name: ${unsafe}`
  const stem = stemOf(layout, rec)
  if (!stem) return `shape needs ${layout.stem.kind === 'shape' ? layout.stem.parts.join(', ') : 'its key fields'} to name the table`
  const values = valuesOf(layout, rec)
  if (typeof values === 'string') return values
  const shape: Record<string, number> = {}
  if (layout.stem.kind === 'shape') for (const p of layout.stem.parts) shape[p] = rec.shape[p]
  // a sliding-window kernel (attention): the window names the table and counts the FLOPs
  if (layout.stem.kind === 'shape' && layout.stem.window && rec.shape.window !== undefined) shape.window = rec.shape.window
  const stemDtype = layout.stem.kind === 'dtype' ? rec.dtype : undefined
  const mfuDecimals: Record<string, number> = {}
  if (typeof values.mfu === 'number') mfuDecimals.mfu = 12
  const hints = rec.shape.v_head_dim !== undefined ? {v_head_dim: rec.shape.v_head_dim} : undefined
  return {
    target: makeTarget(layout, gpu, stem, shape, stemDtype),
    values,
    mfuDecimals,
    source,
    line,
    meta: metaOf(rec),
    flopsHints: hints,
  }
}
