/** Compact numbers for the written CSV: 4 significant digits keep tables small (error < 0.05%). */
export function sig(x: number, digits = 4): number {
  if (x === 0 || !Number.isFinite(x)) return x
  return Number(x.toPrecision(digits))
}

/** AIConfigurator latencies are milliseconds. */
export const msToUs = (ms: number) => ms * 1000

/** MFU = FLOPs / (latency * peak); peak in TFLOP/s (1 TFLOP/s = 1e12 FLOP/s, the default profile's units). */
export function mfuOf(flops: number, latencyUs: number, peakTflops: number): number {
  return flops / (latencyUs * 1e-6 * peakTflops * 1e12)
}

/**
 * Rows whose MFU is above 1 claim more than the GPU's peak: a timing glitch
 * (or a peak the GPU beats), not data a lookup should return. They are
 * dropped and counted in the table's provenance.
 */
export function dropAbovePeak<T>(rows: T[], mfus: (row: T) => number[]): {rows: T[]; note: string[]} {
  const kept = rows.filter((r) => mfus(r).every((m) => m <= 1))
  const dropped = rows.length - kept.length
  return {rows: kept, note: dropped > 0 ? [`${dropped} row(s) with MFU above 1 (faster than the peak) dropped`] : []}
}
