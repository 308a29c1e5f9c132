/** The text `infersim calibrate` prints, from its result. */
import type {CalibrateResult} from '../api/calibrate.js'
import {renderServingAccuracy, renderServingFit} from '../calibrate/serving-text.js'
import {renderAblation, renderCheck, renderFit, renderProblems, renderRows, renderSummary} from '../calibrate/text.js'

export function renderCalibrateText(result: CalibrateResult): string {
  const text: string[] = []
  if (result.invalid.length) text.push(...renderProblems(result.invalid), '')
  for (const p of result.profiles) {
    text.push(`== profile ${p} ==`, ...renderRows(result.rows.filter((r) => r.profile === p)), '', ...renderSummary(result.summaries[p]), '')
    const serving = result.serving_accuracy?.[p]
    if (serving) text.push(...renderServingAccuracy(p, serving), '')
  }
  if (result.fit) for (const f of result.fit.fits) text.push(...renderFit(f), '')
  if (result.serving_fit) text.push(...renderServingFit(result.serving_fit), '')
  if (result.recovered_write) text.push(result.recovered_write)
  const written = [...(result.fit?.file ? [result.fit.file] : []), ...(result.engines_written ?? [])]
  if (written.length > 0) text.push(...written.map((f) => `wrote ${f}`), '')
  if (result.ablation) text.push(...renderAblation(result.ablation), '')
  if (result.plot) text.push(`wrote ${result.plot}`, '')
  if (result.baseline_written) text.push(`wrote ${result.baseline_written}`, '')
  if (result.check) text.push(...renderCheck(result.check), '')
  return text.join('\n').trimEnd()
}
