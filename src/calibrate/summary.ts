/** Error summaries: MAPE, largest absolute error and bias, per phase and overall. */
import {max, mean} from 'simple-statistics'
import type {ErrorSummary, ProfileSummary, RowOutcome} from './types.js'

export function summarizeErrors(errorsPct: readonly number[]): ErrorSummary {
  if (errorsPct.length === 0) return {rows: 0, mape: 0, max_abs: 0, bias: 0}
  const abs = errorsPct.map(Math.abs)
  return {rows: errorsPct.length, mape: mean(abs), max_abs: max(abs), bias: mean([...errorsPct])}
}

/** Phases in the order they are reported. */
export function phaseOrder(phases: Iterable<string>): string[] {
  const known = ['prefill', 'decode', 'e2e', 'serving']
  return [...new Set(phases)].sort((a, b) => (known.indexOf(a) + 1 || 99) - (known.indexOf(b) + 1 || 99) || a.localeCompare(b))
}

export function summarizeOutcomes(outcomes: readonly RowOutcome[]): ProfileSummary {
  const ok = outcomes.filter((o) => o.status === 'ok')
  const phases: Record<string, ErrorSummary> = {}
  for (const phase of phaseOrder(ok.map((o) => o.phase))) {
    phases[phase] = summarizeErrors(ok.filter((o) => o.phase === phase).map((o) => o.error_pct!))
  }
  return {
    phases,
    overall: summarizeErrors(ok.map((o) => o.error_pct!)),
    failed: outcomes.filter((o) => o.status === 'failed').length,
    skipped: outcomes.filter((o) => o.status === 'skipped').length,
  }
}
