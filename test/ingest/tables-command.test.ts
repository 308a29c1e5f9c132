/** infersim tables: the inventory of bench_data, and which lookups a simulation makes. */
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {ROOT, runCli, runJson} from '../helpers/cli.js'

describe('infersim tables', () => {
  it('lists GPU x kernel x shape with row counts, grid ranges and license', async () => {
    const {json, exitCode} = await runJson(['tables', '--gpu', 'H20'])
    expect(exitCode).toBe(0)
    expect(json.tables.every((t: {gpu: string}) => t.gpu === 'h20')).toBe(true)
    const gemm = json.tables.find((t: {path: string}) => t.path === 'gemm/h20/data.csv')
    expect(gemm).toMatchObject({layout: 'gemm', shape: 'data', rows: 380})
    expect(gemm.ranges.find((r: {column: string}) => r.column === 'm')).toMatchObject({min: 8, max: 131072})
    expect(gemm.sources[0]).toMatchObject({file: 'raw/infersim-reference/gemm/h20/data.csv', license: 'Apache-2.0'})
    const decode = json.tables.find((t: {path: string}) => t.path === 'mha/decode/h20/32-8-128.csv')
    expect(decode.ranges.find((r: {column: string}) => r.column === 'kv_dtype').values).toEqual(['bf16', 'fp8'])
  })

  it('lists a folder given with --bench-data', async () => {
    const r = await runCli(['tables', '--bench-data', path.join(ROOT, 'test', 'fixtures', 'ingest', 'duplicate-keys')])
    expect(r.exitCode).toBe(0)
    expect(r.stdout).toMatch(/h20\s+gemm\s+data\s+3/)
  })

  it('says which table covers each lookup of a simulation (compat: nearest points)', async () => {
    const {json} = await runJson(['tables', '--model', 'qwen3-30b-a3b', '--gpu', 'H20', '--world-size', '4', '--profile', 'infersim'])
    expect(json.lookups.length).toBeGreaterThan(4)
    expect(json.lookups.every((l: {covered: boolean}) => l.covered)).toBe(true)
    const ffn = json.lookups.find((l: {phase: string; step: string}) => l.phase === 'decode' && l.step === 'ffn')
    expect(ffn.table).toBe('grouped_gemm/decode/h20/data.csv')
    expect(ffn.lines).toHaveLength(1)
  })

  it('shows the fallbacks when no table covers a lookup', async () => {
    const {json} = await runJson(['tables', '--model', 'qwen3-8b', '--gpu', 'H200', '--profile', 'infersim', '--decode-only'])
    // InferSim's H200 entry has no bench_data tables (AIConfigurator's H200-SXM tables are another GPU name).
    expect(json.lookups.every((l: {covered: boolean}) => !l.covered)).toBe(true)
    const core = json.lookups.find((l: {step: string}) => l.step === 'attn-core')
    expect(core).toMatchObject({covered: false, kind: 'fallback'})
    expect(core.note).toMatch(/mha\/decode\/h200\/32-8-128\.csv does not exist/)
    const text = await runCli(['tables', '--model', 'qwen3-8b', '--gpu', 'H200', '--profile', 'infersim', '--decode-only'])
    expect(text.stdout).toMatch(/attn-core\s+batch=128 kv_len=5120\s+FALLBACK/)
  })
})
