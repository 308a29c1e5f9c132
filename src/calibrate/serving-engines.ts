/**
 * `calibrate --fit` for serving rows: fits each engine's parameters on the
 * rows that name it, scores them in-sample and held out (a whole GPU, model
 * or engine version left out of the fit), and returns engine files carrying
 * the fitted values, the rows they came from and the held-out-GPU error as
 * the engine's accuracy.
 */
import {engineFileFor, engineFilePath, readEngineFile, type EngineFile} from '../io/engines.js'
import type {Profile} from '../profile.js'
import {FITTED_NAMES, FITTED_PARAMS, SERVING_LAYOUTS, type ClientsErrorStats, type EngineAccuracy, type EngineParams, type ErrorStats, type FittedParamName, type LayoutErrorStats, type ServingLayout} from '../engine.js'
import {EvalEnvironment} from './environment.js'
import {HOLD_OUTS, type HoldOut} from './hold-outs.js'
import {fitEngine, prepareRuns, type EngineFitResult, type Prediction} from './serving-fit.js'
import type {MeasurementRow} from './types.js'

export interface MetricErrors {
  rows: number
  /** Mean absolute percentage error. */
  mape: number
  /** Median and 90th percentile of the absolute percentage error. */
  median: number
  p90: number
  /** Share of rows predicted more than 2x off either way, percent. */
  over2x: number
  /** Median of predicted / measured: below 1, predictions below the measured values in the median. */
  ratio: number
}

export type ErrorBreakdown = Record<
  'ttft_ms' | 'tpot_ms',
  {
    all: MetricErrors
    byModel: Record<string, MetricErrors>
    byGpu: Record<string, MetricErrors>
    byClients: Record<string, MetricErrors>
    /** tensor-parallel, attention-data-parallel: the layouts the runs served. */
    byLayout: Partial<Record<ServingLayout, MetricErrors>>
  }
>

/** The clients-per-replica ranges the error is broken down by (upper bounds; the last range is open). */
export const CLIENT_EDGES = [8, 32, 64, 128] as const

/** Which range `clients` falls in: the index of the first edge at or above it, or the open last range. */
function clientsRange(clients: number): number {
  const i = CLIENT_EDGES.findIndex((e) => clients <= e)
  return i < 0 ? CLIENT_EDGES.length : i
}

/** The label of the range `clients` falls in: "1-8", ..., "129+". */
export function clientsLabel(clients: number): string {
  const i = clientsRange(clients)
  if (i === CLIENT_EDGES.length) return `${CLIENT_EDGES[i - 1] + 1}+`
  return `${i === 0 ? 1 : CLIENT_EDGES[i - 1] + 1}-${CLIENT_EDGES[i]}`
}

/** The predictions of each range of clients per replica, ascending (the last range open, `upTo` undefined), in one pass. */
function byClientRange(preds: readonly Prediction[]): {label: string; upTo?: number; preds: Prediction[]}[] {
  const ranges = [...CLIENT_EDGES, undefined].map((upTo) => ({label: clientsLabel(upTo ?? Infinity), upTo, preds: [] as Prediction[]}))
  for (const p of preds) ranges[clientsRange(p.clients)].preds.push(p)
  return ranges
}

export interface ServingEngineFit {
  engine: string
  file: string
  runs: number
  rows: number
  models: string[]
  gpus: string[]
  versions: string[]
  params: EngineParams
  /** The parameters fitted; the engine file holds the others of FITTED_NAMES (`held`). */
  fitted: FittedParamName[]
  in_sample: ErrorBreakdown
  /** Runs predicted by a fit that left out their whole GPU, model, or engine version. */
  held_out: Partial<Record<HoldOut, ErrorBreakdown>>
  /** Each GPU's runs predicted by a fit on that GPU alone (absent with one GPU): the model's best there, against which the GPU held out is read. */
  gpu_alone?: ErrorBreakdown
  /** Every row's prediction behind those figures (its id, the measured and the predicted value), to find the runs a view gets wrong. */
  predictions: {
    in_sample: Prediction[]
    held_out: Partial<Record<HoldOut, Prediction[]>>
    gpu_alone?: Prediction[]
  }
}

export interface ServingFitReport {
  profile: string
  data: string[]
  engines: ServingEngineFit[]
  /** All engines together, per held-out scheme. */
  overall_held_out: Partial<Record<HoldOut, ErrorBreakdown>>
  overall_in_sample: ErrorBreakdown
  problems: string[]
  /** Runs faster than the kernel tables allow, prompts or decode (src/calibrate/plausibility.ts), kept in the fit. */
  implausible: string[]
  /** overall_held_out over the runs the kernel tables can explain: the same predictions, the implausible runs left out of the figures. */
  overall_held_out_explained: Partial<Record<HoldOut, ErrorBreakdown>>
  /** All engines, each GPU's runs predicted by a fit on that GPU alone (absent where no engine has two GPUs). */
  overall_gpu_alone?: ErrorBreakdown
}

const quantile = (sorted: readonly number[], q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : 0)

/** MAPE, median, 90th percentile and share more than 2x off of predictions against their measured values. */
export function errorsOf(preds: readonly Pick<Prediction, 'actual' | 'predicted'>[]): MetricErrors {
  // A run that failed to predict counts as 100% off.
  const ape = preds.map((p) => (Number.isFinite(p.predicted) && p.predicted > 0 ? Math.abs(p.predicted - p.actual) / p.actual : 1)).sort((a, b) => a - b)
  const over = preds.filter((p) => !(p.predicted > 0 && p.predicted / p.actual <= 2 && p.predicted / p.actual >= 0.5)).length
  const ratios = preds.map((p) => (Number.isFinite(p.predicted) && p.predicted > 0 ? p.predicted / p.actual : 0)).sort((a, b) => a - b)
  const n = preds.length
  return {
    rows: n,
    mape: n ? (100 * ape.reduce((a, b) => a + b, 0)) / n : 0,
    median: 100 * quantile(ape, 0.5),
    p90: 100 * quantile(ape, 0.9),
    over2x: n ? (100 * over) / n : 0,
    ratio: quantile(ratios, 0.5),
  }
}

/** The error of each group of `preds` by `key`, the groups in sorted order. */
export function errorsBy<T extends Pick<Prediction, 'actual' | 'predicted'>>(preds: readonly T[], key: (p: T) => string): Record<string, MetricErrors> {
  return Object.fromEntries([...new Set(preds.map(key))].sort().map((k) => [k, errorsOf(preds.filter((p) => key(p) === k))]))
}

export function breakdown(preds: readonly Prediction[]): ErrorBreakdown {
  const out = {} as ErrorBreakdown
  for (const metric of ['ttft_ms', 'tpot_ms'] as const) {
    const mine = preds.filter((p) => p.metric === metric)
    const byModel = errorsBy(mine, (p) => p.model)
    // With a GPU held out, a GPU's rows are predicted by the fit on the others: the error in each direction.
    const byGpu = errorsBy(mine, (p) => p.gpu)
    const byClients: Record<string, MetricErrors> = {}
    for (const r of byClientRange(mine)) if (r.preds.length) byClients[r.label] = errorsOf(r.preds)
    const byLayout: Partial<Record<ServingLayout, MetricErrors>> = {}
    for (const l of SERVING_LAYOUTS) if (mine.some((p) => p.layout === l)) byLayout[l] = errorsOf(mine.filter((p) => p.layout === l))
    out[metric] = {all: errorsOf(mine), byModel, byGpu, byClients, byLayout}
  }
  return out
}

export interface ServingFitOptions {
  /** Where the fitted engine files go (and where the parameters in use are looked up first). */
  engineDir: string
  data: string[]
  progress?: (message: string) => void
  /** Evaluations of the full fit and of each held-out fit, per restart (defaults: 800 and 400, two restarts each). */
  effort?: {full: number; heldOut: number}
  /** The held-out views to compute (default: all of HOLD_OUTS). */
  holdOuts?: readonly HoldOut[]
}

function heldOutBreakdowns(results: readonly EngineFitResult[], keep: (p: Prediction) => boolean = () => true): Partial<Record<HoldOut, ErrorBreakdown>> {
  const out: Partial<Record<HoldOut, ErrorBreakdown>> = {}
  for (const by of HOLD_OUTS) {
    const preds = results.flatMap((r) => r.heldOut[by] ?? []).filter(keep)
    if (preds.length > 0) out[by] = breakdown(preds)
  }
  return out
}

export function fitServingEngines(rows: readonly MeasurementRow[], env: EvalEnvironment, profile: Profile, opts: ServingFitOptions): {report: ServingFitReport; files: {file: string; content: EngineFile}[]} {
  const {runs, problems, implausible} = prepareRuns(rows, env, profile)
  const unexplained = new Set(runs.filter((r) => r.implausible).flatMap((r) => [r.ttft?.id, r.tpot?.id].filter((id): id is string => id !== undefined)))
  const engines = [...new Set(runs.map((r) => r.engine))].sort()
  const results: EngineFitResult[] = []
  const fits: ServingEngineFit[] = []
  const files: {file: string; content: EngineFile}[] = []
  const effort = opts.effort ?? {full: 800, heldOut: 400}
  for (const name of engines) {
    // Start from the parameters in use (a fit of the user's, else the bundled ones); write to the user's folder.
    const file = engineFilePath(name, opts.engineDir)
    const current = readEngineFile(engineFileFor(name, opts.engineDir))
    const start = Object.fromEntries(Object.entries(current.parameters).map(([k, v]) => [k, v.value])) as unknown as EngineParams
    // An engine file may hold a parameter (`held`: its value is not fitted; the source says why).
    const fitted = FITTED_NAMES.filter((n) => !current.parameters[n]?.held)
    const r = fitEngine(name, runs, start, {full: {maxEvaluations: effort.full, restarts: 2}, heldOut: {maxEvaluations: effort.heldOut, restarts: 2}, fitted, progress: opts.progress, holdOuts: opts.holdOuts})
    results.push(r)
    const fit: ServingEngineFit = {
      engine: name,
      file,
      runs: r.runs,
      rows: r.rows,
      models: r.models,
      gpus: r.gpus,
      versions: r.versions,
      params: r.params,
      fitted,
      in_sample: breakdown(r.inSample),
      held_out: heldOutBreakdowns([r]),
      ...(r.gpuAlone.length ? {gpu_alone: breakdown(r.gpuAlone)} : {}),
      predictions: {in_sample: r.inSample, held_out: r.heldOut, ...(r.gpuAlone.length ? {gpu_alone: r.gpuAlone} : {})},
    }
    fits.push(fit)
    files.push({file, content: withFit(current, fit, r.heldOut, profile.name, opts.data)})
  }
  return {
    report: {
      profile: profile.name,
      data: opts.data,
      engines: fits,
      overall_held_out: heldOutBreakdowns(results),
      overall_in_sample: breakdown(results.flatMap((r) => r.inSample)),
      problems,
      implausible,
      overall_held_out_explained: heldOutBreakdowns(results, (p) => !unexplained.has(p.id)),
      ...(results.some((r) => r.gpuAlone.length) ? {overall_gpu_alone: breakdown(results.flatMap((r) => r.gpuAlone))} : {}),
    },
    files,
  }
}

/** A figure as the engine files keep it: four significant digits. */
export const round = (v: number) => Number(v.toPrecision(4))
const fraction = (e: MetricErrors): ErrorStats => ({mape: round(e.mape / 100), median: round(e.median / 100), p90: round(e.p90 / 100)})

/** Fewest held-out runs behind a clients group of an engine's accuracy; a range with fewer joins its neighbour. */
export const MIN_GROUP_RUNS = 20

/**
 * The held-out error by clients per replica (CLIENT_EDGES), ascending; a range with fewer than
 * MIN_GROUP_RUNS runs joins the one below it (the first, the one above). Empty when all the runs
 * together are fewer.
 */
export function clientsGroups(preds: readonly Prediction[]): ClientsErrorStats[] {
  const runsIn = (ps: readonly Prediction[]) => ps.filter((p) => p.metric === 'ttft_ms').length
  const groups: {upTo?: number; preds: Prediction[]}[] = []
  let pending: Prediction[] = []
  for (const r of byClientRange(preds)) {
    pending = [...pending, ...r.preds]
    if (runsIn(pending) >= MIN_GROUP_RUNS) {
      groups.push({upTo: r.upTo, preds: pending})
      pending = []
    }
  }
  if (groups.length === 0) return []
  // What is left above the last group joins it, and the last group has no bound.
  const last = groups[groups.length - 1]
  last.preds = [...last.preds, ...pending]
  delete last.upTo
  return groups.map((g) => {
    const of = (metric: Prediction['metric']) => fraction(errorsOf(g.preds.filter((p) => p.metric === metric)))
    return {...(g.upTo === undefined ? {} : {clientsUpTo: g.upTo}), runs: runsIn(g.preds), ttft: of('ttft_ms'), tpot: of('tpot_ms')}
  })
}

/** Fewest held-out runs of a layout for the engine's accuracy to give that layout's error apart. */
export const MIN_LAYOUT_RUNS = 5

/**
 * The held-out error of each layout the runs served, where more than one has at least
 * MIN_LAYOUT_RUNS runs; empty otherwise.
 *
 * @example
 * // 10 tensor-parallel runs; 5 data-parallel ones whose TTFT came out at half the measured
 * layoutGroups(preds) // [{layout: 'tensor-parallel', runs: 10, ...}, {layout: 'attention-data-parallel', runs: 5, ttft: {mape: 0.5, median: 0.5, p90: 0.5, ratio: 0.5}, ...}]
 */
export function layoutGroups(preds: readonly Prediction[]): LayoutErrorStats[] {
  const groups = SERVING_LAYOUTS.map((layout) => ({layout, preds: preds.filter((p) => p.layout === layout)}))
    .map((g) => ({...g, runs: g.preds.filter((p) => p.metric === 'ttft_ms').length}))
    .filter((g) => g.runs >= MIN_LAYOUT_RUNS)
  if (groups.length < 2) return []
  return groups.map((g) => {
    const of = (metric: Prediction['metric']) => {
      const e = errorsOf(g.preds.filter((p) => p.metric === metric))
      return {...fraction(e), ratio: round(e.ratio)}
    }
    return {layout: g.layout, runs: g.runs, ttft: of('ttft_ms'), tpot: of('tpot_ms')}
  })
}

/** The engine's accuracy: its runs predicted with their whole GPU held out (or, with one GPU, their whole model). */
function accuracyOf(fit: ServingEngineFit, preds: Partial<Record<HoldOut, Prediction[]>>): EngineAccuracy | undefined {
  const [by, b] = fit.held_out.gpu ? (['gpu', fit.held_out.gpu] as const) : fit.held_out.model ? (['model', fit.held_out.model] as const) : []
  if (!by || !b) return undefined
  const heldOut = by === 'gpu' ? `leave one GPU out: each of ${fit.gpus.join(', ')} predicted by a fit on the others` : `leave one model out over ${fit.models.join(', ')}`
  const groups = clientsGroups(preds[by] ?? [])
  const layouts = layoutGroups(preds[by] ?? [])
  return {
    heldOut,
    rows: b.ttft_ms.all.rows + b.tpot_ms.all.rows,
    ttft: fraction(b.ttft_ms.all),
    tpot: fraction(b.tpot_ms.all),
    ...(groups.length > 1 ? {byClients: groups} : {}),
    ...(layouts.length ? {byLayout: layouts} : {}),
  }
}

function withFit(current: EngineFile, fit: ServingEngineFit, preds: Partial<Record<HoldOut, Prediction[]>>, profile: string, data: string[]): EngineFile {
  const parameters = structuredClone(current.parameters)
  const source = `fitted by infersim calibrate --fit (profile ${profile}) on ${fit.rows} serving rows of ${fit.models.join(', ')} on ${fit.gpus.join(', ')}: ${data.join(', ')}`
  for (const name of fit.fitted) parameters[name] = {...parameters[name], value: round(fit.params[name]), source}
  const summary = (b: ErrorBreakdown) => ({ttft_mape: round(b.ttft_ms.all.mape), tpot_mape: round(b.tpot_ms.all.mape)})
  const perGpu = (b: ErrorBreakdown) => {
    const gpus = [...new Set([...Object.keys(b.ttft_ms.byGpu), ...Object.keys(b.tpot_ms.byGpu)])].sort()
    const mape = (e: MetricErrors | undefined) => (e ? round(e.mape) : undefined)
    return Object.fromEntries(gpus.map((g) => [g, {ttft_mape: mape(b.ttft_ms.byGpu[g]), tpot_mape: mape(b.tpot_ms.byGpu[g])}]))
  }
  const heldOut = Object.fromEntries(Object.entries(fit.held_out).map(([by, b]) => [`leave_one_${by}_out`, summary(b)]))
  const accuracy = accuracyOf(fit, preds)
  const out: EngineFile = {
    ...current,
    parameters,
    fit: {
      data,
      profile,
      rows: fit.rows,
      runs: fit.runs,
      gpus: fit.gpus,
      models: fit.models,
      versions: fit.versions,
      objective: `mean over TTFT and TPOT rows of (|q - 1| + |ln q|) / 2, q = predicted / measured, plus the priors (${FITTED_NAMES.filter((n) => FITTED_PARAMS[n].prior).join(', ')}), Nelder-Mead over the fitted parameters within their ranges; held-out fits start from a fixed point`,
      fitted: [...fit.fitted],
      held: FITTED_NAMES.filter((n) => !fit.fitted.includes(n)),
      in_sample: summary(fit.in_sample),
      cross_validation: heldOut,
      ...(fit.gpu_alone ? {gpu_alone: perGpu(fit.gpu_alone)} : {}),
    },
  }
  if (accuracy) out.accuracy = accuracy
  else delete out.accuracy
  return out
}
