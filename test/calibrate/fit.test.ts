import {describe, expect, it} from 'vitest'
import {fitProfile} from '../../src/calibrate/fit.js'
import {fitLinearModel, predictLogSpeed} from '../../src/calibrate/linear-model.js'
import {ridgeFit, solveLinear} from '../../src/calibrate/ridge.js'
import {errorPct, speedLogRatio} from '../../src/calibrate/metrics.js'
import type {Features, RowOutcome} from '../../src/calibrate/types.js'

const features = (overhead: number, comm = 0.1): Features => ({overhead, comm, memory: 0.2, fallback: 0})

function outcome(id: string, phase: string, metric: string, simulated: number, actual: number, f: Features): RowOutcome {
  return {
    profile: 'default', id, file: 'm.csv', line: 2, phase, metric, actual, status: 'ok', simulated,
    error_pct: errorPct(simulated, actual), speed_log_ratio: speedLogRatio(metric, simulated, actual), features: f, extra: {},
  }
}

describe('solveLinear / ridgeFit', () => {
  it('solves a small system', () => {
    const x = solveLinear([[2, 1], [1, 3]], [5, 10])
    expect(x[0]).toBeCloseTo(1, 12)
    expect(x[1]).toBeCloseTo(3, 12)
  })

  it('least squares recovers an exact line; the penalty shrinks it', () => {
    const xs = [0, 1, 2, 3, 4]
    const design = xs.map((x) => [1, x])
    const y = xs.map((x) => 0.5 + 2 * x)
    const [a, b] = ridgeFit(design, y, [0, 0])
    expect(a).toBeCloseTo(0.5, 10)
    expect(b).toBeCloseTo(2, 10)
    expect(Math.abs(ridgeFit(design, y, [0, 100])[1])).toBeLessThan(2)
  })
})

describe('speed orientation', () => {
  it('a latency that is too high is a simulator that is too slow', () => {
    expect(speedLogRatio('ttft_ms', 20, 10)).toBeCloseTo(Math.log(2), 12)
    expect(speedLogRatio('tgs', 10, 20)).toBeCloseTo(Math.log(2), 12)
  })
})

describe('fitProfile', () => {
  it('a constant speed error per phase is removed by the phase factors, in and out of sample', () => {
    const rows = [
      outcome('a', 'prefill', 'tgs', 1000, 1200, features(0.1)),
      outcome('b', 'prefill', 'ttft_ms', 60, 50, features(0.3)),
      outcome('c', 'prefill', 'tgs', 800, 960, features(0.2)),
      outcome('d', 'decode', 'tgs', 100, 90, features(0.05)),
      outcome('e', 'decode', 'tpot_ms', 30, 33.333333333, features(0.07)),
    ]
    const fit = fitProfile(rows, {features: ['overhead'], ridge: 1})
    expect(fit.phase_factors.prefill.factor).toBeCloseTo(1.2, 8)
    expect(fit.phase_factors.decode.factor).toBeCloseTo(0.9, 6)
    expect(fit.errors.phase_factor.in_sample.overall.mape).toBeLessThan(1e-6)
    expect(fit.errors.phase_factor.loo.overall.mape).toBeLessThan(1e-6)
    expect(fit.errors.raw.overall.mape).toBeGreaterThan(10)
  })

  it('the linear model finds a planted dependence on a feature, and cross-validation scores it honestly', () => {
    // Real speed = simulated * exp(1.5 * overhead share): the error grows with the overhead.
    const rows = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7].map((s, i) =>
      outcome(`r${i}`, 'prefill', 'tgs', 1000, 1000 * Math.exp(1.5 * s), features(s, 0.1 + 0.01 * i)),
    )
    const fit = fitProfile(rows, {features: ['overhead'], ridge: 1e-9})
    const m = fit.linear
    const slope = m.coefficients.overhead! / m.feature_scales.overhead!
    expect(slope).toBeCloseTo(1.5, 6)
    expect(fit.errors.linear.in_sample.overall.mape).toBeLessThan(1e-4)
    expect(fit.errors.linear.loo.overall.mape).toBeLessThan(1e-3)
    // A constant factor cannot follow the trend.
    expect(fit.errors.phase_factor.loo.overall.mape).toBeGreaterThan(5)
  })

  it('leave-one-out error is not below the in-sample error on noisy data', () => {
    const noise = [0.08, -0.05, 0.12, -0.1, 0.03, -0.07, 0.09, -0.02]
    const rows = noise.map((n, i) => outcome(`r${i}`, i < 4 ? 'prefill' : 'decode', 'tgs', 1000, 1000 * Math.exp(0.2 + n), features(0.1 * i, 0.05 * (i % 3))))
    const fit = fitProfile(rows, {features: ['overhead', 'comm'], ridge: 1})
    expect(fit.errors.linear.loo.overall.mape).toBeGreaterThanOrEqual(fit.errors.linear.in_sample.overall.mape)
    expect(fit.errors.phase_factor.loo.overall.mape).toBeGreaterThanOrEqual(fit.errors.phase_factor.in_sample.overall.mape)
  })

  it('a phase the model never saw gets no intercept', () => {
    const m = fitLinearModel([{phase: 'prefill', features: features(0.1), y: 0.3}, {phase: 'prefill', features: features(0.2), y: 0.3}], ['overhead'], 1)
    expect(predictLogSpeed(m, 'prefill', features(0.15))).toBeCloseTo(0.3, 4)
    expect(predictLogSpeed(m, 'serving', features(0.15))).toBeCloseTo(0, 4)
  })

  it('needs at least two evaluated rows', () => {
    expect(() => fitProfile([outcome('a', 'prefill', 'tgs', 1, 2, features(0))], {features: ['overhead'], ridge: 1})).toThrow(/at least 2/)
  })
})
