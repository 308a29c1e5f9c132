/**
 * MFU recomputed from latency, the kernel's FLOPs and the GPU's peak agrees
 * with the MFU the InferSim reference tables state, for every kernel whose
 * FLOPs are exact; disagreements, MFU 0.0 and MFU above the peak are reported.
 */
import {beforeAll, describe, expect, it} from 'vitest'
import {loadGpus} from '../../src/io/gpus.js'
import {layoutById} from '../../src/ingest/layouts/catalog.js'
import {makeTarget} from '../../src/ingest/target.js'
import {ingest, type IngestSummary} from '../../src/ingest/pipeline.js'
import {readInputs} from '../../src/ingest/readers/inputs.js'
import type {IngestRow} from '../../src/ingest/types.js'
import {checkMfu} from '../../src/ingest/validate/mfu.js'
import {HEADERLESS_COLUMNS, REFERENCE_RAW, scratchDir} from './tree.js'

const gpus = loadGpus()
const h20 = gpus.find((g) => g.name === 'H20')!
const source = {display: 'test.csv', recorded: 'test.csv', sha256: '0'.repeat(64)}

function gemmRow(latencyUs: number, mfu: number | undefined, decimals = 6): IngestRow {
  const values: Record<string, number> = {m: 16, k: 2048, n: 6144, latency_us: latencyUs}
  if (mfu !== undefined) values.mfu = mfu
  return {target: makeTarget(layoutById('gemm'), 'h20', 'data', {}), values, mfuDecimals: {mfu: decimals}, source, line: 2}
}

describe('MFU check of one row', () => {
  it('recomputes GEMM MFU as 2mkn / latency / fp8 peak (the reference GEMM tables are DeepGEMM FP8)', () => {
    // Reference gemm/h20/data.csv line 2: 16,2048,6144,10.63,0.127969
    const r = checkMfu(gemmRow(10.63, 0.127969), h20, false)
    expect(r.checks[0].recomputed).toBeCloseTo((2 * 16 * 2048 * 6144) / 10.63e-6 / 296e12, 12)
    expect(r.checks[0].recomputed).toBeCloseTo(0.127969, 6)
    expect(r.issues).toEqual([])
  })

  it('reports a stated MFU more than 5% off, as a warning or, with --strict, an error', () => {
    const loose = checkMfu(gemmRow(10.63, 0.11), h20, false)
    expect(loose.issues).toHaveLength(1)
    expect(loose.issues[0]).toMatchObject({severity: 'warning', code: 'mfu-mismatch', file: 'test.csv', line: 2})
    expect(loose.issues[0].message).toMatch(/stated mfu 0\.11 differs from the recomputed 0\.127969 by -14%/)
    expect(checkMfu(gemmRow(10.63, 0.11), h20, true).issues[0].severity).toBe('error')
  })

  it('judges a stated MFU at the precision it was printed with', () => {
    // 0.002 printed with 3 decimals stands for anything in [0.0015, 0.0025).
    const latency = (2 * 16 * 2048 * 6144) / 0.0023 / 296e12 / 1e-6
    expect(checkMfu(gemmRow(latency, 0.002, 3), h20, false).issues).toEqual([])
    expect(checkMfu(gemmRow(latency, 0.002, 6), h20, false).issues[0].code).toBe('mfu-mismatch')
  })

  it('replaces MFU 0.0 by the recomputed value, with a warning', () => {
    const r = checkMfu(gemmRow(10.63, 0), h20, false)
    expect(r.values.mfu).toBeCloseTo(0.127969, 6)
    expect(r.checks[0].used).toBe('recomputed')
    expect(r.issues[0]).toMatchObject({severity: 'warning', code: 'mfu-zero-replaced'})
  })

  it('fills a missing MFU from the latency', () => {
    const r = checkMfu(gemmRow(10.63, undefined), h20, false)
    expect(r.values.mfu).toBeCloseTo(0.127969, 6)
    expect(r.issues).toEqual([])
  })

  it('rejects a latency faster than the GPU peak allows', () => {
    const r = checkMfu(gemmRow(1, undefined), h20, false)
    expect(r.issues[0]).toMatchObject({severity: 'error', code: 'mfu-over-peak'})
    expect(r.issues[0].message).toMatch(/implies MFU 1\.36\d > 1 at the fp8 peak 296 TFLOPS/)
  })

  it('needs a known GPU to recompute', () => {
    const r = checkMfu(gemmRow(10.63, 0.127969), undefined, false)
    expect(r.issues[0]).toMatchObject({severity: 'error', code: 'unknown-gpu'})
  })
})

describe('the reference corpus: FLOPs formulas against the stated MFU', () => {
  let summary: IngestSummary
  beforeAll(async () => {
    const out = scratchDir()
    const reads = await readInputs([REFERENCE_RAW], {out, hints: {}, columns: HEADERLESS_COLUMNS.split(','), notes: {}})
    summary = ingest(reads, {out, gpus, onConflict: 'error', strict: false, dryRun: true, skipInvalid: false})
  })

  const mismatches = () => summary.warnings.filter((w) => w.code === 'mfu-mismatch')

  it('agrees within 5% on every row of every exact-FLOPs table but one (GEMM, MHA/MLA, DSA)', () => {
    const exact = mismatches().filter((w) => !w.file.includes('grouped_gemm'))
    expect(exact.map((w) => `${w.file.replace(/.*infersim-reference\//, '')}:${w.line}`)).toEqual(['mha/decode/h20/32-4-128.csv:25'])
    expect(exact[0].message).toMatch(/stated mfu 0\.165 differs from the recomputed 0\.09\d+ by \+8\d%/)
  })

  it('grouped GEMM FLOPs are an expectation (random routing), so their MFU is often off', () => {
    const grouped = mismatches().filter((w) => w.file.includes('grouped_gemm'))
    expect(grouped.length).toBeGreaterThan(100)
    expect(summary.warnings.filter((w) => w.code === 'mfu-over-peak').every((w) => w.file.includes('grouped_gemm'))).toBe(true)
  })

  it('replaces the three MFU 0.0 rows of the H800 decode tables', () => {
    const zero = summary.warnings.filter((w) => w.code === 'mfu-zero-replaced').map((w) => w.file.replace(/.*infersim-reference\//, ''))
    expect(zero).toEqual(['mha/decode/h800/16-2-128.csv', 'mha/decode/h800/32-2-128.csv', 'mha/decode/h800/32-8-128.csv'])
  })

  it('flags latency outliers with both lines', () => {
    const drops = summary.warnings.filter((w) => w.code === 'latency-drop')
    const h800 = drops.find((w) => w.file.endsWith('h800/32-2-128.csv') && w.line === 3)!
    expect(h800.message).toMatch(/latency drops 89% \(241\.419 -> 25\.68 µs, from line 2\) while kv_len grows 1024 -> 4096/)
  })
})
