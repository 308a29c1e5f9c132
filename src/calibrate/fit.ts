/**
 * Fitted corrections of one profile's outcomes: (a) one speed factor per
 * phase, exp(mean log(actual / simulated speed)); (b) the linear error model.
 * Each is scored in-sample and by leave-one-out cross-validation (each row
 * predicted by a fit that never saw it), the honest figure.
 */
import {mean} from 'simple-statistics'
import {inputError} from '../errors.js'
import {fitLinearModel, predictLogSpeed, type LinearModel, type TrainingRow} from './linear-model.js'
import {applySpeedFactor, errorPct} from './metrics.js'
import {phaseOrder, summarizeErrors} from './summary.js'
import type {ErrorSummary, FeatureName, RowOutcome} from './types.js'

export interface PhaseFactor {
  factor: number
  log_mean: number
  rows: number
}

export interface ErrorTable {
  phases: Record<string, ErrorSummary>
  overall: ErrorSummary
}

export interface ProfileFit {
  profile: string
  rows: number
  phase_factors: Record<string, PhaseFactor>
  linear: LinearModel
  errors: {
    raw: ErrorTable
    phase_factor: {loo: ErrorTable; in_sample: ErrorTable}
    linear: {loo: ErrorTable; in_sample: ErrorTable}
  }
}

export interface FitOptions {
  features: readonly FeatureName[]
  ridge: number
}

type Fitted = RowOutcome & {simulated: number; speed_log_ratio: number; features: NonNullable<RowOutcome['features']>}

export function phaseFactors(rows: readonly Fitted[]): Record<string, PhaseFactor> {
  const out: Record<string, PhaseFactor> = {}
  for (const phase of phaseOrder(rows.map((r) => r.phase))) {
    const logs = rows.filter((r) => r.phase === phase).map((r) => r.speed_log_ratio)
    const log_mean = mean(logs)
    out[phase] = {factor: Math.exp(log_mean), log_mean, rows: logs.length}
  }
  return out
}

const training = (rows: readonly Fitted[]): TrainingRow[] => rows.map((r) => ({phase: r.phase, features: r.features, y: r.speed_log_ratio}))

function errorTable(rows: readonly Fitted[], errors: readonly number[]): ErrorTable {
  const phases: Record<string, ErrorSummary> = {}
  for (const phase of phaseOrder(rows.map((r) => r.phase))) phases[phase] = summarizeErrors(errors.filter((_, i) => rows[i].phase === phase))
  return {phases, overall: summarizeErrors(errors)}
}

const calibratedError = (r: Fitted, logSpeed: number) => errorPct(applySpeedFactor(r.metric, r.simulated, Math.exp(logSpeed)), r.actual)

export function fitProfile(outcomes: readonly RowOutcome[], opts: FitOptions): ProfileFit {
  const rows = outcomes.filter((o): o is Fitted => o.status === 'ok')
  if (rows.length < 2) throw inputError(`need at least 2 evaluated rows to fit, have ${rows.length}`)
  const factors = phaseFactors(rows)
  const linear = fitLinearModel(training(rows), opts.features, opts.ridge)
  const looFactor: number[] = []
  const looLinear: number[] = []
  rows.forEach((r, i) => {
    const others = rows.filter((_, j) => j !== i)
    const samePhase = others.filter((o) => o.phase === r.phase)
    looFactor.push(calibratedError(r, samePhase.length > 0 ? mean(samePhase.map((o) => o.speed_log_ratio)) : 0))
    looLinear.push(calibratedError(r, predictLogSpeed(fitLinearModel(training(others), opts.features, opts.ridge), r.phase, r.features)))
  })
  return {
    profile: rows[0].profile,
    rows: rows.length,
    phase_factors: factors,
    linear,
    errors: {
      raw: errorTable(rows, rows.map((r) => r.error_pct!)),
      phase_factor: {loo: errorTable(rows, looFactor), in_sample: errorTable(rows, rows.map((r) => calibratedError(r, factors[r.phase].log_mean)))},
      linear: {loo: errorTable(rows, looLinear), in_sample: errorTable(rows, rows.map((r) => calibratedError(r, predictLogSpeed(linear, r.phase, r.features))))},
    },
  }
}
