/** Shared pieces of the sweep tests: the sweep's seeded generator and the brute-force frontier. */
export {seeded} from '../../src/sweep/sample.js'

export interface XY {
  x: number
  y: number
}

export const dominates = (q: XY, p: XY) => q.x >= p.x && q.y >= p.y && (q.x > p.x || q.y > p.y)

/** The distinct (x, y) values no other point dominates, by x descending: O(n^2), by definition. */
export function bruteFrontier(points: readonly XY[]): string[] {
  const keys = new Set<string>()
  for (const p of points) if (!points.some((q) => dominates(q, p))) keys.add(`${p.x}|${p.y}`)
  return [...keys].sort((a, b) => Number(b.split('|')[0]) - Number(a.split('|')[0]))
}
