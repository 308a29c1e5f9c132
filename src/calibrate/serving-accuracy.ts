/**
 * How far the serving rows' predictions are off as the engine files stand,
 * without a fit: TTFT and TPOT apart, per engine, model, GPU and clients per
 * replica, in the figures `calibrate --fit` reports (MAPE, median, share more
 * than 2x off). Every evaluated row counts, a run exported twice included;
 * the fit counts such a run once.
 */
import type {Profile} from '../profile.js'
import type {EvalEnvironment} from './environment.js'
import {rowEngineName} from './row-engine.js'
import {breakdown, errorsOf, type ErrorBreakdown, type MetricErrors} from './serving-engines.js'
import type {Prediction} from './serving-fit.js'
import {servingRun} from './serving.js'
import type {MeasurementRow, RowOutcome} from './types.js'

export interface ServingAccuracy {
  /** Serving rows evaluated (TTFT and TPOT rows together). */
  rows: number
  engines: Record<string, ErrorBreakdown>
  all: ErrorBreakdown
  /** Rows measuring a run's output tokens per GPU per second (metric output_tgs), per GPU and model; absent without any. */
  throughput?: ThroughputAccuracy
}

export interface ThroughputAccuracy {
  all: MetricErrors
  byGpu: Record<string, MetricErrors>
  byModel: Record<string, MetricErrors>
}

const isServingMetric = (m: string): m is Prediction['metric'] => m === 'ttft_ms' || m === 'tpot_ms'

/**
 * @param rows the measurement rows, in the order `outcomes` holds their evaluations
 * @returns undefined where no serving row evaluated
 */
export function servingAccuracy(rows: readonly MeasurementRow[], outcomes: readonly RowOutcome[], env: EvalEnvironment, profile: Profile): ServingAccuracy | undefined {
  const preds: Prediction[] = []
  const rates: {gpu: string; model: string; actual: number; predicted: number}[] = []
  rows.forEach((row, i) => {
    const o = outcomes[i]
    if (row.phase !== 'serving' || o?.status !== 'ok') return
    if (row.metric === 'output_tgs') rates.push({gpu: env.gpu(row.gpu, profile.switches).name, model: row.model, actual: row.actual, predicted: o.simulated!})
    if (!isServingMetric(row.metric)) return
    // The row evaluated, so its GPU, model and layout resolve: the same clients per replica as the fit's.
    const gpu = env.gpu(row.gpu, profile.switches)
    const clients = servingRun(row, env.model(row, profile.switches.publishedConfigs), gpu).concurrency
    preds.push({id: row.id, engine: rowEngineName(row), model: row.model, gpu: gpu.name, clients, metric: row.metric, actual: row.actual, predicted: o.simulated!})
  })
  if (preds.length === 0 && rates.length === 0) return undefined
  const engines: Record<string, ErrorBreakdown> = {}
  for (const e of [...new Set(preds.map((p) => p.engine))].sort()) engines[e] = breakdown(preds.filter((p) => p.engine === e))
  return {rows: preds.length, engines, all: breakdown(preds), ...(rates.length ? {throughput: throughputAccuracy(rates)} : {})}
}

function throughputAccuracy(rates: readonly {gpu: string; model: string; actual: number; predicted: number}[]): ThroughputAccuracy {
  const by = (key: 'gpu' | 'model') => Object.fromEntries([...new Set(rates.map((r) => r[key]))].sort().map((k) => [k, errorsOf(rates.filter((r) => r[key] === k))]))
  return {all: errorsOf(rates), byGpu: by('gpu'), byModel: by('model')}
}
