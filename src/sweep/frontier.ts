/**
 * A Pareto frontier of points where more is better on both axes, built one
 * point at a time: memory is the frontier's size, not the number of points
 * offered. A point is dominated when another is at least as good on both
 * axes; of points equal on both axes the one with the smaller tie key stays,
 * so the frontier does not depend on the order points arrive in.
 */
export interface FrontierEntry<T> {
  x: number
  y: number
  /** Breaks ties between equal (x, y): smaller wins. */
  tie: number
  item: T
}

export class ParetoFrontier<T> {
  /** Sorted by x descending; y then strictly ascending. */
  private readonly entries: FrontierEntry<T>[] = []

  get size(): number {
    return this.entries.length
  }

  /** Index of the first entry whose x is <= `x`. */
  private lowerBound(x: number): number {
    let lo = 0
    let hi = this.entries.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (this.entries[mid].x > x) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** Offers a point; true when it joins the frontier. */
  offer(x: number, y: number, tie: number, item: T): boolean {
    if (!Number.isFinite(x) || !Number.isFinite(y)) return false
    let i = this.lowerBound(x)
    const e = this.entries
    // The entry just left of i has the smallest x above ours and so the largest y among those: the one that could dominate us.
    if (i > 0 && e[i - 1].y >= y) return false
    if (i < e.length && e[i].x === x) {
      const same = e[i]
      if (same.y > y || (same.y === y && same.tie <= tie)) return false
    }
    let j = i
    while (j < e.length && e[j].y <= y) j++
    e.splice(i, j - i, {x, y, tie, item})
    return true
  }

  /** Whether some entry is at least as good as (x, y) on both axes. */
  covers(x: number, y: number): boolean {
    const i = this.lowerBound(x)
    if (i > 0 && this.entries[i - 1].y >= y) return true
    return i < this.entries.length && this.entries[i].x === x && this.entries[i].y >= y
  }

  /** The frontier, by x descending (y ascending). */
  list(): FrontierEntry<T>[] {
    return [...this.entries]
  }
}
