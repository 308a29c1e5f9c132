/**
 * `calibrate --fit --json` holds every serving row's prediction behind the
 * figures it reports: the held-out figures are the errors of those
 * predictions, recomputed here from them by hand.
 */
import {describe, expect, it} from 'vitest'
import {calibrate} from '../../src/index.js'
import {tempDir, twoGpuRows} from './helpers.js'

describe('calibrate --fit predictions', () => {
  it('lists each row predicted with its GPU held out, and the reported MAPE is theirs', async () => {
    const r = await calibrate({measurements: [twoGpuRows(tempDir())], profile: 'default', fit: true, holdOut: 'gpu'})
    const fit = r.serving_fit!.engines[0]
    expect(fit.engine).toBe('vllm')
    const held = fit.predictions.held_out.gpu!
    expect(held).toHaveLength(24)
    expect(new Set(held.map((p) => p.gpu))).toEqual(new Set(['H100-SXM', 'H200-SXM']))
    for (const metric of ['ttft_ms', 'tpot_ms'] as const) {
      const mine = held.filter((p) => p.metric === metric)
      expect(mine).toHaveLength(12)
      const mape = (100 * mine.reduce((a, p) => a + Math.abs(p.predicted - p.actual) / p.actual, 0)) / mine.length
      expect(fit.held_out.gpu![metric].all.mape).toBeCloseTo(mape, 9)
    }
    // Each row's measured value is the file's, and a fit that saw the row predicts it otherwise than one that did not.
    const row = r.rows.find((o) => o.id === held[0].id)!
    expect(held[0].actual).toBe(row.actual)
    const inSample = fit.predictions.in_sample.find((p) => p.id === held[0].id)!
    expect(inSample.predicted).not.toBe(held[0].predicted)
    expect(fit.predictions.gpu_alone).toHaveLength(24)
    expect(fit.predictions.held_out.model).toBeUndefined()
  })
})
