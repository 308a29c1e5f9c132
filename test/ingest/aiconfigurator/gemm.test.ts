import {describe, expect, it} from 'vitest'
import {mapGemm} from '../../../src/ingest/aiconfigurator/gemm.js'
import {close, OPTIONS, rows, SRC, table, values} from './rows.js'

const base = {framework: 'SGLang', version: '0.5.14', device: 'Test GPU', op_name: 'gemm', m: 64, n: 4096, k: 4096}
const input = rows(base, [
  {kernel_source: 'torch', gemm_dtype: 'bfloat16', latency: 0.05},
  {kernel_source: 'scaled_mm', gemm_dtype: 'fp8', latency: 0.03},
  {kernel_source: 'deepgemm', gemm_dtype: 'fp8_block', latency: 0.02},
  {kernel_source: 'torch', gemm_dtype: 'bfloat16', latency: 0.01, k: 64},
  {kernel_source: 'torch', gemm_dtype: 'bfloat16', latency: 0.06, m: 33},
  {kernel_source: 'torch', gemm_dtype: 'bfloat16', latency: 0.06, m: 17},
  {kernel_source: 'cutedsl', gemm_dtype: 'nvfp4', latency: 0.01},
])
const flops = 2 * 64 * 4096 * 4096

describe('AIConfigurator GEMM mapping', () => {
  it('writes fp8 (fastest of fp8 and fp8_block) as data.csv and bf16 as bf16.csv, MFU against each peak', () => {
    const out = mapGemm(input, SRC, OPTIONS)
    expect(out.map((m) => m.table.path).sort()).toEqual(['gemm/test-gpu/bf16.csv', 'gemm/test-gpu/data.csv'])
    const fp8 = values(table(out, 'gemm/test-gpu/data.csv'))
    expect(fp8).toHaveLength(1)
    expect(fp8[0]).toMatchObject({m: 64, k: 4096, n: 4096, latency_us: 20})
    expect(close(fp8[0].mfu as number, flops / (20e-6 * 2000e12))).toBe(true)
    const bf16 = values(table(out, 'gemm/test-gpu/bf16.csv'))
    expect(bf16.map((r) => r.m)).toEqual([17, 64])
    expect(close(bf16[1].mfu as number, flops / (50e-6 * 1000e12))).toBe(true)
  })

  it('records the winning implementation, the dropped shapes and the skipped dtypes', () => {
    const data = mapGemm(input, SRC, OPTIONS).find((m) => m.table.path.endsWith('data.csv'))!
    expect(data.provenance.kernelSources).toEqual({deepgemm: 1})
    expect(data.provenance.filters.join('; ')).toMatch(/nvfp4/)
    expect(data.provenance.inputs).toEqual([{file: SRC.file, sha256: SRC.sha256}])
    expect(data.dtype).toBe('fp8')
  })

  it('--kernel-source keeps one implementation', () => {
    const data = values(table(mapGemm(input, SRC, {...OPTIONS, kernelSource: 'scaled_mm'}), 'gemm/test-gpu/data.csv'))
    expect(data[0].latency_us).toBe(30)
  })

  it('a GPU without fp8 tensor cores gets its bf16 table as data.csv', () => {
    const out = mapGemm(input, SRC, {...OPTIONS, peaks: {bf16: 1000}})
    expect(out.map((m) => m.table.path)).toEqual(['gemm/test-gpu/data.csv'])
    expect(out[0].dtype).toBe('bf16')
  })

  it('drops rows faster than the peak and says so', () => {
    const fast = rows(base, [{kernel_source: 'torch', gemm_dtype: 'bfloat16', latency: 1e-5}])
    const out = mapGemm(fast, SRC, {...OPTIONS, peaks: {bf16: 1000}})
    expect(out[0].table.rows).toHaveLength(0)
    expect(out[0].provenance.filters.join('; ')).toMatch(/1 row\(s\) with MFU above 1/)
  })

  it('names the file, row and column of a bad cell', () => {
    const bad = rows(base, [{kernel_source: 'torch', gemm_dtype: 'bfloat16', latency: 0.05, m: 'x'}])
    expect(() => mapGemm(bad, SRC, OPTIONS)).toThrow(/t\.parquet: row 1, column "m"/)
  })

  it('names missing columns', () => {
    const noK = input.map(({k: _k, ...r}) => r)
    expect(() => mapGemm(noK, SRC, OPTIONS)).toThrow(/missing column\(s\) k/)
  })
})
