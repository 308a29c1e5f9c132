/**
 * The error band a figure carries: the engine's held-out median relative
 * error of mean TTFT and TPOT (data/engines/<engine>.json "accuracy"; half of
 * the held-out runs were within it). Throughput has no measured error of its
 * own; in the closed loop a request takes TTFT + (osl - 1) TPOT, so its error
 * is taken as the two errors weighted by their shares of that time (errors of
 * the same sign add up to this; opposite signs cancel part of it).
 */
import type {EngineAccuracy} from '../../engine.js'

export interface FigureBands {
  /** Relative errors (0.2 = ±20%). */
  ttft: number
  tpot: number
  tgs: number
}

export const NO_BAND = 'no error band (engine not cross-validated)'

export function bandsOf(accuracy: EngineAccuracy | undefined, ttftMs: number, tpotMs: number, osl: number): FigureBands | undefined {
  if (!accuracy) return undefined
  const decodeMs = Math.max(0, osl - 1) * tpotMs
  const total = ttftMs + decodeMs
  const tgs = total > 0 ? (ttftMs * accuracy.ttft.median + decodeMs * accuracy.tpot.median) / total : accuracy.tpot.median
  return {ttft: accuracy.ttft.median, tpot: accuracy.tpot.median, tgs}
}

/** Whether two throughputs are closer than the wider of their bands (undefined bands are not known, so they say nothing). */
export function withinBand(a: {tgs: number; band?: FigureBands}, b: {tgs: number; band?: FigureBands}): boolean {
  const band = Math.max(a.band?.tgs ?? 0, b.band?.tgs ?? 0)
  if (!a.band && !b.band) return false
  const hi = Math.max(a.tgs, b.tgs)
  return hi > 0 && (hi - Math.min(a.tgs, b.tgs)) / hi <= band
}

/** "±12%" or the reason there is none. */
export const bandText = (rel: number | undefined) => (rel === undefined ? '' : `±${(rel * 100).toFixed(rel < 0.1 ? 1 : 0)}%`)
