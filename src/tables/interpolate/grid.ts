/**
 * Bracket-and-blend over a ragged grid. Points sit at coordinates that are
 * already transformed (log2 of batch, KV length, m, ...). The first axis is
 * bracketed among all points; each bracketing slice then brackets the next
 * axis among its own points only, so a slice that lacks a corner uses what
 * it has around the query and no row is ever invented. An axis the slice
 * does not cover is clamped to its boundary (the result is extrapolated).
 */

/** Nested index: the distinct values of one axis, each with its sub-grid (or, after the last axis, point ids). */
export interface GridNode {
  keys: number[]
  children: GridNode[]
  /** Point ids of each key on the last axis (duplicates share a key). */
  leaves?: number[][]
}

export interface Blend {
  /** Point id -> weight; weights are >= 0 and sum to 1. */
  weights: Map<number, number>
  /** Every axis matched a measured value. */
  exact: boolean
  /** Some axis lay outside what its slice covers and was clamped. */
  extrapolated: boolean
}

const EPS = 1e-9

/** Builds the nested index over points' coordinates (all of one length). */
export function buildGrid(coords: readonly (readonly number[])[]): GridNode {
  const ids = coords.map((_, i) => i)
  return build(coords, ids, 0, coords[0]?.length ?? 0)
}

/** Ascending; -1, 0 or 1 rather than a difference, which cold code (a start-up's) would box. */
const ascending = (a: number, b: number) => (a < b ? -1 : a > b ? 1 : 0)

function build(coords: readonly (readonly number[])[], ids: number[], axis: number, dims: number): GridNode {
  // Points already in ascending order along the axis, each value once (a sorted table's rows, e.g. a GEMM
  // site's m): each is its own group, in order. Grouping them through a map and sorting its keys made a
  // start-up's largest garbage after the rows themselves, for the same node.
  let distinctAscending = true
  for (let i = 1; distinctAscending && i < ids.length; i++) distinctAscending = coords[ids[i]][axis] > coords[ids[i - 1]][axis]
  if (distinctAscending) {
    const keys = new Array<number>(ids.length)
    const single = new Array<number[]>(ids.length)
    for (let i = 0; i < ids.length; i++) {
      keys[i] = coords[ids[i]][axis]
      single[i] = [ids[i]]
    }
    if (axis === dims - 1) return {keys, children: [], leaves: single}
    return {keys, children: single.map((one) => build(coords, one, axis + 1, dims))}
  }
  const groups = new Map<number, number[]>()
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]
    const v = coords[id][axis]
    const g = groups.get(v)
    if (g) g.push(id)
    else groups.set(v, [id])
  }
  const keys = [...groups.keys()].sort(ascending)
  if (axis === dims - 1) return {keys, children: [], leaves: keys.map((k) => groups.get(k)!)}
  return {keys, children: keys.map((k) => build(coords, groups.get(k)!, axis + 1, dims))}
}

const dropAt = <T>(list: readonly T[], i: number): T[] => [...list.slice(0, i), ...list.slice(i + 1)]

/**
 * The index without point `id` at coordinates `x` (nodes off its path are
 * shared): what buildGrid gives for the other points. Undefined when no point is left.
 */
export function withoutPoint(node: GridNode, x: readonly number[], id: number, axis: number): GridNode | undefined {
  const i = node.keys.indexOf(x[axis])
  if (i < 0) return node
  if (node.leaves) {
    const ids = node.leaves[i].filter((v) => v !== id)
    if (ids.length === node.leaves[i].length) return node
    if (ids.length > 0) return {keys: node.keys, children: node.children, leaves: node.leaves.map((l, j) => (j === i ? ids : l))}
    return node.keys.length > 1 ? {keys: dropAt(node.keys, i), children: node.children, leaves: dropAt(node.leaves, i)} : undefined
  }
  const child = withoutPoint(node.children[i], x, id, axis + 1)
  if (child === node.children[i]) return node
  if (child) return {keys: node.keys, children: node.children.map((c, j) => (j === i ? child : c))}
  return node.keys.length > 1 ? {keys: dropAt(node.keys, i), children: dropAt(node.children, i)} : undefined
}

/** Blends the points around `query`; undefined for an empty grid. */
export function blend(grid: GridNode, query: readonly number[]): Blend | undefined {
  if (grid.keys.length === 0) return undefined
  const out: Blend = {weights: new Map(), exact: true, extrapolated: false}
  descend(grid, query, 0, 1, out)
  return out
}

function descend(node: GridNode, q: readonly number[], axis: number, weight: number, out: Blend): void {
  const keys = node.keys
  const x = q[axis]
  const i = lowerBound(keys, x - EPS)
  if (i < keys.length && Math.abs(keys[i] - x) <= EPS) return visit(node, i, q, axis, weight, out)
  out.exact = false
  if (i === 0 || i === keys.length) {
    out.extrapolated = true
    return visit(node, i === 0 ? 0 : keys.length - 1, q, axis, weight, out)
  }
  const t = (x - keys[i - 1]) / (keys[i] - keys[i - 1])
  visit(node, i - 1, q, axis, weight * (1 - t), out)
  visit(node, i, q, axis, weight * t, out)
}

function visit(node: GridNode, i: number, q: readonly number[], axis: number, weight: number, out: Blend): void {
  if (weight <= 0) return
  if (node.leaves) {
    const ids = node.leaves[i]
    for (let j = 0; j < ids.length; j++) out.weights.set(ids[j], (out.weights.get(ids[j]) ?? 0) + weight / ids.length)
    return
  }
  descend(node.children[i], q, axis + 1, weight, out)
}

/** First index whose key is >= x. */
function lowerBound(keys: readonly number[], x: number): number {
  let lo = 0
  let hi = keys.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (keys[mid] < x) lo = mid + 1
    else hi = mid
  }
  return lo
}
