import {describe, expect, it} from 'vitest'
import {blend, buildGrid} from '../../src/tables/interpolate/grid.js'

const total = (w: Map<number, number>) => [...w.values()].reduce((a, b) => a + b, 0)

describe('bracket-and-blend grid', () => {
  // A ragged 2-D grid: x = 0 has y in {0, 2}; x = 1 has y in {0, 1, 2}; x = 3 has only y = 0.
  const coords = [
    [0, 0],
    [0, 2],
    [1, 0],
    [1, 1],
    [1, 2],
    [3, 0],
  ]
  const grid = buildGrid(coords)

  it('hits a measured point exactly with all the weight on it', () => {
    const b = blend(grid, [1, 1])!
    expect(b.exact).toBe(true)
    expect([...b.weights]).toEqual([[3, 1]])
  })

  it('blends linearly between the bracketing values of each axis', () => {
    const b = blend(grid, [0.25, 0])!
    expect(b.exact).toBe(false)
    expect(b.extrapolated).toBe(false)
    expect(b.weights.get(0)).toBeCloseTo(0.75)
    expect(b.weights.get(2)).toBeCloseTo(0.25)
  })

  it('brackets a ragged slice with the rows that slice has (no invented corner)', () => {
    // y = 1 is measured at x = 1 only: the x = 0 slice blends its y = 0 and y = 2 rows.
    const b = blend(grid, [0.5, 1])!
    expect(b.extrapolated).toBe(false)
    expect(b.weights.get(0)).toBeCloseTo(0.25)
    expect(b.weights.get(1)).toBeCloseTo(0.25)
    expect(b.weights.get(3)).toBeCloseTo(0.5)
    expect(total(b.weights)).toBeCloseTo(1)
  })

  it('clamps an axis a slice does not cover and says so', () => {
    // Between x = 1 and x = 3 at y = 2: the x = 3 slice stops at y = 0.
    const b = blend(grid, [2, 2])!
    expect(b.extrapolated).toBe(true)
    expect(b.weights.get(4)).toBeCloseTo(0.5)
    expect(b.weights.get(5)).toBeCloseTo(0.5)
  })

  it('clamps outside the grid on every side', () => {
    for (const q of [
      [-1, 0],
      [5, 0],
      [1, 7],
      [1, -3],
    ]) {
      const b = blend(grid, q)!
      expect(b.extrapolated).toBe(true)
      expect(total(b.weights)).toBeCloseTo(1)
    }
  })

  it('shares the weight of duplicate points', () => {
    const b = blend(buildGrid([[0], [0], [1]]), [0])!
    expect(b.exact).toBe(true)
    expect(b.weights.get(0)).toBeCloseTo(0.5)
    expect(b.weights.get(1)).toBeCloseTo(0.5)
  })

  it('indexes points in any order alike: keys ascending, each key with its points', () => {
    // Points already ascending and distinct along an axis are taken in order; any other order is grouped and sorted.
    expect(buildGrid([[0], [1], [2.5]])).toEqual({keys: [0, 1, 2.5], children: [], leaves: [[0], [1], [2]]})
    expect(buildGrid([[2.5], [0], [1]])).toEqual({keys: [0, 1, 2.5], children: [], leaves: [[1], [2], [0]]})
    expect(buildGrid([[0, 0], [0, 1], [1, 0]])).toEqual({
      keys: [0, 1],
      children: [
        {keys: [0, 1], children: [], leaves: [[0], [1]]},
        {keys: [0], children: [], leaves: [[2]]},
      ],
    })
    expect(buildGrid([[0, 5], [1, 3], [2, 4]])).toEqual({
      keys: [0, 1, 2],
      children: [
        {keys: [5], children: [], leaves: [[0]]},
        {keys: [3], children: [], leaves: [[1]]},
        {keys: [4], children: [], leaves: [[2]]},
      ],
    })
  })

  it('answers nothing for an empty grid', () => {
    expect(blend(buildGrid([]), [1])).toBeUndefined()
  })
})
