/**
 * Metrics a measurement can report, and which way they point: a throughput
 * grows when the system is faster, a latency shrinks. Fits work on "speed"
 * (throughput orientation) so that rows of both kinds share one correction.
 */
export type MetricKind = 'throughput' | 'latency'

export const METRIC_KINDS: Record<string, MetricKind> = {
  tgs: 'throughput',
  output_tgs: 'throughput',
  ttft_ms: 'latency',
  tpot_ms: 'latency',
}

/** The metrics each phase accepts (the schema says the same). */
export const PHASE_METRICS: Record<string, readonly string[]> = {
  prefill: ['tgs', 'ttft_ms'],
  decode: ['tgs', 'tpot_ms'],
  e2e: ['output_tgs'],
  serving: ['ttft_ms', 'tpot_ms', 'output_tgs'],
}

export function metricKind(metric: string): MetricKind {
  return METRIC_KINDS[metric] ?? 'throughput'
}

export const errorPct = (simulated: number, actual: number) => (100 * (simulated - actual)) / actual

/** log(actual speed / simulated speed). */
export function speedLogRatio(metric: string, simulated: number, actual: number): number {
  const r = Math.log(actual / simulated)
  return metricKind(metric) === 'latency' ? -r : r
}

/** Applies a speed factor to a simulated value of this metric. */
export function applySpeedFactor(metric: string, simulated: number, speedFactor: number): number {
  return metricKind(metric) === 'latency' ? simulated / speedFactor : simulated * speedFactor
}
