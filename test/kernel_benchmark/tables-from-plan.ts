/**
 * Writes a bench_data folder holding one row per planned measurement, with
 * placeholder values (MFU 0.5, latency 1 µs), in the layout the simulator
 * reads. Simulating against it shows which lookups the plan covers: a
 * lookup the plan measured hits its row exactly; one it missed falls back or
 * lands on a neighbour.
 *
 * Communication rows get a latency unique to their GPU count and size
 * (commLatencyUs), so that a collective read exactly off a planned row is
 * told apart from an interpolation between rows or GPU counts. Every
 * collective table the simulator can read also gets far-away background rows
 * (1 and 65536 GPUs, 1 byte and 1 PiB): a collective the plan missed then
 * still reads the table (off the background) instead of silently using the
 * formula, and shows as missed.
 *
 * Each row remembers which simulator steps the plan made it for (its
 * records' `uses`), so that a lookup between rows can be told to be between
 * rows planned for that very step (a fractional count, which no kernel can be
 * timed at) or not.
 */
import {mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'

export interface PlanRecord {
  planned: true
  kernel: string
  phase?: string
  gpu: string
  dtype: string
  kv_dtype?: string
  shape: Record<string, number>
  table: string
  role: 'lookup' | 'grid'
  uses?: string[]
}

interface Table {
  columns: string[]
  rows: (string | number)[][]
  sortBy: number[]
}

const MOE_KEYS = ['num_experts', 'num_gpus', 'num_local_experts', 'topk', 'hidden_size', 'intermediate_size']

/** Every collective the simulator can read a table for (src/tables/comm-lookup.ts CollectiveOp). */
export const COMM_OPS = ['allreduce', 'allgather', 'reduce_scatter', 'alltoall', 'deepep_ll_dispatch', 'deepep_ll_combine', 'deepep_normal_dispatch', 'deepep_normal_combine']
const BACKGROUND_GPUS = [1, 65536]
const BACKGROUND_BYTES = [1, 2 ** 50]
export const BACKGROUND_US = 1e9
/** Placeholder latency of a planned collective: neither log-log interpolation in size nor a log blend of GPU counts lands on it. */
export const commLatencyUs = (gpus: number, bytes: number) => (1 + bytes / 1000) * (1 + gpus / 16)

/** What the simulation is checked against: per table, line number -> what the plan put there. */
export interface PlanTables {
  /** GDN tables: each line's first column (batch or sequence length); comm tables: each line's latency (µs). */
  lineValues: Map<string, Map<number, number>>
  /** Every table: the simulator steps ("<profile> <phase> <step>") each line was planned for (empty for grid points). */
  lineUses: Map<string, Map<number, Set<string>>>
}

/** Table path the simulator reads for a record (the one the plan names), and the row it adds there. */
function placement(r: PlanRecord): {paths: string[]; columns: string[]; row: (string | number)[]; sortBy: number[]} | undefined {
  const s = r.shape
  switch (r.kernel) {
    case 'gemm':
      return {paths: [r.table], columns: ['m', 'k', 'n', 'latency_us', 'mfu'], row: [s.m, s.k, s.n, 1, 0.5], sortBy: [1, 2, 0]}
    case 'attention':
    case 'mla':
      return r.phase === 'decode'
        ? {paths: [r.table], columns: ['dtype', 'kv_dtype', 'batch_size', 'kv_len', 'latency_us', 'mfu'], row: [r.dtype, r.kv_dtype!, s.batch_size, s.kv_len, 1, 0.5], sortBy: [2, 3]}
        : {paths: [r.table], columns: ['dtype', 'seq_len', 'latency_us', 'mfu'], row: [r.dtype, s.seq_len, 1, 0.5], sortBy: [1]}
    case 'grouped_gemm': {
      const tokens = r.phase === 'decode' ? 'batch_size_per_gpu' : 'seq_len_per_gpu'
      const columns = [...MOE_KEYS, tokens, 'tokens_per_expert', 'up_proj_us', 'up_mfu', 'down_proj_us', 'down_mfu']
      const row = [...MOE_KEYS.map((k) => s[k]), s[tokens], s.tokens_per_expert, 1, 0.5, 1, 0.5]
      return {paths: [r.table], columns, row, sortBy: [6]}
    }
    case 'dsa_attn':
      return r.phase === 'decode'
        ? {paths: [r.table], columns: ['dtype', 'kv_dtype', 'batch_size', 'kv_len', 'latency_us', 'mfu'], row: [r.dtype, r.kv_dtype!, s.batch_size, s.kv_len, 1, 0.5], sortBy: [2, 3]}
        : {paths: [r.table], columns: ['dtype', 's_q', 's_kv', 'latency_us', 'mfu'], row: [r.dtype, s.s_q, s.s_kv, 1, 0.5], sortBy: [1, 2]}
    case 'dsa_logits':
      return r.phase === 'decode'
        ? {paths: [r.table], columns: ['batchsize', 'next_n', 's_kv', 'latency_us', 'mfu'], row: [s.batchsize, s.next_n, s.s_kv, 1, 0.5], sortBy: [0, 2]}
        : {paths: [r.table], columns: ['s_q', 's_kv', 'latency_us', 'mfu'], row: [s.s_q, s.s_kv, 1, 0.5], sortBy: [0, 1]}
    case 'gdn':
      return r.phase === 'decode'
        ? {paths: [r.table], columns: ['batchsize', 'conv', 'gdn_update'], row: [s.batchsize, 1, 1], sortBy: [0]}
        : {paths: [r.table], columns: ['seq_len', 'conv', 'chunk_gdn'], row: [s.seq_len, 1, 1], sortBy: [0]}
    default:
      if (!COMM_OPS.includes(r.kernel)) return undefined
      return {paths: [r.table], columns: ['num_gpus', 'message_bytes', 'latency_us'], row: [s.num_gpus, s.message_bytes, commLatencyUs(s.num_gpus, s.message_bytes)], sortBy: [0, 1]}
  }
}

function backgroundRows(gpu: string): [string, (string | number)[][]][] {
  const rows = BACKGROUND_GPUS.flatMap((g) => BACKGROUND_BYTES.map((b) => [g, b, BACKGROUND_US]))
  return COMM_OPS.map((op) => [`comm/${gpu}/${op}.csv`, rows])
}

/** Writes the tables; returns what each line holds and which steps it was planned for. */
export function writeTablesFromPlan(dir: string, records: PlanRecord[]): PlanTables {
  const tables = new Map<string, Table & {keys: Map<string, Set<string>>}>()
  const add = (file: string, columns: string[], sortBy: number[], row: (string | number)[], uses: readonly string[] = []) => {
    const t = tables.get(file) ?? {columns, rows: [], sortBy, keys: new Map<string, Set<string>>()}
    const key = row.join(',')
    if (!t.keys.has(key)) {
      t.rows.push(row)
      t.keys.set(key, new Set())
    }
    for (const u of uses) t.keys.get(key)!.add(u)
    tables.set(file, t)
  }
  for (const gpu of new Set(records.map((r) => r.gpu.toLowerCase()))) {
    for (const [file, rows] of backgroundRows(gpu)) for (const row of rows) add(file, ['num_gpus', 'message_bytes', 'latency_us'], [0, 1], row)
  }
  for (const r of records) {
    const p = placement(r)
    if (!p) continue
    for (const file of new Set(p.paths)) add(file, p.columns, p.sortBy, p.row, r.uses)
  }
  const lineValues = new Map<string, Map<number, number>>()
  const lineUses = new Map<string, Map<number, Set<string>>>()
  for (const [file, t] of tables) {
    t.rows.sort((a, b) => {
      for (const i of t.sortBy) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number)
      return 0
    })
    mkdirSync(path.dirname(path.join(dir, file)), {recursive: true})
    writeFileSync(path.join(dir, file), [t.columns.join(','), ...t.rows.map((r) => r.join(','))].join('\n') + '\n')
    lineUses.set(file, new Map(t.rows.map((r, i) => [i + 2, t.keys.get(r.join(','))!])))
    if (file.startsWith('gdn/')) lineValues.set(file, new Map(t.rows.map((r, i) => [i + 2, r[0] as number])))
    if (file.startsWith('comm/')) lineValues.set(file, new Map(t.rows.map((r, i) => [i + 2, r[2] as number])))
  }
  return {lineValues, lineUses}
}
