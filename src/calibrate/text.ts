/** Text views of a calibration: row lines, summaries, fit, check, ablation, and calibrated figures for simulate. */
import type {SwitchAblation} from './ablate.js'
import type {Calibrated, CalibratedPhase} from './apply.js'
import type {CheckResult} from './baseline.js'
import type {ErrorTable, ProfileFit} from './fit.js'
import {describeProblem} from './measurements.js'
import type {ErrorSummary, ProfileSummary, RowOutcome, RowProblem} from './types.js'

const signed = (v: number, digits = 1) => `${v >= 0 ? '+' : ''}${v.toFixed(digits)}`
const pct = (v: number) => `${signed(v)}%`
export const value = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2))

export function renderRows(outcomes: readonly RowOutcome[]): string[] {
  const idWidth = Math.max(2, ...outcomes.map((o) => o.id.length))
  const lines = [`${'id'.padEnd(idWidth)}  ${'phase'.padEnd(8)}${'metric'.padEnd(11)}${'actual'.padStart(10)}${'simulated'.padStart(11)}${'error'.padStart(9)}`]
  for (const o of outcomes) {
    const head = `${o.id.padEnd(idWidth)}  ${o.phase.padEnd(8)}${o.metric.padEnd(11)}${value(o.actual).padStart(10)}`
    if (o.status === 'ok') lines.push(`${head}${value(o.simulated!).padStart(11)}${pct(o.error_pct!).padStart(9)}`)
    else lines.push(`${head}  ${o.status}: ${o.error}`)
  }
  return lines
}

function summaryLine(label: string, s: ErrorSummary): string {
  return `${label.padEnd(10)}${String(s.rows).padStart(5)}${`${s.mape.toFixed(1)}%`.padStart(9)}${`${s.max_abs.toFixed(1)}%`.padStart(10)}${pct(s.bias).padStart(9)}`
}

const SUMMARY_HEAD = `${'phase'.padEnd(10)}${'rows'.padStart(5)}${'MAPE'.padStart(9)}${'max|err|'.padStart(10)}${'bias'.padStart(9)}`

export function renderSummary(s: ProfileSummary): string[] {
  const lines = [SUMMARY_HEAD]
  for (const [phase, summary] of Object.entries(s.phases)) lines.push(summaryLine(phase, summary))
  lines.push(summaryLine('overall', s.overall))
  if (s.failed || s.skipped) lines.push(`(${s.failed} row(s) failed, ${s.skipped} skipped)`)
  return lines
}

function renderTable(title: string, t: ErrorTable): string[] {
  return [title, SUMMARY_HEAD, ...Object.entries(t.phases).map(([p, s]) => summaryLine(p, s)), summaryLine('overall', t.overall)]
}

export function renderFit(fit: ProfileFit): string[] {
  const lines = [`fit of profile ${fit.profile} on ${fit.rows} rows`]
  lines.push(...renderTable('leave-one-out cross-validated error, phase factors:', fit.errors.phase_factor.loo))
  lines.push(...renderTable('leave-one-out cross-validated error, linear model:', fit.errors.linear.loo))
  lines.push(...renderTable('in-sample error, phase factors:', fit.errors.phase_factor.in_sample))
  lines.push(...renderTable('in-sample error, linear model:', fit.errors.linear.in_sample))
  lines.push(...renderTable('raw (uncalibrated) error:', fit.errors.raw))
  lines.push('phase speed factors (throughput x factor, latency / factor):')
  for (const [p, f] of Object.entries(fit.phase_factors)) lines.push(`  ${p.padEnd(8)} ${f.factor.toFixed(4)} (${f.rows} rows)`)
  const m = fit.linear
  lines.push(`linear model of log(actual/simulated speed), ridge ${m.ridge}, features standardized:`)
  for (const [p, b] of Object.entries(m.phase_intercepts)) lines.push(`  intercept ${p.padEnd(8)} ${signed(b, 4)}`)
  for (const f of m.features) lines.push(`  ${f.padEnd(18)} ${signed(m.coefficients[f]!, 4)}  (mean ${m.feature_means[f]!.toFixed(3)}, sd ${m.feature_scales[f]!.toFixed(3)})`)
  return lines
}

export function renderCheck(c: CheckResult): string[] {
  const lines = [`check against the baseline (tolerance ${c.tolerance} percentage point(s)): ${c.passed ? 'passed' : 'FAILED'}`]
  for (const x of c.comparisons) {
    lines.push(
      `  ${x.profile.padEnd(9)}${(x.metric ? `${x.phase} ${x.metric}` : x.phase).padEnd(20)}MAPE ${x.baseline_mape.toFixed(2)}% -> ${x.current_mape.toFixed(2)}% (${signed(x.delta, 2)} pp, ${x.rows} rows)${x.regression ? '  REGRESSION' : ''}`,
    )
  }
  for (const f of c.failures) lines.push(`  failure: ${f}`)
  if (c.new_rows.length) {
    const shown = c.new_rows.slice(0, 5).join(', ') + (c.new_rows.length > 5 ? ', ...' : '')
    lines.push(`  ${c.new_rows.length} row(s) evaluate but are not in the baseline (refresh it with --write-baseline): ${shown}`)
  }
  if (c.unchecked_profiles.length) lines.push(`  profiles in the baseline not evaluated in this run: ${c.unchecked_profiles.join(', ')}`)
  return lines
}

export function renderAblation(rows: readonly SwitchAblation[]): string[] {
  const phases = [...new Set(rows.flatMap((r) => Object.keys(r.phases)))]
  const lines = [
    'ablation of the default profile: each switch toggled in turn; MAPE without the switch minus MAPE with it (percentage points); positive = the switch lowers the error',
  ]
  lines.push(`${'switch'.padEnd(24)}${'default'.padStart(8)}${['overall', ...phases].map((p) => p.padStart(10)).join('')}  rows failing when toggled`)
  for (const r of rows) {
    const cells = [r.overall, ...phases.map((p) => r.phases[p])].map((c) => (c ? signed(c.delta, 2) : '-').padStart(10))
    lines.push(`${r.switch.padEnd(24)}${(r.default_on ? 'on' : 'off').padStart(8)}${cells.join('')}  ${r.failed_toggled}`)
  }
  return lines
}

export function renderProblems(problems: readonly RowProblem[]): string[] {
  return problems.map((p) => `invalid row: ${describeProblem(p)}`)
}

function calibratedPhaseLines(name: string, latencyName: string, p: CalibratedPhase): string[] {
  const row = (label: string, v: {raw: number; phase_factor: number; linear: number}) =>
    `${label.padEnd(26)}${value(v.raw).padStart(10)}${value(v.phase_factor).padStart(14)}${value(v.linear).padStart(12)}`
  return [
    `${name.padEnd(26)}${'raw'.padStart(10)}${'phase factor'.padStart(14)}${'linear'.padStart(12)}`,
    row(latencyName, p.latency_ms),
    row('Throughput (TGS)', p.tgs),
  ]
}

/** Lines for the simulate report's calibrated section. */
export function renderCalibrated(c: Calibrated): {label: string; lines: string[]} {
  const lines = [`Fit ${c.file} (profile ${c.profile}, ${c.rows} measured rows)`]
  if (c.prefill) lines.push(...calibratedPhaseLines('Prefill', 'TTFT (ms)', c.prefill))
  if (c.decode) lines.push(...calibratedPhaseLines('Decode', 'TPOT (ms)', c.decode))
  return {label: 'Calibrated', lines}
}
