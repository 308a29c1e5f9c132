import {describe, expect, it} from 'vitest'
import {checkAgainstBaseline, makeBaseline} from '../../src/calibrate/baseline.js'
import type {RowOutcome} from '../../src/calibrate/types.js'

function ok(id: string, phase: string, errorPct: number, metric = 'tgs'): RowOutcome {
  return {profile: 'default', id, file: 'm.csv', line: 2, phase, metric, actual: 100, status: 'ok', simulated: 100 + errorPct, error_pct: errorPct, extra: {}}
}

const base = makeBaseline(['m.csv'], {default: [ok('a', 'prefill', 10), ok('b', 'prefill', -20), ok('c', 'decode', 5)]})

describe('checkAgainstBaseline', () => {
  it('records MAPE per phase and each row', () => {
    expect(base.profiles.default.phases.prefill.mape).toBe(15)
    expect(base.profiles.default.rows.c).toEqual({phase: 'decode', simulated: 105, error_pct: 5})
  })

  it('passes on the same errors and when errors shrink', () => {
    expect(checkAgainstBaseline(base, {default: [ok('a', 'prefill', 10), ok('b', 'prefill', -20), ok('c', 'decode', 5)]}, 1).passed).toBe(true)
    expect(checkAgainstBaseline(base, {default: [ok('a', 'prefill', 1), ok('b', 'prefill', -2), ok('c', 'decode', 0)]}, 1).passed).toBe(true)
  })

  it('fails when a phase MAPE grows by more than the tolerance', () => {
    const r = checkAgainstBaseline(base, {default: [ok('a', 'prefill', 12.5), ok('b', 'prefill', -20), ok('c', 'decode', 5)]}, 1)
    expect(r.passed).toBe(false)
    expect(r.comparisons.find((c) => c.phase === 'prefill')).toMatchObject({baseline_mape: 15, current_mape: 16.25, regression: true})
    expect(checkAgainstBaseline(base, {default: [ok('a', 'prefill', 11.5), ok('b', 'prefill', -20), ok('c', 'decode', 5)]}, 1).passed).toBe(true)
  })

  it('fails when a row fails or a baseline row is now skipped; new rows are only reported', () => {
    const failed: RowOutcome = {...ok('c', 'decode', 0), status: 'failed', error: 'boom'}
    const r1 = checkAgainstBaseline(base, {default: [ok('a', 'prefill', 10), ok('b', 'prefill', -20), failed]}, 1)
    expect(r1.passed).toBe(false)
    expect(r1.failures[0]).toMatch(/row c failed: boom/)
    const skipped: RowOutcome = {...ok('c', 'decode', 0), status: 'skipped', error: 'GPU gone'}
    expect(checkAgainstBaseline(base, {default: [ok('a', 'prefill', 10), ok('b', 'prefill', -20), skipped]}, 1).failures[0]).toMatch(/now skipped: GPU gone/)
    const r3 = checkAgainstBaseline(base, {default: [ok('a', 'prefill', 10), ok('b', 'prefill', -20), ok('c', 'decode', 5), ok('new', 'e2e', 80)]}, 1)
    expect(r3.passed).toBe(true)
    expect(r3.new_rows).toEqual(['default: new'])
  })

  it('compares each metric of a phase that has two: TTFT growing while TPOT shrinks is a regression', () => {
    const serving = (ttft: number, tpot: number) => ({default: [ok('t1', 'serving', ttft, 'ttft_ms'), ok('t2', 'serving', -20, 'ttft_ms'), ok('p1', 'serving', tpot, 'tpot_ms'), ok('p2', 'serving', 10, 'tpot_ms')]})
    const b = makeBaseline(['s.csv'], serving(10, -10))
    // TTFT MAPE 15 -> 18, TPOT 10 -> 7: the phase stays at 12.5.
    const r = checkAgainstBaseline(b, serving(16, -4), 1)
    expect(r.comparisons.find((c) => c.phase === 'serving' && !c.metric)).toMatchObject({baseline_mape: 12.5, current_mape: 12.5, regression: false})
    expect(r.comparisons.find((c) => c.metric === 'ttft_ms')).toMatchObject({rows: 2, baseline_mape: 15, current_mape: 18, regression: true})
    expect(r.comparisons.find((c) => c.metric === 'tpot_ms')).toMatchObject({rows: 2, baseline_mape: 10, current_mape: 7, regression: false})
    expect(r.passed).toBe(false)
    // A phase of one metric is compared as a whole only.
    expect(checkAgainstBaseline(base, {default: [ok('a', 'prefill', 10), ok('b', 'prefill', -20), ok('c', 'decode', 5)]}, 1).comparisons.filter((c) => c.metric)).toEqual([])
  })
})
