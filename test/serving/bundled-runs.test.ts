import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {loadMeasurementFiles} from '../../src/calibrate/sources.js'
import {ROOT} from '../helpers/cli.js'

const FILES = ['serving-h100.csv', 'serving-h200.csv'].map((f) => path.join(ROOT, 'calibration', f))

describe('the bundled serving runs', () => {
  it('give one layout per measurement: a run exported twice is read the same both times', () => {
    const {rows} = loadMeasurementFiles(FILES)
    const layouts = new Map<string, Set<string>>()
    for (const r of rows) {
      // The same measured value, to the digit, for the same model, engine, lengths and concurrency is the same run.
      const run = [r.model, r.gpu, r.extra.backend, r.isl, r.osl, r.decode_batch, r.metric, r.actual].join('|')
      const layout = [r.world_size, r.tp, r.extra.moe_tp, r.extra.moe_ep].join('x')
      layouts.set(run, (layouts.get(run) ?? new Set()).add(layout))
    }
    const twoLayouts = [...layouts].filter(([, l]) => l.size > 1).map(([run, l]) => `${run}: ${[...l].join(' and ')}`)
    expect(twoLayouts).toEqual([])
  })

  it('read the tp8 ep8 H200 runs the source exported as 64 GPUs as the 8 GPUs they ran on', () => {
    const {rows} = loadMeasurementFiles(FILES)
    const ep8 = rows.filter((r) => /_tp8_ep8_|_cfg181-/.test(r.id))
    // 44 runs exported as 64 GPUs, now read as 8, and 15 exported as 8 (each a TTFT and a TPOT row).
    expect(ep8.length).toBe(118)
    for (const r of ep8) expect([r.world_size, r.tp, r.extra.moe_tp, r.extra.moe_ep]).toEqual([8, 8, '1', '8'])
  })
})
