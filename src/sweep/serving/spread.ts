/** Decimals a spread concurrency keeps: enough that the printed `simulate --concurrency` line reproduces it exactly. */
const DECIMALS = 4

/**
 * The mean concurrency each of `replicas` replicas runs when `requests` requests in flight are spread evenly
 * over them: a fraction, as `simulate --concurrency` takes it, rounded up at the 4th decimal so that the
 * replicas together always hold every request (and the figure prints as it was evaluated).
 *
 * @example
 * spreadConcurrency(256, 72) // 3.5556 (256 clients over 72 data-parallel GPUs)
 * spreadConcurrency(100, 4) // 25
 * spreadConcurrency(100, 3) // 33.3334
 */
export function spreadConcurrency(requests: number, replicas: number): number {
  const scale = 10 ** DECIMALS
  // The small tolerance keeps an exact quotient (25) from rounding up through floating-point noise.
  return Math.ceil((requests / replicas) * scale - 1e-6) / scale
}

/**
 * The fewest units whose `ranks` replicas each, at `concurrency` requests in flight, hold `requests`; the
 * tolerance absorbs the rounding of a spread concurrency (100 over 3 replicas at 33.3334 is one unit, not two).
 *
 * @example
 * unitsFor(256, 3.5556, 72) // 1
 * unitsFor(100, 25, 2) // 2
 */
export function unitsFor(requests: number, concurrency: number, ranks: number): number {
  return Math.ceil(requests / (concurrency * ranks) - 1e-6)
}
