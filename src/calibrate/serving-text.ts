/** Text view of the serving engine fit: error per engine, metric and model, cross-validated first. */
import {displayPath} from '../io/paths.js'
import type {ErrorBreakdown, ServingFitReport} from './serving-engines.js'

const pct = (v: number) => `${v.toFixed(1)}%`.padStart(8)

function table(title: string, b: ErrorBreakdown): string[] {
  const models = [...new Set([...Object.keys(b.ttft_ms.byModel), ...Object.keys(b.tpot_ms.byModel)])].sort()
  const width = Math.max(18, ...models.map((m) => m.length + 2))
  const lines = [title, `  ${'model'.padEnd(width)}${'rows'.padStart(6)}${'TTFT'.padStart(8)}${'TPOT'.padStart(8)}`]
  for (const m of models) {
    const t = b.ttft_ms.byModel[m]
    const p = b.tpot_ms.byModel[m]
    lines.push(`  ${m.padEnd(width)}${String((t?.rows ?? 0) + (p?.rows ?? 0)).padStart(6)}${t ? pct(t.mape) : '       -'}${p ? pct(p.mape) : '       -'}`)
  }
  lines.push(`  ${'all'.padEnd(width)}${String(b.ttft_ms.all.rows + b.tpot_ms.all.rows).padStart(6)}${pct(b.ttft_ms.all.mape)}${pct(b.tpot_ms.all.mape)}`)
  return lines
}

export function renderServingFit(r: ServingFitReport): string[] {
  const lines = [`== serving engines fitted (profile ${r.profile}; MAPE) ==`]
  for (const e of r.engines) {
    lines.push('', `${e.engine}: ${e.runs} runs, ${e.rows} rows -> ${displayPath(e.file)}`)
    lines.push(...table(`cross-validated (${e.cv_configuration_folds.folds} folds of whole configurations):`, e.cv_configuration_folds))
    if (e.cv_leave_one_model_out) lines.push(...table('cross-validated (leave one model out):', e.cv_leave_one_model_out))
    lines.push(...table('in-sample:', e.in_sample))
  }
  lines.push('', ...table('all engines, cross-validated (configuration folds):', r.overall_cv))
  lines.push(...table('all engines, in-sample:', r.overall_in_sample))
  if (r.problems.length) lines.push('', `${r.problems.length} serving row(s) not used:`, ...r.problems.map((p) => `  ${p}`))
  return lines
}
