/**
 * The high-token-rate warning (src/serving/simulate.ts) rests on a count of
 * measured runs: where the model puts one replica at HIGH_TOKEN_RATE output
 * tokens/s or more, the measured TTFT was mostly above the prediction, and
 * many of those runs more than twice it. The count is redone here on the
 * bundled serving runs, so that a model that stops under-predicting them (or
 * a threshold that stops meaning it) fails this test and the warning is
 * revisited.
 */
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {calibrate} from '../../src/api/calibrate.js'
import {HIGH_TOKEN_RATE, HIGH_TOKEN_RATE_RUNS, highTokenRateWarning} from '../../src/serving/simulate.js'
import {ROOT} from '../helpers/cli.js'

const FILES = ['serving-h100.csv', 'serving-h200.csv'].map((f) => path.join(ROOT, 'calibration', f))

describe('the high-token-rate warning', () => {
  it('starts at 8,000 output tokens/s per replica', () => {
    expect(HIGH_TOKEN_RATE).toBe(8000)
    expect(highTokenRateWarning(7999.9)).toBeUndefined()
    expect(highTokenRateWarning(Number.NaN)).toBeUndefined()
    const w = highTokenRateWarning(8000)
    expect(w?.code).toBe('high-token-rate')
    expect(w?.message).toMatch(/^one replica streams 8000 output tokens\/s here; .*TTFT is likely under-predicted/)
  })

  it('flags measured runs whose TTFT was mostly above the prediction, many of them more than twice it', async () => {
    const result = await calibrate({measurements: FILES, profile: 'default'})
    const flagged = result.rows.filter((r) => r.metric === 'ttft_ms' && r.status === 'ok' && (r.warnings ?? []).includes('high-token-rate'))
    const ratios = flagged.map((r) => r.actual / r.simulated!).sort((a, b) => a - b)
    // 38 runs with the engines' API server limit, the fit on relative and log error, TensorRT-LLM's FP8-KV decode at
    // half the BF16 time, GEMMs borrowed along k x n, SGLang's measured pool reserve and the LM head in BF16
    // (docs/serving.md): 31 above the prediction, 16 above twice it, median 1.8x; with AIConfigurator's launch budgets
    // (smaller steps for TensorRT-LLM and SGLang, so longer prompt queues), 30 above, 16 above twice, median 1.65x.
    // Fitted on the relative error alone: 39 runs, 31 above, 23 above twice it, median 2.2x; before the limit: 35 of
    // 39 above twice it, median 5.1x, none below it.
    expect(flagged.length).toBeGreaterThanOrEqual(30)
    expect(ratios.filter((q) => q > 1).length / ratios.length).toBeGreaterThanOrEqual(0.75)
    expect(ratios.filter((q) => q > 2).length / ratios.length).toBeGreaterThanOrEqual(0.4)
    expect(ratios[Math.floor(ratios.length / 2)]).toBeGreaterThan(1.5)
    // What the warning and the sweep's note say of them.
    expect(HIGH_TOKEN_RATE_RUNS.runs).toBe(ratios.length)
    expect(HIGH_TOKEN_RATE_RUNS.above).toBe(ratios.filter((q) => q > 1).length)
    expect(HIGH_TOKEN_RATE_RUNS.aboveTwice).toBe(ratios.filter((q) => q > 2).length)
    expect(HIGH_TOKEN_RATE_RUNS.medianRatio).toBeCloseTo(ratios[Math.floor(ratios.length / 2)], 1)
    // TPOT is not what the warning is about: the same runs' TPOT stays within a factor of two.
    const ids = new Set(flagged.map((r) => r.id.replace(/-ttft$/, '')))
    const tpot = result.rows.filter((r) => r.metric === 'tpot_ms' && r.status === 'ok' && ids.has(r.id.replace(/-tpot$/, '')))
    expect(tpot.length).toBe(flagged.length)
    for (const r of tpot) expect(Math.abs(Math.log(r.actual / r.simulated!))).toBeLessThan(Math.log(2))
  })
})
