/** calibrate(): `infersim calibrate` as a function. It writes a file only where an option names it. */
import path from 'node:path'
import {ablateSwitches, type SwitchAblation} from '../calibrate/ablate.js'
import {checkAgainstBaseline, makeBaseline, readBaseline, writeBaseline, type CheckResult} from '../calibrate/baseline.js'
import {FEATURE_NAMES} from '../calibrate/features.js'
import {fitFileText, makeFitFile} from '../calibrate/fit-file.js'
import {fitProfile, type ProfileFit} from '../calibrate/fit.js'
import {renderPlotSvg} from '../calibrate/plot.js'
import {packageRelative, runCalibration} from '../calibrate/run.js'
import {outputRateChecks, rateRows, servingAccuracy, type RateRow, type ServingAccuracy} from '../calibrate/serving-accuracy.js'
import {fitServingEngines, type ServingFitReport} from '../calibrate/serving-engines.js'
import {isFittedServingRow} from '../calibrate/serving-fit.js'
import {HOLD_OUTS} from '../calibrate/hold-outs.js'
import {useEngineDir} from '../calibrate/serving.js'
import {useEngines} from '../calibrate/row-engine.js'
import {evaluateRows} from '../calibrate/runner.js'
import {bundledMeasurementFiles} from '../calibrate/sources.js'
import type {MeasurementRow, ProfileSummary, RowOutcome, RowProblem} from '../calibrate/types.js'
import {usageError} from '../errors.js'
import {clearEngineCache, completeEngine, engineFileText, type EngineFile} from '../io/engines.js'
import {writeFileSet, type FileToWrite} from '../io/file-set.js'
import {displayPath, userEngineDir, userFitFile} from '../io/paths.js'
import {assertFolderWritableFor, assertWritable} from '../io/writable.js'
import {writeFileAtomic} from '../io/text-file.js'
import {calibrateOptions} from '../options/calibrate.js'
import {resolveOptions, type OptionsOf} from '../options/spec.js'
import {getProfile, type ProfileName} from '../profile.js'
import {splitList} from '../sweep/flags.js'

/** calibrate's options: its flags in camelCase. */
export type CalibrateOptions = OptionsOf<typeof calibrateOptions>

/** What `infersim calibrate --json` prints. */
export interface CalibrateResult {
  measurements: string[]
  profiles: string[]
  rows: RowOutcome[]
  invalid: RowProblem[]
  summaries: Record<string, ProfileSummary>
  /** Serving rows per profile: TTFT and TPOT error per engine, model, GPU and clients per replica, as the engine files stand (absent without serving rows). */
  serving_accuracy?: Record<string, ServingAccuracy>
  /** The fits (--fit), and the file they were written to when one was named. */
  fit?: {file?: string; fits: ProfileFit[]}
  /** Serving rows: each engine's fitted parameters and cross-validated error (--fit). */
  serving_fit?: ServingFitReport
  /** Engine files the serving fit wrote. */
  engines_written?: string[]
  /** An interrupted earlier write of the fit outputs, finished or undone before this one. */
  recovered_write?: string
  check?: CheckResult
  baseline_written?: string
  ablation?: SwitchAblation[]
  plot?: string
}

interface CalibrateValues {
  measurements?: string[]
  profile: 'infersim' | 'default' | 'both'
  keepGoing: boolean
  gpuSpec?: string
  benchData?: string
  fit: boolean
  fitFile?: string
  fitFeatures: string
  holdOut: string
  ridge: number
  check: boolean
  writeBaseline: boolean
  baseline: string
  tolerance: number
  plot?: string
  engineDir?: string
  ablate: boolean
}

export interface CalibrateHooks {
  /** Write the fit and the engine files to the user's folder when no file or folder is named (the CLI does; the library writes only where asked). */
  userFolderOutputs: boolean
  /** Progress of the long serving fit. */
  progress?: (message: string) => void
}

/** The files the serving rows came from, each with its sources, for the engine files' provenance. */
function servingData(servingRows: readonly MeasurementRow[]): string[] {
  const fileOf = (r: MeasurementRow) => packageRelative(path.resolve(r.baseDir, path.basename(r.file)))
  return [...new Set(servingRows.map(fileOf))].map((file) => {
    const sources = new Set(servingRows.filter((r) => fileOf(r) === file).flatMap((r) => r.source.split(' | ').map((s) => s.replace(/, config .*$/, '').trim())))
    return `${file} (${[...sources].filter(Boolean).join('; ')})`
  })
}

/** A comma list flag's values, each one of `allowed`; an unknown one is a usage error naming the flag. */
function choicesOf<T extends string>(flag: string, noun: string, list: string, allowed: readonly T[]): T[] {
  const values = splitList([list])
  const unknown = values.filter((v) => !allowed.includes(v as T))
  if (unknown.length) throw usageError(`${flag}: unknown ${noun}(s) ${unknown.join(', ')}; choose from ${allowed.join(', ')}`)
  return values as T[]
}

/** calibrate with the CLI's hooks (the library's calibrate() calls it with its own). */
export function runCalibrate(options: CalibrateOptions, hooks: CalibrateHooks): CalibrateResult {
  const o = resolveOptions('calibrate', calibrateOptions, options) as unknown as CalibrateValues
  const files = splitList(o.measurements ?? [])
  const profiles: ProfileName[] = o.profile === 'both' ? ['infersim', 'default'] : [o.profile]
  const features = choicesOf('--fit-features', 'feature', o.fitFeatures, FEATURE_NAMES)
  if (o.ridge < 0) throw usageError(`--ridge must be >= 0, got ${o.ridge}`)
  const holdOuts = choicesOf('--hold-out', 'view', o.holdOut, HOLD_OUTS)
  if (holdOuts.length === 0) throw usageError(`--hold-out: no view given; choose from ${HOLD_OUTS.join(', ')}`)
  if (o.plot && !o.plot.toLowerCase().endsWith('.svg')) throw usageError(`--plot writes SVG: give a file name ending in .svg, got ${o.plot}`)
  const baseline = o.check ? readBaseline(o.baseline) : undefined
  const fitFile = o.fitFile ?? (hooks.userFolderOutputs ? userFitFile() : undefined)
  const engineOut = o.engineDir ?? (hooks.userFolderOutputs ? userEngineDir() : undefined)
  useEngineDir(o.engineDir ?? userEngineDir())
  // Every output is checked before minutes of work, not after.
  if (o.fit) {
    if (fitFile) assertWritable(fitFile, 'fit file')
    if (engineOut) assertFolderWritableFor(engineOut, 'engine folder')
  }
  if (o.plot) assertWritable(o.plot, 'plot')
  if (o.writeBaseline) assertWritable(o.baseline, 'baseline')

  const run = runCalibration({
    files: files.length ? files : bundledMeasurementFiles(),
    profiles,
    keepGoing: o.keepGoing || o.check,
    environment: {gpuSpec: o.gpuSpec, benchData: o.benchData},
  })
  const result: CalibrateResult = {
    measurements: run.measurements,
    profiles: run.profiles,
    rows: run.profiles.flatMap((p) => run.outcomes[p]),
    invalid: run.invalid,
    summaries: run.summaries,
  }
  const accuracy = Object.fromEntries(
    run.profiles.flatMap((p) => {
      const a = servingAccuracy(run.rows, run.outcomes[p], run.env, getProfile(p))
      return a ? [[p, a]] : []
    }),
  )
  if (Object.keys(accuracy).length) result.serving_accuracy = accuracy
  if (o.fit) {
    const outputs: FileToWrite[] = []
    let outcomes = run.outcomes
    const servingRows = run.rows.filter(isFittedServingRow)
    if (servingRows.length > 0) {
      const profile = getProfile(run.profiles.includes('default') ? 'default' : run.profiles[0])
      const {report, files: engineFiles} = fitServingEngines(servingRows, run.env, profile, {
        engineDir: engineOut ?? userEngineDir(),
        data: servingData(servingRows),
        progress: hooks.progress ?? (() => {}),
        holdOuts,
      })
      result.serving_fit = report
      if (engineOut) {
        // The speed factors go with the engine files written beside them: fitted on the rows as the fitted engines predict them.
        outcomes = withEngines(engineFiles, () => Object.fromEntries(run.profiles.map((p) => [p, evaluateRows(run.rows, run.env, getProfile(p))])))
        const rates = rateRows(run.rows, outcomes[profile.name], run.env, profile)
        for (const f of engineFiles) outputs.push({path: f.file, content: engineFileText(f.file, withOutputRate(f.content, rates))})
        result.engines_written = engineFiles.map((f) => displayPath(f.file))
      }
    }
    // Output-rate rows check the engines and are never fitted, the speed factors included.
    const fits = run.profiles.map((p) => fitProfile(outcomes[p].filter((r) => isFittedRow(r)), {features, ridge: o.ridge}))
    if (fitFile) outputs.unshift({path: fitFile, content: fitFileText(fitFile, makeFitFile(run.measurements, fits))})
    result.fit = {...(fitFile ? {file: displayPath(fitFile)} : {}), fits}
    if (outputs.length > 0) {
      // The fit and the engine files together, all or nothing (the journal lives in the engine folder when there is one).
      const journalDir = engineOut && outputs.length > (fitFile ? 1 : 0) ? engineOut : path.dirname(path.resolve(fitFile ?? outputs[0].path))
      const recovered = writeFileSet(journalDir, outputs, 'calibrate --fit')
      if (recovered) result.recovered_write = `${recovered.outcome === 'completed' ? 'finished' : 'undid'} an interrupted earlier write of ${recovered.files} files (pid ${recovered.owner?.pid ?? '?'}) first`
      clearEngineCache()
    }
  }
  if (o.ablate) result.ablation = ablateSwitches(run.rows, run.env, run.outcomes.default)
  if (o.plot) {
    writeFileAtomic(o.plot, renderPlotSvg(result.rows, `infersim calibrate: simulated vs actual (${run.profiles.join(', ')})`))
    result.plot = displayPath(o.plot)
  }
  if (o.writeBaseline) {
    writeBaseline(o.baseline, makeBaseline(run.measurements, run.outcomes))
    result.baseline_written = displayPath(o.baseline)
  }
  if (baseline) result.check = checkAgainstBaseline(baseline, run.outcomes, o.tolerance)
  return result
}

/** Every row but the output-rate rows of serving runs, which check the fits and are never fitted. */
const isFittedRow = (r: Pick<RowOutcome, 'phase' | 'metric'>) => r.phase !== 'serving' || isFittedServingRow(r)

/** The engine file with its output-rate checks (accuracy.outputRate) from these rows, or without any where none is its engine's. */
function withOutputRate(file: EngineFile, rates: readonly RateRow[]): EngineFile {
  const mine = rates.filter((r) => r.engine === file.engine)
  if (!file.accuracy) return file
  const {outputRate: _, ...accuracy} = file.accuracy
  return {...file, accuracy: mine.length ? {...accuracy, outputRate: {data: servingData(mine.map((r) => r.row)), checks: outputRateChecks(mine)}} : accuracy}
}

/** Runs `f` with the rows' engines read from these files' contents instead of the files on disk. */
function withEngines<T>(files: readonly {file: string; content: EngineFile}[], f: () => T): T {
  useEngines(new Map(files.map((e) => [e.content.engine, completeEngine(e.content.engine, e.content, e.file)])))
  try {
    return f()
  } finally {
    useEngines(undefined)
  }
}

/**
 * Compares the simulator with measurements as `infersim calibrate` does and
 * returns the object `calibrate --json` prints. Files are written only where
 * asked: the fit to `fitFile`, engine files into `engineDir`, the baseline
 * with `writeBaseline`, the plot to `plot`. A failed check is in
 * `result.check.passed`, not thrown.
 */
export async function calibrate(options: CalibrateOptions = {}): Promise<CalibrateResult> {
  return runCalibrate(options, {userFolderOutputs: false})
}
