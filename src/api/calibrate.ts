/** calibrate(): `infersim calibrate` as a function. It writes a file only where an option names it. */
import path from 'node:path'
import {ablateSwitches, type SwitchAblation} from '../calibrate/ablate.js'
import {checkAgainstBaseline, makeBaseline, readBaseline, writeBaseline, type CheckResult} from '../calibrate/baseline.js'
import {FEATURE_NAMES} from '../calibrate/features.js'
import {makeFitFile, writeFitFile} from '../calibrate/fit-file.js'
import {fitProfile, type ProfileFit} from '../calibrate/fit.js'
import {renderPlotSvg} from '../calibrate/plot.js'
import {packageRelative, runCalibration} from '../calibrate/run.js'
import {fitServingEngines, type ServingFitReport} from '../calibrate/serving-engines.js'
import {useEngineDir} from '../calibrate/serving.js'
import {bundledMeasurementFiles} from '../calibrate/sources.js'
import type {FeatureName, MeasurementRow, ProfileSummary, RowOutcome, RowProblem} from '../calibrate/types.js'
import {usageError} from '../errors.js'
import {clearEngineCache, writeEngineFile} from '../io/engines.js'
import {displayPath} from '../io/paths.js'
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
  /** The fits (--fit), and the file they were written to when one was named. */
  fit?: {file?: string; fits: ProfileFit[]}
  /** Serving rows: each engine's fitted parameters and cross-validated error (--fit). */
  serving_fit?: ServingFitReport
  /** Engine files the serving fit rewrote. */
  engines_written?: string[]
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
  ridge: number
  check: boolean
  writeBaseline: boolean
  baseline: string
  tolerance: number
  plot?: string
  engineDir?: string
  servingFolds: number
  ablate: boolean
}

export interface CalibrateHooks {
  /** Rewrite the serving engines' files after a fit (the CLI does, into data/engines when --engine-dir is not given). */
  writeEngineFiles: boolean
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

/** calibrate with the CLI's hooks (the library's calibrate() calls it with its own). */
export function runCalibrate(options: CalibrateOptions, hooks: CalibrateHooks): CalibrateResult {
  const o = resolveOptions('calibrate', calibrateOptions, options) as unknown as CalibrateValues
  const files = splitList(o.measurements ?? [])
  const profiles: ProfileName[] = o.profile === 'both' ? ['infersim', 'default'] : [o.profile]
  const features = splitList([o.fitFeatures]) as FeatureName[]
  const unknown = features.filter((f) => !FEATURE_NAMES.includes(f))
  if (unknown.length) throw usageError(`--fit-features: unknown feature(s) ${unknown.join(', ')}; choose from ${FEATURE_NAMES.join(', ')}`)
  if (o.ridge < 0) throw usageError(`--ridge must be >= 0, got ${o.ridge}`)
  if (o.plot && !o.plot.toLowerCase().endsWith('.svg')) throw usageError(`--plot writes SVG: give a file name ending in .svg, got "${o.plot}"`)
  const baseline = o.check ? readBaseline(o.baseline) : undefined
  if (o.servingFolds < 2) throw usageError(`--serving-folds must be at least 2, got ${o.servingFolds}`)
  useEngineDir(o.engineDir)

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
  if (o.fit) {
    const fits = run.profiles.map((p) => fitProfile(run.outcomes[p], {features, ridge: o.ridge}))
    if (o.fitFile) writeFitFile(o.fitFile, makeFitFile(run.measurements, fits))
    result.fit = {...(o.fitFile ? {file: displayPath(o.fitFile)} : {}), fits}
    const servingRows = run.rows.filter((r) => r.phase === 'serving')
    if (servingRows.length > 0) {
      const profile = getProfile(run.profiles.includes('default') ? 'default' : run.profiles[0])
      const {report, files: engineFiles} = fitServingEngines(servingRows, run.env, profile, {
        engineDir: o.engineDir,
        folds: o.servingFolds,
        data: servingData(servingRows),
        progress: hooks.progress ?? (() => {}),
      })
      result.serving_fit = report
      if (hooks.writeEngineFiles) {
        for (const f of engineFiles) writeEngineFile(f.file, f.content)
        clearEngineCache()
        result.engines_written = engineFiles.map((f) => displayPath(f.file))
      }
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

/**
 * Compares the simulator with measurements as `infersim calibrate` does and
 * returns the object `calibrate --json` prints. Files are written only where
 * asked: the fit to `fitFile`, engine files into `engineDir`, the baseline
 * with `writeBaseline`, the plot to `plot`. A failed check is in
 * `result.check.passed`, not thrown.
 */
export async function calibrate(options: CalibrateOptions = {}): Promise<CalibrateResult> {
  return runCalibrate(options, {writeEngineFiles: options.engineDir !== undefined})
}
