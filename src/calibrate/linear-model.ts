/**
 * The linear error model: log(actual speed / simulated speed) =
 * intercept of the row's phase + sum_j coefficient_j * z_j, where z_j is
 * feature j standardized over the training rows. Intercepts are (almost)
 * unpenalized; feature coefficients carry a ridge penalty because the
 * measurement set is small.
 */
import {mean, sampleStandardDeviation} from 'simple-statistics'
import {ridgeFit} from './ridge.js'
import type {FeatureName, Features} from './types.js'

export interface LinearModel {
  ridge: number
  features: FeatureName[]
  feature_means: Partial<Record<FeatureName, number>>
  feature_scales: Partial<Record<FeatureName, number>>
  phase_intercepts: Record<string, number>
  coefficients: Partial<Record<FeatureName, number>>
}

export interface TrainingRow {
  phase: string
  features: Features
  /** log(actual speed / simulated speed). */
  y: number
}

const INTERCEPT_PENALTY = 1e-6

export function fitLinearModel(rows: readonly TrainingRow[], features: readonly FeatureName[], ridge: number): LinearModel {
  const phases = [...new Set(rows.map((r) => r.phase))].sort()
  const means: Partial<Record<FeatureName, number>> = {}
  const scales: Partial<Record<FeatureName, number>> = {}
  for (const f of features) {
    const values = rows.map((r) => r.features[f])
    means[f] = mean(values)
    const sd = values.length > 1 ? sampleStandardDeviation(values) : 0
    scales[f] = sd > 1e-9 ? sd : 1
  }
  const design = rows.map((r) => [...phases.map((p) => (r.phase === p ? 1 : 0)), ...features.map((f) => (r.features[f] - means[f]!) / scales[f]!)])
  const penalty = [...phases.map(() => INTERCEPT_PENALTY), ...features.map(() => Math.max(ridge, INTERCEPT_PENALTY))]
  const beta = ridgeFit(design, rows.map((r) => r.y), penalty)
  const phase_intercepts: Record<string, number> = {}
  phases.forEach((p, i) => (phase_intercepts[p] = beta[i]))
  const coefficients: Partial<Record<FeatureName, number>> = {}
  features.forEach((f, j) => (coefficients[f] = beta[phases.length + j]))
  return {ridge, features: [...features], feature_means: means, feature_scales: scales, phase_intercepts, coefficients}
}

/** Predicted log(actual speed / simulated speed); a phase the model never saw gets intercept 0. */
export function predictLogSpeed(m: LinearModel, phase: string, features: Features): number {
  let y = m.phase_intercepts[phase] ?? 0
  for (const f of m.features) y += m.coefficients[f]! * ((features[f] - m.feature_means[f]!) / m.feature_scales[f]!)
  return y
}
