/** Evaluates measurement rows under a profile: one RowOutcome per row, failures and skips as data. */
import {InfersimError} from '../errors.js'
import type {Profile} from '../profile.js'
import {EvalEnvironment} from './environment.js'
import {evaluatorFor} from './evaluators.js'
import './serving.js'
import {errorPct, speedLogRatio} from './metrics.js'
import type {MeasurementRow, RowOutcome} from './types.js'

function base(row: MeasurementRow, profile: Profile): Omit<RowOutcome, 'status'> {
  return {
    profile: profile.name,
    id: row.id,
    file: row.file,
    line: row.line,
    phase: row.phase,
    metric: row.metric,
    actual: row.actual,
    extra: row.extra,
  }
}

export function evaluateRow(row: MeasurementRow, env: EvalEnvironment, profile: Profile): RowOutcome {
  const evaluator = evaluatorFor(row.phase, row.metric)
  if (!evaluator) {
    return {...base(row, profile), status: 'skipped', error: `no evaluator for ${row.phase} rows with metric ${row.metric} yet`}
  }
  try {
    const gpu = env.gpu(row.gpu, profile.switches)
    const model = env.model(row, profile.switches.publishedConfigs)
    const e = evaluator(row, {model, gpu, tables: env.tables(gpu), profile, simulateOptions: env.simulateOptions})
    if (!(Number.isFinite(e.simulated) && e.simulated > 0)) {
      return {...base(row, profile), status: 'failed', error: `the simulator gave ${e.simulated}`}
    }
    return {
      ...base(row, profile),
      status: 'ok',
      simulated: e.simulated,
      error_pct: errorPct(e.simulated, row.actual),
      speed_log_ratio: speedLogRatio(row.metric, e.simulated, row.actual),
      features: e.features,
      warnings: [...new Set(e.warnings.map((w) => w.code))],
    }
  } catch (error) {
    if (error instanceof InfersimError) return {...base(row, profile), status: 'failed', error: error.message}
    throw error
  }
}

export function evaluateRows(rows: readonly MeasurementRow[], env: EvalEnvironment, profile: Profile): RowOutcome[] {
  return rows.map((r) => evaluateRow(r, env, profile))
}
