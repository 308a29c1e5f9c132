/** A kernel's time against the size of what it streams, fitted through a few measured shapes. */

/** One measured shape: its size `x`, its time `y`, its weight `w`. */
export interface LinePoint {
  x: number
  y: number
  w: number
}

/**
 * The weighted least-squares line `y = fixed + slope x` through `points`, when
 * it has a fixed part and a slope (`fixed >= 0`, `slope > 0`): a kernel's
 * fixed cost plus what grows with the bytes or FLOPs it streams. Undefined
 * when the points do not give one: fewer than two distinct sizes, or a line
 * that falls or crosses below zero.
 *
 * @example
 * weightedLine([{x: 4, y: 18, w: 1}, {x: 8, y: 26, w: 1}, {x: 16, y: 42, w: 1}]) // {fixed: 10, slope: 2}
 */
export function weightedLine(points: readonly LinePoint[]): {fixed: number; slope: number} | undefined {
  let sw = 0
  let sx = 0
  let sy = 0
  let sxx = 0
  let sxy = 0
  for (const {x, y, w} of points) {
    sw += w
    sx += w * x
    sy += w * y
    sxx += w * x * x
    sxy += w * x * y
  }
  const det = sw * sxx - sx * sx
  if (!(det > 1e-9 * sw * sxx)) return undefined
  const slope = (sw * sxy - sx * sy) / det
  const fixed = (sy - slope * sx) / sw
  return fixed >= 0 && slope > 0 ? {fixed, slope} : undefined
}
