/**
 * `calibrate --fit` for serving rows: fits each engine's parameters on the
 * rows that name it, scores them in-sample and cross-validated (error per
 * engine, model and metric), and returns engine files carrying the fitted
 * values and the data they came from.
 */
import {engineFileFor, engineFilePath, readEngineFile, type EngineFile} from '../io/engines.js'
import type {Profile} from '../profile.js'
import {FITTED_NAMES, type EngineParams} from '../engine.js'
import {EvalEnvironment} from './environment.js'
import {fitEngine, prepareRuns, type EngineFitResult, type Prediction} from './serving-fit.js'
import type {MeasurementRow} from './types.js'

export interface MetricErrors {
  rows: number
  /** Mean absolute percentage error. */
  mape: number
}

export type ErrorBreakdown = Record<'ttft_ms' | 'tpot_ms', {all: MetricErrors; byModel: Record<string, MetricErrors>}>

export interface ServingEngineFit {
  engine: string
  file: string
  runs: number
  rows: number
  models: string[]
  params: EngineParams
  in_sample: ErrorBreakdown
  /** Configurations (a model, deployment, isl and osl at every concurrency) held out in folds. */
  cv_configuration_folds: ErrorBreakdown & {folds: number}
  /** Each model predicted by a fit on the engine's other models. */
  cv_leave_one_model_out?: ErrorBreakdown
}

export interface ServingFitReport {
  profile: string
  data: string[]
  engines: ServingEngineFit[]
  /** All engines together, cross-validated by configuration folds. */
  overall_cv: ErrorBreakdown
  overall_in_sample: ErrorBreakdown
  problems: string[]
}

function errorsOf(preds: readonly Prediction[]): MetricErrors {
  const ok = preds.filter((p) => Number.isFinite(p.predicted) && p.predicted > 0)
  const failed = preds.length - ok.length
  const sum = ok.reduce((a, p) => a + Math.abs(p.predicted - p.actual) / p.actual, 0) + failed
  return {rows: preds.length, mape: preds.length ? (100 * sum) / preds.length : 0}
}

export function breakdown(preds: readonly Prediction[]): ErrorBreakdown {
  const out = {} as ErrorBreakdown
  for (const metric of ['ttft_ms', 'tpot_ms'] as const) {
    const mine = preds.filter((p) => p.metric === metric)
    const byModel: Record<string, MetricErrors> = {}
    for (const m of [...new Set(mine.map((p) => p.model))].sort()) byModel[m] = errorsOf(mine.filter((p) => p.model === m))
    out[metric] = {all: errorsOf(mine), byModel}
  }
  return out
}

export interface ServingFitOptions {
  /** Where the fitted engine files go (and where the parameters in use are looked up first). */
  engineDir: string
  folds: number
  data: string[]
  progress?: (message: string) => void
}

export function fitServingEngines(rows: readonly MeasurementRow[], env: EvalEnvironment, profile: Profile, opts: ServingFitOptions): {report: ServingFitReport; files: {file: string; content: EngineFile}[]} {
  const {runs, problems} = prepareRuns(rows, env, profile)
  const engines = [...new Set(runs.map((r) => r.engine))].sort()
  const results: EngineFitResult[] = []
  const fits: ServingEngineFit[] = []
  const files: {file: string; content: EngineFile}[] = []
  for (const name of engines) {
    // Start from the parameters in use (a fit of the user's, else the bundled ones); write to the user's folder.
    const file = engineFilePath(name, opts.engineDir)
    const current = readEngineFile(engineFileFor(name, opts.engineDir))
    const start = Object.fromEntries(Object.entries(current.parameters).map(([k, v]) => [k, v.value])) as unknown as EngineParams
    const r = fitEngine(name, runs, start, {folds: opts.folds, full: {maxEvaluations: 800, restarts: 2}, cv: {maxEvaluations: 250, restarts: 1}, progress: opts.progress})
    results.push(r)
    const fit: ServingEngineFit = {
      engine: name,
      file,
      runs: r.runs,
      rows: r.rows,
      models: r.models,
      params: r.params,
      in_sample: breakdown(r.inSample),
      cv_configuration_folds: Object.assign(breakdown(r.configurationFolds), {folds: r.folds}),
      cv_leave_one_model_out: r.leaveOneModelOut && breakdown(r.leaveOneModelOut),
    }
    fits.push(fit)
    files.push({file, content: withFit(current, fit, profile.name, opts.data)})
  }
  return {
    report: {
      profile: profile.name,
      data: opts.data,
      engines: fits,
      overall_cv: breakdown(results.flatMap((r) => r.configurationFolds)),
      overall_in_sample: breakdown(results.flatMap((r) => r.inSample)),
      problems,
    },
    files,
  }
}

const round = (v: number) => Number(v.toPrecision(4))

function withFit(current: EngineFile, fit: ServingEngineFit, profile: string, data: string[]): EngineFile {
  const parameters = structuredClone(current.parameters)
  const source = `fitted by infersim calibrate --fit (profile ${profile}) on ${fit.rows} serving rows of ${fit.models.join(', ')}: ${data.join(', ')}`
  for (const name of FITTED_NAMES) parameters[name] = {...parameters[name], value: round(fit.params[name]), source}
  const summary = (b: ErrorBreakdown) => ({ttft_mape: round(b.ttft_ms.all.mape), tpot_mape: round(b.tpot_ms.all.mape)})
  return {
    ...current,
    parameters,
    fit: {
      data,
      profile,
      rows: fit.rows,
      runs: fit.runs,
      objective: 'mean |predicted / measured - 1| (MAPE) over TTFT and TPOT rows, Nelder-Mead over the fitted parameters within their ranges',
      fitted: [...FITTED_NAMES],
      in_sample: summary(fit.in_sample),
      cross_validation: {
        configuration_folds: {folds: fit.cv_configuration_folds.folds, ...summary(fit.cv_configuration_folds)},
        ...(fit.cv_leave_one_model_out ? {leave_one_model_out: summary(fit.cv_leave_one_model_out)} : {}),
      },
    },
  }
}
