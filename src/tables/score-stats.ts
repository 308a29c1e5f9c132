/** Median and 90th percentile of a list of errors (linear between order statistics). */
export interface ErrorStats {
  n: number
  median: number
  p90: number
}

export function quantile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN
  const pos = (sorted.length - 1) * p
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo)
}

export function errorStats(values: readonly number[]): ErrorStats {
  // A typed array sorts numbers natively, several times faster than a comparator (the overall score sorts 600k errors).
  const sorted = Float64Array.from(values).sort()
  return {n: sorted.length, median: quantile(sorted, 0.5), p90: quantile(sorted, 0.9)}
}
