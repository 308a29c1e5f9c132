/**
 * Wide expert parallelism on Blackwell: the wide-EP tables time DeepGEMM's FP8
 * block-scaled experts, so NVFP4 experts read the NVFP4 table as an
 * expert-parallel share; and a share beyond both phases' grids reads the
 * nearer grid's edge, not a memory-bound decode edge carried to a
 * compute-bound load. Checked on SGLang's published GB200 NVL72 decode
 * (calibration/public-gb200.csv).
 */
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {calibrate, simulate} from '../../src/index.js'

/** DeepSeek-V3 decode on 48 GB200s, attention data-parallel, DeepEP, 1,408 requests a GPU: 67,584 tokens enter each MoE layer. */
const decode = (weightFormat: 'fp8' | 'nvfp4') =>
  simulate({model: 'deepseek-v3', gpu: 'GB200-NVL72', worldSize: 48, nodes: 12, tp: 1, deepep: true, fp8Kv: true, fp8Gemm: true, weightFormat, isl: 2000, osl: 100, decodeBatch: 1408, decodeOnly: true})

const expertsOf = async (weightFormat: 'fp8' | 'nvfp4') => (await decode(weightFormat)).decode!.steps.find((s) => s.part === 'moe')!.mfu!

describe('routed experts under wide expert parallelism', () => {
  it('FP8 experts read the wide-EP tables (DeepGEMM), NVFP4 experts their own dtype\'s table', async () => {
    expect((await expertsOf('fp8')).table).toMatch(/grouped_gemm\/decode\/gb200-nvl72\/wideep-power_law_0\.6\.csv$/)
    expect((await expertsOf('nvfp4')).table).toMatch(/grouped_gemm\/prefill\/gb200-nvl72\/nvfp4\.csv$/)
  })

  it('a share beyond both grids reads the nearer edge: 67,584 tokens from the prefill grid (to 16,384), not the decode grid (to 1,024)', async () => {
    const mfu = await expertsOf('nvfp4')
    expect(mfu.note).toMatch(/ep 48\) of the ep = 1 curve at the group's 67584 tokens/)
    // The NVFP4 table's ep = 1 rows level off at MFU 0.36-0.38 from 8,192 to 16,384 tokens; the decode
    // edge (memory-bound, MFU 0.08 at 1,024) carried to this compute-bound load gave 0.999.
    expect(mfu.value).toBeGreaterThan(0.3)
    expect(mfu.value).toBeLessThan(0.6)
  })

  it('comes within 10% of SGLang\'s published GB200 NVL72 decode rate (13,386 tokens/s/GPU)', async () => {
    const r = await calibrate({measurements: [path.resolve('calibration/public-gb200.csv')], profile: 'default'})
    expect(r.rows).toHaveLength(1)
    expect(Math.abs(r.rows[0].error_pct!)).toBeLessThan(10)
  })
})
