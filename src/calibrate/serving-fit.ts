/**
 * Fitting an engine's parameters (src/engine.ts FITTED_PARAMS) to measured
 * serving runs: Nelder-Mead on the mean error of the TTFT and TPOT rows
 * (fitError: relative and log error together, plus the parameters' priors),
 * each parameter mapped from its range onto the real line. The error (MAPE)
 * is reported in-sample and held out: every
 * run predicted by parameters fitted without its whole GPU, its whole model,
 * or its whole engine version, those fits starting from a fixed point
 * (FITTED_PARAMS' start). Parameters an engine file marks `held` keep their
 * values. A run whose prompts are more than its GPUs can prefill is named
 * (src/calibrate/plausibility.ts).
 */
import {HOLD_OUTS, type HoldOut} from './hold-outs.js'
import {InfersimError} from '../errors.js'
import type {Profile} from '../profile.js'
import {FITTED_NAMES, FITTED_PARAMS, type EngineParams, type FittedParamName, type ServingLayout} from '../engine.js'
import {solveServing} from '../serving/mean-field.js'
import {servingProblem, type ServingProblem} from '../serving/simulate.js'
import {EvalEnvironment} from './environment.js'
import {decodeBeyondKernels, promptsBeyondKernels} from './plausibility.js'
import {rowEngineName, rowEngineVersion, servingRun} from './serving.js'
import {rowEngine, rowSettings} from './row-engine.js'
import {rowStepBudget} from './launch-budget.js'
import {nelderMead} from './serving-optimize.js'
import type {MeasurementRow} from './types.js'
import type {ModelSpec} from '../model/types.js'
import {withGpuDefaults} from '../serving/engine-on-gpu.js'

export interface FitRun {
  engine: string
  model: string
  gpu: string
  /** The engine and its version (column backend_version; "unknown" when absent). */
  version: string
  /** Rows of one configuration at all concurrencies share a configuration key (the unit of a CV fold). */
  configuration: string
  /** Tensor-parallel replicas, or attention groups that share the MoE. */
  layout: ServingLayout
  problem: ServingProblem
  ttft?: {id: string; actual: number}
  tpot?: {id: string; actual: number}
  /** Why the run's prompts are more than its GPUs can prefill (src/calibrate/plausibility.ts); such a run stays in the fit. */
  implausible?: string
  /** The engine settings the run was launched with (rowSettings), over the fitted parameters and the GPU's defaults. */
  settings?: Partial<EngineParams>
}

export interface Prediction {
  id: string
  engine: string
  model: string
  gpu: string
  /** Clients per replica (per attention group where the MoE is shared). */
  clients: number
  /** Tensor-parallel replicas, or attention groups that share the MoE. */
  layout: ServingLayout
  metric: 'ttft_ms' | 'tpot_ms'
  actual: number
  predicted: number
}

const metricOf = (m: string) => (m === 'ttft_ms' ? 'ttft' : 'tpot')

/** The serving rows an engine fit learns from: TTFT and TPOT. Rows of a run's output rate (output_tgs) check it instead. */
export const isFittedServingRow = (row: Pick<MeasurementRow, 'phase' | 'metric'>): boolean => row.phase === 'serving' && (row.metric === 'ttft_ms' || row.metric === 'tpot_ms')

/**
 * What a model's name does not change: a run of one architecture under two names with the same
 * values to the last digit (DeepSeek-R1 runs exported again under DeepSeek-V3's config, which is R1's
 * too) is the same run, and counts once.
 */
const architectureOf = (m: ModelSpec): string =>
  JSON.stringify([m.modelType, m.layers, m.hidden, m.vocab, m.tiedEmbeddings, m.attention, m.linear ?? null, m.ffn, m.shippedQuant ?? null, m.shippedKvQuant ?? null])

/** Two exports of one measured value: equal but for the last bits of a double. */
const sameValue = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b))

/** Groups serving rows into runs (one deployment at one concurrency) and builds each run's step costs once. */
export function prepareRuns(rows: readonly MeasurementRow[], env: EvalEnvironment, profile: Profile): {runs: FitRun[]; problems: string[]; implausible: string[]} {
  const byKey = new Map<string, FitRun>()
  const problems: string[] = []
  for (const row of rows) {
    if (!isFittedServingRow(row)) continue
    try {
      const gpu = env.gpu(row.gpu, profile.switches)
      const model = env.model(row, profile.switches.publishedConfigs)
      const engine = rowEngineName(row)
      const layout = servingRun(row, model, gpu)
      const d = layout.deployment
      const settings = rowSettings(row)
      const configuration = [architectureOf(model), row.gpu, d.tp, d.worldSize, d.weightFormat ?? row.fp8_gemm, row.fp8_kv, d.moeEp ?? '', engine, row.extra.backend_version ?? '', row.isl, row.osl, row.max_prefill_tokens ?? '', JSON.stringify(settings)].join('|')
      const slot = metricOf(row.metric)
      let key = `${configuration}|${row.decode_batch}`
      let run = byKey.get(key)
      // Under another name the same run repeats its values to the last digit; another value under another name is another run.
      const earlier = run?.[slot]?.actual
      if (run && run.model !== row.model && !(earlier !== undefined && sameValue(earlier, row.actual))) {
        key = `${key}|${row.model}`
        run = byKey.get(key)
      }
      if (!run) {
        // The fitted parameters are not known yet; what the step costs depend on (the KV dtype the engine picks, its FP8-KV and FP8 GEMM kernels) is.
        const loaded = rowEngine(row)
        const {params: rowParams, gpuDefaults} = loaded
        const kernels = {kv_dtype_from_checkpoint: rowParams.kv_dtype_from_checkpoint, fp8_kv_decode: rowParams.fp8_kv_decode, fp8_gemm: rowParams.fp8_gemm}
        const placeholder = {name: engine, params: {max_prefill_tokens: 0, ...kernels} as EngineParams, ...(gpuDefaults ? {gpuDefaults} : {})}
        // The step budget is not fitted: the row's, else its launch configuration's, else the engine's (at predict time).
        const maxPrefillTokens = rowStepBudget(row, loaded, gpu, model)?.tokens
        const problem = servingProblem(model, d, gpu, env.tables(gpu), profile, {concurrency: layout.concurrency, engine: placeholder, maxPrefillTokens, measured: true, ...rowEngineVersion(row)}, env.simulateOptions)
        run = {engine, model: row.model, gpu: gpu.name, version: `${engine} ${row.extra.backend_version || 'unknown'}`, configuration, layout: layout.layout, problem, ...(Object.keys(settings).length ? {settings} : {})}
        byKey.set(key, run)
      }
      // A run exported under two names is reported under the first of them in order, whichever row came first.
      else if (row.model < run.model) run.model = row.model
      const first = run[slot]
      if (first) {
        // A repeat of the same value is the same measurement exported twice; another value is a second measurement of it.
        const same = sameValue(first.actual, row.actual)
        const apart = Math.max(first.actual, row.actual) / Math.min(first.actual, row.actual)
        const how = same ? 'the same value' : `${row.actual.toPrecision(4)} against ${first.actual.toPrecision(4)}, ${apart.toFixed(2)}x apart`
        problems.push(`row ${row.id}: a second ${row.metric} row for the same run as ${first.id} (${how}); ignored by the fit`)
      }
      else run[slot] = {id: row.id, actual: row.actual}
    } catch (error) {
      if (error instanceof InfersimError) problems.push(`row ${row.id}: ${(error as Error).message}`)
      else throw error
    }
  }
  const runs = [...byKey.values()]
  const implausible: string[] = []
  for (const r of runs) {
    if (!r.ttft || !r.tpot) continue
    const id = r.ttft.id.replace(/-ttft$/, '')
    const why = [promptsBeyondKernels, decodeBeyondKernels].map((check) => check(id, r.problem.cost, r.problem.workload, r.ttft!.actual, r.tpot!.actual))
    for (const w of why) if (w) implausible.push(w)
    r.implausible = why.filter(Boolean).join('; ') || undefined
  }
  return {runs, problems, implausible}
}

/** The engine's budget unless the row gave one (servingProblem was built before the engine was known). */
function workloadFor(run: FitRun, p: EngineParams) {
  const w = run.problem.workload
  return w.maxPrefillTokens > 0 ? w : Object.assign({}, w, {maxPrefillTokens: p.max_prefill_tokens})
}

/** A run's prediction at the parameters `p`, with the engine's defaults on the run's GPU over them (gpu_defaults). */
export function predictRun(run: FitRun, p: EngineParams): {ttft: number; tpot: number} {
  const onGpu = run.settings ? {...withGpuDefaults(p, run.problem.gpuDefaults.values), ...run.settings} : withGpuDefaults(p, run.problem.gpuDefaults.values)
  const s = solveServing(run.problem.cost, onGpu, workloadFor(run, onGpu))
  return {ttft: s.ttftMs, tpot: s.tpotMs}
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z))
const logit = (u: number) => Math.log(u / (1 - u))

function toVector(p: EngineParams, names: readonly FittedParamName[]): number[] {
  return names.map((name) => {
    const {min, max, log} = FITTED_PARAMS[name]
    const [lo, hi, v] = log ? [Math.log(min), Math.log(max), Math.log(p[name])] : [min, max, p[name]]
    // Start inside the range: at its edge the logistic map is flat and the search would not move the parameter.
    const u = Math.min(0.98, Math.max(0.02, (v - lo) / (hi - lo)))
    return logit(u)
  })
}

function fromVector(x: number[], base: EngineParams, names: readonly FittedParamName[]): EngineParams {
  const out = Object.assign({}, base)
  names.forEach((name, i) => {
    const {min, max, log} = FITTED_PARAMS[name]
    const u = sigmoid(x[i])
    out[name] = log ? Math.exp(Math.log(min) + u * (Math.log(max) - Math.log(min))) : min + u * (max - min)
  })
  return out
}

/** The mean of `error(predicted / measured)` over the runs' TTFT and TPOT rows; MAX_VALUE where a run cannot be predicted. */
function meanRowError(runs: readonly FitRun[], p: EngineParams, error: (q: number) => number): number {
  let sum = 0
  let n = 0
  for (const run of runs) {
    let pred: {ttft: number; tpot: number}
    try {
      pred = predictRun(run, p)
    } catch {
      return Number.MAX_VALUE
    }
    if (run.ttft) {
      sum += error(pred.ttft / run.ttft.actual)
      n++
    }
    if (run.tpot) {
      sum += error(pred.tpot / run.tpot.actual)
      n++
    }
  }
  return n > 0 ? Math.min(Number.MAX_VALUE, sum / n) : 0
}

/** Mean absolute relative error (MAPE / 100) over the runs' TTFT and TPOT rows: the figure the fit reports. */
export const loss = (runs: readonly FitRun[], p: EngineParams): number => meanRowError(runs, p, (q) => Math.abs(q - 1))

/**
 * What the fit charges one row whose prediction is `q` times the measured
 * value: the mean of its relative error |q - 1| and its log error |ln q|.
 * The relative error alone (MAPE) charges a prediction of half the measured
 * value 0.5 and one of twice 1, so a fit on it leans low and leaves the runs
 * it under-predicts more than 2x off; the log error charges both ln 2.
 * Fitted on this mean instead, with join_steps under its prior, TTFT with a
 * GPU held out went from 34.4% to 31.6% MAPE and its runs more than 2x off
 * from 17.6% to 13.7%, TPOT 14.7% either way (calibrate --fit on the
 * bundled runs; docs/serving.md).
 *
 * @example
 * fitError(2) // (1 + ln 2) / 2 = 0.8466
 * fitError(0.5) // (0.5 + ln 2) / 2 = 0.5966
 */
export const fitError = (q: number): number => (q > 0 ? 0.5 * Math.abs(q - 1) + 0.5 * Math.abs(Math.log(q)) : Number.POSITIVE_INFINITY)

/** The mean of `fitError` over the runs' TTFT and TPOT rows: what the fit minimises, before the priors. */
export const fitLoss = (runs: readonly FitRun[], p: EngineParams): number => meanRowError(runs, p, fitError)

/** What the fit minimises: `fitLoss` plus what the parameters' priors charge for leaving them. */
export function objective(runs: readonly FitRun[], p: EngineParams): number {
  let prior = 0
  for (const name of FITTED_NAMES) {
    const {prior: at, log} = FITTED_PARAMS[name]
    if (at) prior += at.weight * (log ? Math.abs(Math.log(p[name] / at.at)) : Math.abs(p[name] - at.at) / at.at)
  }
  return fitLoss(runs, p) + prior
}

export interface FitEffort {
  maxEvaluations: number
  restarts: number
}

/** Fits `names` (default: every fitted parameter); the others keep their values from `start`. */
export function fitParams(
  runs: readonly FitRun[],
  start: EngineParams,
  effort: FitEffort,
  names: readonly FittedParamName[] = FITTED_NAMES,
): {params: EngineParams; loss: number; evaluations: number} {
  let x = toVector(start, names)
  let best = {x, value: objective(runs, start), evaluations: 1}
  let evaluations = 1
  for (let r = 0; r < effort.restarts; r++) {
    const m = nelderMead((v) => objective(runs, fromVector(v, start, names)), best.x, {maxEvaluations: effort.maxEvaluations, step: r === 0 ? 1 : 0.3, tolerance: 1e-6})
    evaluations += m.evaluations
    if (m.value <= best.value) best = {...m, evaluations}
    x = best.x
  }
  const params = fromVector(best.x, start, names)
  return {params, loss: loss(runs, params), evaluations}
}

function predictionsOf(runs: readonly FitRun[], p: EngineParams): Prediction[] {
  const out: Prediction[] = []
  for (const run of runs) {
    let pred: {ttft: number; tpot: number}
    try {
      pred = predictRun(run, p)
    } catch {
      pred = {ttft: Number.NaN, tpot: Number.NaN}
    }
    const of = {engine: run.engine, model: run.model, gpu: run.gpu, clients: run.problem.workload.concurrency, layout: run.layout}
    if (run.ttft) out.push({id: run.ttft.id, ...of, metric: 'ttft_ms', actual: run.ttft.actual, predicted: pred.ttft})
    if (run.tpot) out.push({id: run.tpot.id, ...of, metric: 'tpot_ms', actual: run.tpot.actual, predicted: pred.tpot})
  }
  return out
}

const groupOf = (r: FitRun, by: HoldOut) => (by === 'gpu' ? r.gpu : by === 'model' ? r.model : r.version)

export interface EngineFitResult {
  engine: string
  params: EngineParams
  runs: number
  rows: number
  models: string[]
  gpus: string[]
  versions: string[]
  loss: number
  inSample: Prediction[]
  /**
   * Each group's runs predicted by a fit on the engine's other groups: a
   * whole GPU, a whole model, a whole engine version held out. Absent where
   * the engine has one group only.
   */
  heldOut: Partial<Record<HoldOut, Prediction[]>>
  /**
   * Each GPU's runs predicted by a fit on that GPU's runs alone: what the
   * model reaches on them at best. The error with the GPU held out, above
   * this, is what carrying a fit from the other GPUs costs. Empty where the
   * engine has runs on one GPU only.
   */
  gpuAlone: Prediction[]
}

export interface EngineFitOptions {
  full: FitEffort
  heldOut: FitEffort
  /** The parameters to fit (default: all of FITTED_NAMES); an engine file holds the others (`held`). */
  fitted?: readonly FittedParamName[]
  progress?: (message: string) => void
  /** The held-out views to compute (default: all of HOLD_OUTS); each GPU is fitted alone only with 'gpu'. */
  holdOuts?: readonly HoldOut[]
}

export function fitEngine(engine: string, runs: readonly FitRun[], start: EngineParams, opts: EngineFitOptions): EngineFitResult {
  const mine = runs.filter((r) => r.engine === engine)
  opts.progress?.(`fitting ${engine} on ${mine.length} runs`)
  const names = opts.fitted ?? FITTED_NAMES
  const full = fitParams(mine, start, opts.full, names)
  // Held-out fits start from a fixed point, not from the fit on all runs (which has seen the held-out ones).
  const neutral = Object.assign({}, start)
  for (const name of names) neutral[name] = FITTED_PARAMS[name].start
  const heldOut: EngineFitResult['heldOut'] = {}
  const views = opts.holdOuts ?? HOLD_OUTS
  const sorted = (by: HoldOut) => [...new Set(mine.map((r) => groupOf(r, by)))].sort()
  for (const by of HOLD_OUTS.filter((h) => views.includes(h))) {
    const groups = sorted(by)
    if (groups.length < 2) continue
    const preds: Prediction[] = []
    for (const g of groups) {
      opts.progress?.(`${engine}: holding out ${by} ${g}`)
      const fitted = fitParams(
        mine.filter((r) => groupOf(r, by) !== g),
        neutral,
        opts.heldOut,
        names,
      ).params
      preds.push(...predictionsOf(mine.filter((r) => groupOf(r, by) === g), fitted))
    }
    heldOut[by] = preds
  }
  const gpuAlone: Prediction[] = []
  const gpus = sorted('gpu')
  if (gpus.length > 1 && views.includes('gpu'))
    for (const g of gpus) {
      opts.progress?.(`${engine}: fitting ${g} alone`)
      const onGpu = mine.filter((r) => r.gpu === g)
      gpuAlone.push(...predictionsOf(onGpu, fitParams(onGpu, neutral, opts.heldOut, names).params))
    }
  return {
    engine,
    params: full.params,
    runs: mine.length,
    rows: mine.reduce((a, r) => a + (r.ttft ? 1 : 0) + (r.tpot ? 1 : 0), 0),
    models: sorted('model'),
    gpus: sorted('gpu'),
    versions: sorted('version'),
    loss: full.loss,
    inSample: predictionsOf(mine, full.params),
    heldOut,
    gpuAlone,
  }
}
