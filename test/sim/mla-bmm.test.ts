/**
 * Absorbed MLA's per-head matmuls from the measured batched-matmul tables
 * (switch mlaBmmTables): the lookup worked by hand on a small table, and the
 * steps of DeepSeek-V3 against the bundled CSV's rows, read as text.
 */
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {loadSimInputs} from '../../src/io/inputs.js'
import {latencyAt} from '../../src/sim/mla-bmm.js'
import {DEFAULT_DEPLOYMENT, type Deployment} from '../../src/sim/deployment.js'
import type {PhaseResult} from '../../src/sim/result.js'
import {simulate} from '../../src/sim/simulate.js'
import type {KernelTable} from '../../src/tables/types.js'
import {ROOT} from '../helpers/cli.js'

const table: KernelTable = {
  path: 'mla_bmm/test/bf16.csv',
  columns: ['heads', 'tokens', 'q_wk_us', 'o_wv_us'],
  rows: [
    [16, 1, 4, 3],
    [16, 64, 5, 6],
    [32, 1, 6, 5],
    [32, 64, 8, 10],
  ].map(([heads, tokens, q, o], i) => ({line: i + 2, values: {heads, tokens, q_wk_us: q, o_wv_us: o}})),
}

describe('latencyAt', () => {
  it('interpolates log-log along the tokens, then linearly between the heads', () => {
    // 8 tokens is half-way from 1 to 64 in log2: sqrt(4 x 5) at 16 heads, sqrt(6 x 8) at 32; 24 heads half-way.
    const at = latencyAt(table, 'q_wk_us', 24, 8)
    expect(at.us).toBeCloseTo((Math.sqrt(20) + Math.sqrt(48)) / 2, 12)
    expect(at.kind).toBe('interpolated')
    expect(at.lines).toEqual([2, 3, 4, 5])
    expect(latencyAt(table, 'o_wv_us', 32, 64)).toEqual({us: 10, kind: 'exact', lines: [5]})
  })

  it('beyond the last token count grows with the tokens, beyond the most heads with the heads; below, the first row holds', () => {
    expect(latencyAt(table, 'o_wv_us', 16, 256).us).toBeCloseTo(6 * 4, 12)
    expect(latencyAt(table, 'o_wv_us', 128, 64).us).toBeCloseTo(10 * 4, 12)
    expect(latencyAt(table, 'q_wk_us', 8, 1)).toMatchObject({us: 4, kind: 'extrapolated'})
  })
})

/** The bundled table's row of `heads` and `tokens`, read from the CSV text. */
function csvRow(gpuKey: string, heads: number, tokens: number): {q: number; o: number} {
  const lines = readFileSync(path.join(ROOT, 'bench_data', 'mla_bmm', gpuKey, 'bf16.csv'), 'utf8').trim().split('\n')
  const cells = lines.find((l) => l.startsWith(`${heads},${tokens},`))!.split(',').map(Number)
  return {q: cells[2], o: cells[3]}
}

function decodeSteps(gpu: string, d: Partial<Deployment>, switches: Record<string, boolean> = {}): PhaseResult {
  const i = loadSimInputs({model: 'deepseek-v3', gpu, profile: 'default', switches})
  return simulate(i.model, {...DEFAULT_DEPLOYMENT, mode: 'decode', isl: 1024, osl: 1024, fp8Gemm: true, ...d}, i.gpu, i.tables, i.profile).decode!
}

const step = (p: PhaseResult, id: string) => p.steps.find((s) => s.id === id)!

describe("DeepSeek-V3's absorbed matmuls", () => {
  it('at tp 8 on H200 (16 heads a GPU), 64 requests: the measured row', () => {
    const p = decodeSteps('H200-SXM', {worldSize: 8, tp: 8, decodeBatch: 64})
    const row = csvRow('h200-sxm', 16, 64)
    expect(step(p, 'bmm-q-wk').seconds).toBeCloseTo(row.q / 1e6, 12)
    expect(step(p, 'bmm-o-wv').seconds).toBeCloseTo(row.o / 1e6, 12)
    expect(step(p, 'bmm-o-wv').mfu).toMatchObject({kind: 'exact', table: 'mla_bmm/h200-sxm/bf16.csv'})
  })

  it('data-parallel attention on GB200 (128 heads a GPU), one request: a few us where the GEMM row of k = 128 x 512 read 45', () => {
    const on = decodeSteps('GB200', {worldSize: 72, tp: 1, moeEp: 72, decodeBatch: 1})
    expect(step(on, 'bmm-o-wv').seconds).toBeCloseTo(csvRow('gb200-nvl72', 128, 1).o / 1e6, 12)
    const off = decodeSteps('GB200', {worldSize: 72, tp: 1, moeEp: 72, decodeBatch: 1}, {mlaBmmTables: false})
    expect(step(off, 'bmm-o-wv').mfu!.table).toBe('gemm/gb200-nvl72/data.csv')
    expect(step(off, 'bmm-o-wv').seconds).toBeGreaterThan(5 * step(on, 'bmm-o-wv').seconds)
  })

  it("B300 and H100 PCIe carry their donor's rows by its roofline (tablesFrom); H20, with none, reads the GEMM rows", () => {
    // 16 heads, 64 tokens: 3.4 MB against 0.13 GFLOP, memory-bound on both GPUs of each pair, so the time goes
    // with the bandwidths (the same derating on both): B200 7,700 GB/s to B300's 8,000; H100 SXM 3,350 to PCIe's 2,000.
    const b300 = step(decodeSteps('B300', {worldSize: 8, tp: 8, decodeBatch: 64}), 'bmm-q-wk')
    expect(b300.seconds).toBeCloseTo((csvRow('b200-sxm', 16, 64).q * (7700 / 8000)) / 1e6, 12)
    expect(b300.mfu).toMatchObject({kind: 'borrowed', table: 'mla_bmm/b200-sxm/bf16.csv'})
    const pcie = step(decodeSteps('H100-PCIe', {worldSize: 8, tp: 8, decodeBatch: 64}), 'bmm-o-wv')
    expect(pcie.seconds).toBeCloseTo((csvRow('h100-sxm', 16, 64).o * (3350 / 2000)) / 1e6, 12)
    expect(step(decodeSteps('H20', {worldSize: 8, tp: 8, decodeBatch: 64}), 'bmm-q-wk').mfu!.table).toMatch(/^gemm\//)
  })

  it('on L40S a row faster than its weights stream (cached in the 96 MB L2) takes the stream at 864 GB/s', () => {
    // 128 heads x 128 x 512 BF16 weights: 16,777,216 bytes, 19.42 us at 864 GB/s; the rows say 7.053 and 8.294 us.
    const p = decodeSteps('L40S', {worldSize: 1, tp: 1, decodeBatch: 1})
    expect(csvRow('l40s', 128, 1)).toEqual({q: 7.053, o: 8.294})
    expect(step(p, 'bmm-q-wk').seconds).toBeCloseTo(16777216 / 864e9, 12)
    expect(step(p, 'bmm-o-wv').seconds).toBeCloseTo(16777216 / 864e9, 12)
    expect(step(p, 'bmm-q-wk').mfu!.note).toMatch(/weightStreamFloor/)
    const off = decodeSteps('L40S', {worldSize: 1, tp: 1, decodeBatch: 1}, {weightStreamFloor: false})
    expect(step(off, 'bmm-q-wk').seconds).toBeCloseTo(7.053e-6, 12)
  })
})
