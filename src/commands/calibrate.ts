import {Flags} from '@oclif/core'
import path from 'node:path'
import {ablateSwitches, type SwitchAblation} from '../calibrate/ablate.js'
import {checkAgainstBaseline, makeBaseline, readBaseline, writeBaseline, type CheckResult} from '../calibrate/baseline.js'
import {FEATURE_NAMES} from '../calibrate/features.js'
import {fitProfile, type ProfileFit} from '../calibrate/fit.js'
import {fitFileText, makeFitFile} from '../calibrate/fit-file.js'
import {renderPlotSvg} from '../calibrate/plot.js'
import {packageRelative, runCalibration, type CalibrationRun} from '../calibrate/run.js'
import {useEngineDir} from '../calibrate/serving.js'
import {fitServingEngines, type ServingFitReport} from '../calibrate/serving-engines.js'
import {renderServingFit} from '../calibrate/serving-text.js'
import {bundledMeasurementFiles} from '../calibrate/sources.js'
import {renderAblation, renderCheck, renderFit, renderProblems, renderRows, renderSummary} from '../calibrate/text.js'
import type {FeatureName, ProfileSummary, RowOutcome, RowProblem} from '../calibrate/types.js'
import {BaseCommand} from '../cli/base.js'
import {benchDataFlag, floatFlag, gpuFlags} from '../cli/flags.js'
import {usageError} from '../errors.js'
import {clearEngineCache, engineFileText} from '../io/engines.js'
import {writeFileSet, type FileToWrite} from '../io/file-set.js'
import {bundled, displayPath, userEngineDir, userFitFile} from '../io/paths.js'
import {assertFolderWritableFor, assertWritable} from '../io/writable.js'
import {writeFileAtomic} from '../io/text-file.js'
import {getProfile, type ProfileName} from '../profile.js'

export interface CalibrateResult {
  measurements: string[]
  profiles: string[]
  rows: RowOutcome[]
  invalid: RowProblem[]
  summaries: Record<string, ProfileSummary>
  fit?: {file: string; fits: ProfileFit[]}
  /** Serving rows: each engine's fitted parameters and cross-validated error (--fit). */
  serving_fit?: ServingFitReport
  check?: CheckResult
  baseline_written?: string
  ablation?: SwitchAblation[]
  plot?: string
}

const splitList = (values: string[] | undefined) => (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean)

export default class Calibrate extends BaseCommand {
  static summary = 'Compare the simulator with measured throughput and latency; fit corrections; check for drift.'
  static description = `Evaluates every row of the measurement files (default: every *.csv in the bundled calibration/ folder) with the simulator in-process and prints one line per row (actual, simulated, error) and the MAPE, largest error and bias per phase and overall.
A measurements file has the header id,model,gpu,world_size,nodes,tp,fp8_gemm,fp8_kv,deepep,tbo,isl,osl,phase,max_prefill_tokens,decode_batch,metric,actual,source,notes (see docs/calibrate.md).
--fit fits a speed factor per phase and a linear model of the log error, prints the leave-one-out cross-validated error first, and writes the fit for \`infersim simulate --calibration\` to --fit-file. With serving rows it also fits each serving engine's parameters (starting from those in use, see docs/serving.md), reports their error with a whole GPU, model or engine version held out (per engine and model), and writes the engine files (with the held-out-GPU error as their accuracy) into --engine-dir, where \`simulate --serving\` and later calibrations find them. Both go to your own folder (~/.config/infersim, or $INFERSIM_HOME, or $XDG_CONFIG_HOME/infersim), never into the installed package; they are written together, all or nothing, and every output is checked to be writable before the work starts (docs/files.md).
--check compares MAPE per profile and phase with the committed baseline and exits 1 when any grows by more than --tolerance or a row fails to simulate.`

  static examples = [
    {description: 'Every shipped measurement under both profiles', command: '<%= config.bin %> calibrate'},
    {description: 'Fit corrections (and serving engines) into ~/.config/infersim', command: '<%= config.bin %> calibrate --profile default --fit'},
    {description: 'Fit into a project folder, and use it', command: '<%= config.bin %> calibrate --fit --fit-file fits/fit.json --engine-dir fits/engines && <%= config.bin %> simulate --serving --engine-dir fits/engines --calibration fits/fit.json'},
    {description: 'Drift check (CI)', command: '<%= config.bin %> calibrate --check'},
    {description: 'Your own measurements, going on past bad rows, with a plot', command: '<%= config.bin %> calibrate --measurements my-runs.csv --keep-going --plot calib.svg'},
    {description: 'Which part-B fix helps on the measurements', command: '<%= config.bin %> calibrate --ablate'},
  ]

  static flags = {
    measurements: Flags.string({
      summary: 'Measurements file(s) (repeat the flag or give a comma list). Default: every *.csv in calibration/.',
      multiple: true,
    }),
    profile: Flags.string({summary: 'Profile(s) to evaluate.', options: ['infersim', 'default', 'both'], default: 'both'}),
    'keep-going': Flags.boolean({summary: 'Report bad or failing rows and evaluate the rest.', default: false}),
    ...gpuFlags,
    'bench-data': benchDataFlag,
    fit: Flags.boolean({summary: 'Fit corrections (phase factors and a linear error model) and write them.', default: false}),
    'fit-file': Flags.string({summary: 'Where --fit writes the fit.', defaultHelp: async () => '~/.config/infersim/fit.json (or $INFERSIM_HOME/fit.json)'}),
    'fit-features': Flags.string({summary: `Features of the linear model, comma list of ${FEATURE_NAMES.join(', ')}.`, default: 'overhead,comm,fallback'}),
    ridge: floatFlag({summary: 'Ridge penalty on the linear model\'s standardized feature coefficients.', default: 1}),
    check: Flags.boolean({summary: 'Compare with the baseline; exit 1 on a regression or a failing row.', default: false, exclusive: ['write-baseline']}),
    'write-baseline': Flags.boolean({summary: 'Write the current errors as the baseline.', default: false}),
    baseline: Flags.string({summary: 'Baseline file.', default: path.join(bundled.calibration, 'baseline.json'), defaultHelp: async () => 'calibration/baseline.json'}),
    tolerance: floatFlag({summary: 'Allowed MAPE growth per profile and phase, percentage points.', default: 1}),
    plot: Flags.string({summary: 'Write simulated vs actual (log-log, y = x, +-10% band) to this SVG file.'}),
    'engine-dir': Flags.string({
      summary: 'Folder of serving-engine files (<engine>.json) that serving rows use and --fit writes; an engine without a file there uses the bundled one.',
      defaultHelp: async () => '~/.config/infersim/engines (or $INFERSIM_HOME/engines)',
    }),
    ablate: Flags.boolean({summary: 'Default profile with each part-B switch off in turn: MAPE change per switch.', default: false}),
  }

  async run(): Promise<CalibrateResult> {
    const {flags} = await this.parse(Calibrate)
    const files = splitList(flags.measurements)
    const profiles: ProfileName[] = flags.profile === 'both' ? ['infersim', 'default'] : [flags.profile as ProfileName]
    const features = splitList([flags['fit-features']]) as FeatureName[]
    const unknown = features.filter((f) => !FEATURE_NAMES.includes(f))
    if (unknown.length) throw usageError(`--fit-features: unknown feature(s) ${unknown.join(', ')}; choose from ${FEATURE_NAMES.join(', ')}`)
    if (flags.ridge < 0) throw usageError(`--ridge must be >= 0, got ${flags.ridge}`)
    if (flags.plot && !flags.plot.toLowerCase().endsWith('.svg')) throw usageError(`--plot writes SVG: give a file name ending in .svg, got "${flags.plot}"`)
    const baseline = flags.check ? readBaseline(flags.baseline) : undefined
    const fitFile = flags['fit-file'] ?? userFitFile()
    const engineDir = flags['engine-dir'] ?? userEngineDir()
    useEngineDir(engineDir)
    // Every output is checked before minutes of work, not after.
    if (flags.fit) {
      assertWritable(fitFile, 'fit file')
      assertFolderWritableFor(engineDir, 'engine folder')
    }
    if (flags.plot) assertWritable(flags.plot, 'plot')
    if (flags['write-baseline']) assertWritable(flags.baseline, 'baseline')

    const run = runCalibration({
      files: files.length ? files : bundledMeasurementFiles(),
      profiles,
      keepGoing: flags['keep-going'] || flags.check,
      environment: {gpuSpec: flags['gpu-spec'], benchData: flags['bench-data']},
    })
    const result = this.baseResult(run)
    const text: string[] = []
    if (run.invalid.length) text.push(...renderProblems(run.invalid), '')
    for (const p of run.profiles) text.push(`== profile ${p} ==`, ...renderRows(run.outcomes[p]), '', ...renderSummary(run.summaries[p]), '')

    if (flags.fit) {
      const fits = run.profiles.map((p) => fitProfile(run.outcomes[p], {features, ridge: flags.ridge}))
      const outputs: FileToWrite[] = [{path: fitFile, content: fitFileText(fitFile, makeFitFile(run.measurements, fits))}]
      result.fit = {file: displayPath(fitFile), fits}
      for (const f of fits) text.push(...renderFit(f), '')
      const servingRows = run.rows.filter((r) => r.phase === 'serving')
      if (servingRows.length > 0) {
        const profile = getProfile(run.profiles.includes('default') ? 'default' : run.profiles[0])
        const data = [...new Set(servingRows.map((r) => packageRelative(path.resolve(r.baseDir, path.basename(r.file)))))].map((file) => {
          const sources = new Set(servingRows.filter((r) => packageRelative(path.resolve(r.baseDir, path.basename(r.file))) === file).flatMap((r) => r.source.split(' | ').map((s) => s.replace(/, config .*$/, '').trim())))
          return `${file} (${[...sources].filter(Boolean).join('; ')})`
        })
        const {report, files} = fitServingEngines(servingRows, run.env, profile, {
          engineDir,
          data,
          progress: (m) => process.stderr.write(`${m}\n`),
        })
        for (const f of files) outputs.push({path: f.file, content: engineFileText(f.file, f.content)})
        result.serving_fit = report
        text.push(...renderServingFit(report), '')
      }
      // The fit and the engine files together, all or nothing (the journal lives in the engine folder when there is one).
      const recovered = writeFileSet(outputs.length > 1 ? engineDir : path.dirname(path.resolve(fitFile)), outputs, 'calibrate --fit')
      if (recovered) text.push(`${recovered.outcome === 'completed' ? 'finished' : 'undid'} an interrupted earlier write of ${recovered.files} files (pid ${recovered.owner?.pid ?? '?'}) first`)
      clearEngineCache()
      text.push(...outputs.map((f) => `wrote ${displayPath(f.path)}`), '')
    }
    if (flags.ablate) {
      result.ablation = ablateSwitches(run.rows, run.env, run.outcomes.default)
      text.push(...renderAblation(result.ablation), '')
    }
    if (flags.plot) {
      writeFileAtomic(flags.plot, renderPlotSvg(result.rows, `infersim calibrate: simulated vs actual (${run.profiles.join(', ')})`))
      result.plot = displayPath(flags.plot)
      text.push(`wrote ${result.plot}`, '')
    }
    if (flags['write-baseline']) {
      writeBaseline(flags.baseline, makeBaseline(run.measurements, run.outcomes))
      result.baseline_written = displayPath(flags.baseline)
      text.push(`wrote ${result.baseline_written}`, '')
    }
    if (baseline) {
      result.check = checkAgainstBaseline(baseline, run.outcomes, flags.tolerance)
      text.push(...renderCheck(result.check), '')
    }

    if (this.jsonEnabled()) {
      if (result.check && !result.check.passed) {
        this.logJson(result)
        this.exit(1)
      }
    } else {
      this.log(text.join('\n').trimEnd())
      if (result.check && !result.check.passed) this.error('calibration check failed (see above)', {exit: 1})
    }
    return result
  }

  private baseResult(run: CalibrationRun): CalibrateResult {
    return {
      measurements: run.measurements,
      profiles: run.profiles,
      rows: run.profiles.flatMap((p) => run.outcomes[p]),
      invalid: run.invalid,
      summaries: run.summaries,
    }
  }
}
