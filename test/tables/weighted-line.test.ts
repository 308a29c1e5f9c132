// The least-squares line the GEMM and attention borrowing read a missing shape off.
import {describe, expect, it} from 'vitest'
import {weightedLine} from '../../src/tables/interpolate/weighted-line.js'

describe('weightedLine', () => {
  it('fits y = fixed + slope x through points on a line, whatever their weights', () => {
    const line = weightedLine([{x: 4, y: 18, w: 1}, {x: 8, y: 26, w: 0.25}, {x: 16, y: 42, w: 4}])!
    expect(line.fixed).toBeCloseTo(10, 12)
    expect(line.slope).toBeCloseTo(2, 12)
  })

  it('weighs the points: off-line points pull it by their weight', () => {
    // (0, 1), (1, 1) and (1, 5), weight 1 each: the line through x = 0 -> 1 and x = 1 -> the mean of 1 and 5, 3
    const line = weightedLine([{x: 0, y: 1, w: 1}, {x: 1, y: 1, w: 1}, {x: 1, y: 5, w: 1}])!
    expect(line.fixed).toBeCloseTo(1, 12)
    expect(line.slope).toBeCloseTo(2, 12)
    // (1, 5) weighted 3: x = 1 -> (1 + 3 x 5) / 4 = 4
    expect(weightedLine([{x: 0, y: 1, w: 1}, {x: 1, y: 1, w: 1}, {x: 1, y: 5, w: 3}])!.slope).toBeCloseTo(3, 12)
  })

  it('gives none without two sizes, or where the line falls or starts below zero', () => {
    expect(weightedLine([{x: 4, y: 18, w: 1}])).toBeUndefined()
    expect(weightedLine([{x: 4, y: 18, w: 1}, {x: 4, y: 20, w: 1}])).toBeUndefined()
    expect(weightedLine([{x: 4, y: 30, w: 1}, {x: 8, y: 20, w: 1}])).toBeUndefined()
    expect(weightedLine([{x: 4, y: 2, w: 1}, {x: 8, y: 10, w: 1}])).toBeUndefined()
  })
})
