/** One calibration run: read the measurement files, evaluate every row under each profile, summarize. */
import path from 'node:path'
import {inputError} from '../errors.js'
import {PACKAGE_ROOT} from '../io/paths.js'
import {getProfile, type ProfileName} from '../profile.js'
import {EvalEnvironment, type EnvironmentOptions} from './environment.js'
import {describeProblem} from './measurements.js'
import {evaluateRows} from './runner.js'
import {loadMeasurementFiles} from './sources.js'
import {summarizeOutcomes} from './summary.js'
import type {MeasurementRow, ProfileSummary, RowOutcome, RowProblem} from './types.js'

export interface CalibrateOptions {
  files: string[]
  profiles: ProfileName[]
  /** Report bad or failing rows and evaluate the rest instead of stopping at the first. */
  keepGoing: boolean
  environment?: EnvironmentOptions
}

export interface CalibrationRun {
  measurements: string[]
  profiles: ProfileName[]
  rows: MeasurementRow[]
  /** Rows that could not be read (bad cells, duplicate ids...). */
  invalid: RowProblem[]
  outcomes: Record<string, RowOutcome[]>
  summaries: Record<string, ProfileSummary>
  env: EvalEnvironment
}

/** A path relative to the package root when inside it (stable across working directories). */
export function packageRelative(file: string): string {
  const rel = path.relative(PACKAGE_ROOT, path.resolve(file))
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : path.resolve(file)
}

export function runCalibration(opts: CalibrateOptions): CalibrationRun {
  if (opts.files.length === 0) throw inputError('no measurement files given')
  const {rows, problems} = loadMeasurementFiles(opts.files)
  if (problems.length > 0 && !opts.keepGoing) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more bad row(s); --keep-going evaluates the rest)` : ''
    throw inputError(`${describeProblem(problems[0])}${more}`)
  }
  if (rows.length === 0) {
    // Every row was bad (--keep-going): a summary of no rows (MAPE 0%) would read as a perfect score.
    throw inputError(`no measurement row can be evaluated: all ${problems.length} are bad; the first: ${describeProblem(problems[0])}`)
  }
  const env = new EvalEnvironment(opts.environment)
  const outcomes: Record<string, RowOutcome[]> = {}
  const summaries: Record<string, ProfileSummary> = {}
  for (const name of opts.profiles) outcomes[name] = evaluateRows(rows, env, getProfile(name))
  for (const name of opts.profiles) {
    // The compat profile reproduces the reference, which cannot evaluate everything (GDN layers on a GPU it has
    // no tables for, say): a row it refuses while the default profile evaluates it is reported, not an error.
    const failed = outcomes[name].find((o, i) => o.status === 'failed' && !(name === 'infersim' && outcomes.default?.[i].status === 'ok'))
    if (failed && !opts.keepGoing) {
      const row = rows.find((r) => r.id === failed.id)!
      throw inputError(`${row.file}: line ${row.line} (row ${row.id}), profile ${name}: ${failed.error} (--keep-going evaluates the other rows)`)
    }
    summaries[name] = summarizeOutcomes(outcomes[name])
  }
  return {measurements: opts.files.map(packageRelative), profiles: opts.profiles, rows, invalid: problems, outcomes, summaries, env}
}
