/**
 * The committed error baseline (calibration/baseline.json) and the drift
 * check against it. The check compares MAPE per profile and phase over the
 * rows the baseline evaluated, so rows that start evaluating later (a GPU
 * added) are reported as new instead of moving the figures. Where a phase's
 * rows measure more than one metric (serving: TTFT and TPOT), each metric is
 * compared as well: one growing while the other shrinks can leave the
 * phase's MAPE where it was.
 */
import {readJsonFile} from '../io/json.js'
import {displayPath} from '../io/paths.js'
import {writeFileAtomic} from '../io/text-file.js'
import {assertValid} from '../schemas/validate.js'
import {phaseOrder, summarizeErrors} from './summary.js'
import type {ErrorSummary, RowOutcome} from './types.js'

export interface BaselineRow {
  phase: string
  simulated: number
  error_pct: number
}

export interface BaselineProfile {
  phases: Record<string, ErrorSummary>
  rows: Record<string, BaselineRow>
}

export interface Baseline {
  format: 'infersim-calibration-baseline'
  version: 1
  measurements: string[]
  profiles: Record<string, BaselineProfile>
}

export function makeBaseline(measurements: string[], outcomesByProfile: Record<string, RowOutcome[]>): Baseline {
  const profiles: Record<string, BaselineProfile> = {}
  for (const [profile, outcomes] of Object.entries(outcomesByProfile)) {
    const ok = outcomes.filter((o) => o.status === 'ok')
    const rows: Record<string, BaselineRow> = {}
    for (const o of ok) rows[o.id] = {phase: o.phase, simulated: o.simulated!, error_pct: o.error_pct!}
    const phases: Record<string, ErrorSummary> = {}
    for (const phase of phaseOrder(ok.map((o) => o.phase))) phases[phase] = summarizeErrors(ok.filter((o) => o.phase === phase).map((o) => o.error_pct!))
    profiles[profile] = {phases, rows}
  }
  return {format: 'infersim-calibration-baseline', version: 1, measurements, profiles}
}

export function writeBaseline(file: string, b: Baseline): void {
  assertValid('baseline', b, `baseline to write to ${displayPath(file)}`)
  writeFileAtomic(file, `${JSON.stringify(b, null, 2)}\n`)
}

export function readBaseline(file: string): Baseline {
  return assertValid<Baseline>('baseline', readJsonFile(file, 'baseline file'), `baseline file ${displayPath(file)}`)
}

export interface PhaseComparison {
  profile: string
  phase: string
  /** One metric of the phase's rows; absent for the phase as a whole. */
  metric?: string
  rows: number
  baseline_mape: number
  current_mape: number
  /** Percentage points. */
  delta: number
  regression: boolean
}

export interface CheckResult {
  passed: boolean
  tolerance: number
  comparisons: PhaseComparison[]
  /** Rows that failed to simulate, or that the baseline evaluated and now do not. */
  failures: string[]
  /** Rows that evaluate now but are not in the baseline (refresh it with --write-baseline). */
  new_rows: string[]
  /** Profiles of the baseline that this run did not evaluate. */
  unchecked_profiles: string[]
}

/** Each metric of a phase's baseline rows that evaluate now, where there is more than one: the baseline's and the current MAPE over the same rows. */
function metricComparisons(profile: string, phase: string, rows: Record<string, BaselineRow>, now: Map<string, RowOutcome>, tolerance: number): PhaseComparison[] {
  const byMetric = new Map<string, {baseline: number[]; current: number[]}>()
  for (const [id, row] of Object.entries(rows)) {
    const o = now.get(id)
    if (row.phase !== phase || o?.status !== 'ok' || o.phase !== phase) continue
    let m = byMetric.get(o.metric)
    if (!m) byMetric.set(o.metric, (m = {baseline: [], current: []}))
    m.baseline.push(row.error_pct)
    m.current.push(o.error_pct!)
  }
  if (byMetric.size < 2) return []
  return [...byMetric.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([metric, e]) => {
      const [baseline, current] = [summarizeErrors(e.baseline).mape, summarizeErrors(e.current).mape]
      return {profile, phase, metric, rows: e.current.length, baseline_mape: baseline, current_mape: current, delta: current - baseline, regression: current - baseline > tolerance}
    })
}

export function checkAgainstBaseline(b: Baseline, outcomesByProfile: Record<string, RowOutcome[]>, tolerance: number): CheckResult {
  const comparisons: PhaseComparison[] = []
  const failures: string[] = []
  const newRows: string[] = []
  for (const [profile, outcomes] of Object.entries(outcomesByProfile)) {
    for (const o of outcomes) if (o.status === 'failed') failures.push(`${profile}: row ${o.id} failed: ${o.error}`)
    const base = b.profiles[profile]
    if (!base) continue
    const byId = new Map(outcomes.map((o) => [o.id, o]))
    for (const o of outcomes) if (o.status === 'ok' && !base.rows[o.id]) newRows.push(`${profile}: ${o.id}`)
    for (const [id, row] of Object.entries(base.rows)) {
      const now = byId.get(id)
      if (!now) failures.push(`${profile}: row ${id} is in the baseline but not in the measurements`)
      else if (now.status === 'skipped') failures.push(`${profile}: row ${id} evaluated in the baseline but is now skipped: ${now.error}`)
      else if (now.status === 'ok' && now.phase !== row.phase) failures.push(`${profile}: row ${id} was a ${row.phase} row in the baseline, now ${now.phase}`)
    }
    for (const [phase, summary] of Object.entries(base.phases)) {
      const errors = Object.entries(base.rows)
        .filter(([, r]) => r.phase === phase)
        .map(([id]) => byId.get(id))
        .filter((o): o is RowOutcome => o?.status === 'ok' && o.phase === phase)
        .map((o) => o.error_pct!)
      const current = summarizeErrors(errors).mape
      const delta = current - summary.mape
      comparisons.push({profile, phase, rows: errors.length, baseline_mape: summary.mape, current_mape: current, delta, regression: delta > tolerance})
      comparisons.push(...metricComparisons(profile, phase, base.rows, byId, tolerance))
    }
  }
  const unchecked = Object.keys(b.profiles).filter((p) => !(p in outcomesByProfile))
  return {
    passed: failures.length === 0 && comparisons.every((c) => !c.regression),
    tolerance,
    comparisons,
    failures,
    new_rows: newRows,
    unchecked_profiles: unchecked,
  }
}
