/**
 * The error a serving prediction carries: the engine's held-out relative
 * error of mean TTFT and TPOT (data/engines/<engine>.json "accuracy", runs
 * of a GPU the fit had not seen). Throughput has no measured error of its
 * own; in the closed loop a request takes TTFT + (osl - 1) TPOT, so its
 * error is taken as the two errors weighted by their shares of that time
 * (errors of the same sign add up to this; opposite signs cancel part of it).
 */
import type {EngineAccuracy, ErrorStats} from '../engine.js'

export interface FigureBands {
  /** Relative errors (0.2 = ±20%). */
  ttft: number
  tpot: number
  tgs: number
}

/** A prediction's error at one level: `stat` picks median (half of the held-out runs were within it) or p90. */
function bands(accuracy: EngineAccuracy, ttftMs: number, tpotMs: number, osl: number, stat: keyof Pick<ErrorStats, 'median' | 'p90'>): FigureBands {
  const decodeMs = Math.max(0, osl - 1) * tpotMs
  const total = ttftMs + decodeMs
  const ttft = accuracy.ttft[stat]
  const tpot = accuracy.tpot[stat]
  return {ttft, tpot, tgs: total > 0 ? (ttftMs * ttft + decodeMs * tpot) / total : tpot}
}

/**
 * The median error band of a prediction, or undefined for an engine file
 * without an accuracy block.
 * @example bandsOf({heldOut: '', rows: 10, ttft: {mape: 0.3, median: 0.2, p90: 0.6}, tpot: {mape: 0.1, median: 0.1, p90: 0.3}}, 100, 10, 11)
 *   // {ttft: 0.2, tpot: 0.1, tgs: 0.15}: TTFT 100 ms and 10 x 10 ms of decode weigh equally
 */
export const bandsOf = (accuracy: EngineAccuracy | undefined, ttftMs: number, tpotMs: number, osl: number): FigureBands | undefined =>
  accuracy && bands(accuracy, ttftMs, tpotMs, osl, 'median')

/** What `simulate --serving` reports of a prediction's expected error. */
export interface ServingUncertainty {
  /** How the error was measured (e.g. leave one GPU out). */
  heldOut: string
  /** Held-out runs behind it. */
  rows: number
  /** Half of the held-out runs were within these relative errors. */
  typical: FigureBands
  /** Nine in ten were within these. */
  p90: FigureBands
}

export function servingUncertainty(accuracy: EngineAccuracy | undefined, ttftMs: number, tpotMs: number, osl: number): ServingUncertainty | undefined {
  if (!accuracy) return undefined
  return {heldOut: accuracy.heldOut, rows: accuracy.rows, typical: bands(accuracy, ttftMs, tpotMs, osl, 'median'), p90: bands(accuracy, ttftMs, tpotMs, osl, 'p90')}
}
