/** The text `infersim simulate` prints: the report, the breakdown, calibrated figures and the serving prediction. */
import type {SimulateResult} from '../api/simulate.js'
import {renderCalibrated} from '../calibrate/text.js'
import {renderServing} from '../report/serving.js'
import {renderText} from '../report/text.js'

export function renderSimulateText(result: SimulateResult, breakdown: boolean): string {
  const out = [renderText(result, {breakdown, calibrated: result.calibrated && renderCalibrated(result.calibrated)})]
  const serving = result.serving
  if (serving) {
    const seen = new Set(result.warnings.map((w) => w.message))
    out.push([...renderServing(serving), ...serving.warnings.filter((w) => !seen.has(w.message)).map((w) => `warning: ${w.message}`)].join('\n'))
  }
  return out.join('\n')
}
