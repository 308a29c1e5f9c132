/**
 * How far the serving rows' predictions are off as the engine files stand,
 * without a fit: TTFT and TPOT apart, per engine, model, GPU and clients per
 * replica, in the figures `calibrate --fit` reports (MAPE, median, share more
 * than 2x off). Every evaluated row counts, a run exported twice included;
 * the fit counts such a run once.
 */
import type {OutputRateCheck, ServingLayout} from '../engine.js'
import type {Profile} from '../profile.js'
import {quantile} from '../tables/score-stats.js'
import type {EvalEnvironment} from './environment.js'
import {rowEngineName} from './row-engine.js'
import {breakdown, errorsBy, errorsOf, round, type ErrorBreakdown, type MetricErrors} from './serving-engines.js'
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
  /** tensor-parallel, attention-data-parallel: the layouts the rows ran. */
  byLayout: Record<string, MetricErrors>
}

const isServingMetric = (m: string): m is Prediction['metric'] => m === 'ttft_ms' || m === 'tpot_ms'

/**
 * @param rows the measurement rows, in the order `outcomes` holds their evaluations
 * @returns undefined where no serving row evaluated
 */
export function servingAccuracy(rows: readonly MeasurementRow[], outcomes: readonly RowOutcome[], env: EvalEnvironment, profile: Profile): ServingAccuracy | undefined {
  const preds: Prediction[] = []
  const rates = rateRows(rows, outcomes, env, profile)
  rows.forEach((row, i) => {
    const o = outcomes[i]
    if (row.phase !== 'serving' || o?.status !== 'ok' || !isServingMetric(row.metric)) return
    // The row evaluated, so its GPU, model and layout resolve: the same clients per replica as the fit's.
    const gpu = env.gpu(row.gpu, profile.switches)
    const {concurrency: clients, layout} = servingRun(row, env.model(row, profile.switches.publishedConfigs), gpu)
    preds.push({id: row.id, engine: rowEngineName(row), model: row.model, gpu: gpu.name, clients, layout, metric: row.metric, actual: row.actual, predicted: o.simulated!})
  })
  if (preds.length === 0 && rates.length === 0) return undefined
  const engines: Record<string, ErrorBreakdown> = {}
  for (const e of [...new Set(preds.map((p) => p.engine))].sort()) engines[e] = breakdown(preds.filter((p) => p.engine === e))
  return {rows: preds.length, engines, all: breakdown(preds), ...(rates.length ? {throughput: throughputAccuracy(rates)} : {})}
}

/** One output-rate row as evaluated: its engine, GPU and layout, measured and predicted rates. */
export interface RateRow {
  row: MeasurementRow
  engine: string
  gpu: string
  layout: ServingLayout
  actual: number
  predicted: number
}

/**
 * The output-rate rows (metric output_tgs) that evaluated, with the layout each ran.
 * @param rows the measurement rows, in the order `outcomes` holds their evaluations
 */
export function rateRows(rows: readonly MeasurementRow[], outcomes: readonly RowOutcome[], env: EvalEnvironment, profile: Profile): RateRow[] {
  const out: RateRow[] = []
  rows.forEach((row, i) => {
    const o = outcomes[i]
    if (row.phase !== 'serving' || row.metric !== 'output_tgs' || o?.status !== 'ok') return
    const gpu = env.gpu(row.gpu, profile.switches)
    const model = env.model(row, profile.switches.publishedConfigs)
    out.push({row, engine: rowEngineName(row), gpu: gpu.name, layout: servingRun(row, model, gpu).layout, actual: row.actual, predicted: o.simulated!})
  })
  return out
}

/**
 * The output-rate error by GPU and layout, as an engine file's accuracy.outputRate.checks holds it.
 *
 * @example
 * // Two B200 tensor-parallel runs, predicted 10% over and 20% under.
 * outputRateChecks([{gpu: 'B200-SXM', layout: 'tensor-parallel', actual: 100, predicted: 110}, {gpu: 'B200-SXM', layout: 'tensor-parallel', actual: 100, predicted: 80}])
 * // [{gpu: 'B200-SXM', layout: 'tensor-parallel', runs: 2, median: 0.15, p90: 0.19, ratio: 0.95}]
 */
export function outputRateChecks(rates: readonly Pick<RateRow, 'gpu' | 'layout' | 'actual' | 'predicted'>[]): OutputRateCheck[] {
  const groups = new Map<string, Pick<RateRow, 'gpu' | 'layout' | 'actual' | 'predicted'>[]>()
  for (const r of rates) {
    const key = `${r.gpu} ${r.layout}`
    groups.set(key, [...(groups.get(key) ?? []), r])
  }
  return [...groups.values()]
    .map((g) => {
      const errors = g.map((r) => Math.abs(r.predicted / r.actual - 1)).sort((a, b) => a - b)
      const ratios = g.map((r) => r.predicted / r.actual).sort((a, b) => a - b)
      return {gpu: g[0].gpu, layout: g[0].layout, runs: g.length, median: round(quantile(errors, 0.5)), p90: round(quantile(errors, 0.9)), ratio: round(quantile(ratios, 0.5))}
    })
    .sort((a, b) => a.gpu.localeCompare(b.gpu) || a.layout.localeCompare(b.layout))
}

function throughputAccuracy(rates: readonly RateRow[]): ThroughputAccuracy {
  return {all: errorsOf(rates), byGpu: errorsBy(rates, (r) => r.gpu), byModel: errorsBy(rates, (r) => r.row.model), byLayout: errorsBy(rates, (r) => r.layout)}
}
