/**
 * `tables score` derives each leave-one-out grid from the table's own grid
 * (leaveOut) instead of rebuilding it per hidden point. The derived grid must
 * answer exactly as a grid rebuilt from the other rows, for every quantity,
 * or the scores would change meaning.
 */
import {describe, expect, it} from 'vitest'
import {loadTableSet} from '../../src/io/tables.js'
import {attentionConfig, decodeModel, prefillModel} from '../../src/tables/interpolate/attention-model.js'
import {gemmModel} from '../../src/tables/interpolate/gemm.js'
import {groupedGemmWork} from '../../src/tables/interpolate/grouped-gemm.js'
import {buildKernelGrid, estimate, leaveOut, type KernelModel, type Quantity} from '../../src/tables/interpolate/kernel-grid.js'
import {groupedGemmKeyOf} from '../../src/tables/score-families.js'
import {scoreTables} from '../../src/tables/score.js'
import {num, type KernelTable, type TableRow} from '../../src/tables/types.js'

const tables = loadTableSet(undefined, ['h20'])
const env = {memBw: 3277}
const QUANTITIES: Quantity[] = ['mfu', 'latency', 'utilisation']

/** Every row of `rows` hidden in turn: the derived and the rebuilt grid give the same estimate at its shape. */
function expectSameAnswers(table: KernelTable, rows: TableRow[], model: KernelModel, shapeOf: (r: TableRow) => Record<string, number>, extra?: string[]): number {
  const full = buildKernelGrid(table, rows, model, {extra})!
  let compared = 0
  for (const hidden of rows) {
    const rebuilt = buildKernelGrid(table, rows.filter((r) => r !== hidden), model, {extra})
    const derived = leaveOut(full, new Set([hidden.line]))
    if (!rebuilt) {
      expect(derived).toBeUndefined()
      continue
    }
    expect(derived!.peak).toEqual(rebuilt.peak)
    for (const q of QUANTITIES) expect(estimate(derived!, shapeOf(hidden), env, q)).toEqual(estimate(rebuilt, shapeOf(hidden), env, q))
    compared++
  }
  return compared
}

describe('leaveOut: a grid without some rows, derived', () => {
  it('GEMM sites (one (k, n) each)', () => {
    const table = tables.get('gemm/h20/data.csv')!
    const sites = [...new Set(table.rows.map((r) => `${num(r, 'k')},${num(r, 'n')}`))].slice(0, 6)
    let compared = 0
    for (const site of sites) {
      const rows = table.rows.filter((r) => `${num(r, 'k')},${num(r, 'n')}` === site)
      compared += expectSameAnswers(table, rows, gemmModel(table.path), (r) => ({m: num(r, 'm'), k: num(r, 'k'), n: num(r, 'n')}), ['k', 'n'])
    }
    expect(compared).toBeGreaterThan(50)
  })

  it('decode attention, per KV dtype (2-D grid: batch, then KV length)', () => {
    const path = tables.paths().find((p) => p.startsWith('mha/decode/h20/'))!
    const table = tables.get(path)!
    for (const kv of ['bf16', 'fp8']) {
      const rows = table.rows.filter((r) => r.values.kv_dtype === kv)
      if (rows.length === 0) continue
      const compared = expectSameAnswers(table, rows, decodeModel(attentionConfig(path)!, kv), (r) => ({batch_size: num(r, 'batch_size'), kv_len: num(r, 'kv_len')}))
      expect(compared).toBe(rows.length)
    }
  })

  it('prefill attention and a MoE key', () => {
    const path = tables.paths().find((p) => p.startsWith('mha/prefill/h20/'))!
    const prefill = tables.get(path)!
    expectSameAnswers(prefill, prefill.rows, prefillModel(attentionConfig(path)!), (r) => ({seq_len: num(r, 'seq_len')}))
    const moe = tables.get('grouped_gemm/decode/h20/data.csv')!
    const key = groupedGemmKeyOf(moe.rows[0])
    const rows = moe.rows.filter((r) => JSON.stringify(groupedGemmKeyOf(r)) === JSON.stringify(key))
    const model: KernelModel = {
      axes: ['batch_size_per_gpu'],
      channels: [
        {mfu: 'up_mfu', latency: 'up_proj_us'},
        {mfu: 'down_mfu', latency: 'down_proj_us'},
      ],
      work: (s, e) => groupedGemmWork(key, s.batch_size_per_gpu, e),
    }
    expect(expectSameAnswers(moe, rows, model, (r) => ({batch_size_per_gpu: num(r, 'batch_size_per_gpu')}))).toBeGreaterThan(3)
  })

  it('leaving out nothing gives the grid itself; leaving out every row gives none', () => {
    const table = tables.get('gemm/h20/data.csv')!
    const rows = table.rows.slice(0, 5).filter((r) => num(r, 'k') === num(table.rows[0], 'k') && num(r, 'n') === num(table.rows[0], 'n'))
    const grid = buildKernelGrid(table, rows, gemmModel(table.path), {extra: ['k', 'n']})!
    expect(leaveOut(grid, new Set([-1]))).toBe(grid)
    expect(leaveOut(grid, new Set(rows.map((r) => r.line)))).toBeUndefined()
  })
})

describe('scoreTables progress', () => {
  it('reports each table done, with the count', () => {
    const seen: [number, number][] = []
    scoreTables(loadTableSet(undefined, ['h800']), {gpu: () => ({defaultMfu: 0.6, memBw: 3000, fp16Tflops: 989, fp8Tflops: 1979}), onTable: (_t, done, count) => seen.push([done, count])})
    expect(seen.length).toBeGreaterThan(3)
    expect(seen.map(([d]) => d)).toEqual(seen.map((_, i) => i + 1))
    expect(seen.every(([, c]) => c === seen.length)).toBe(true)
  })
})
