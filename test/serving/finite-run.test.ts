/**
 * A finite run's rate (src/serving/finite-run.ts), worked by hand: the
 * requests go through in waves of the engine's running requests, the last
 * wave of what is left over, each lasting one request's life at its batch.
 */
import {describe, expect, it} from 'vitest'
import {finiteRunRate} from '../../src/serving/finite-run.js'

describe('finiteRunRate', () => {
  it('1,500 requests, 352 at once: four waves of 352 at 1 request/s, then 92 at 0.5/s', () => {
    // 1,408 / 1 + 92 / 0.5 = 1,592 s for 1,500 requests.
    expect(finiteRunRate(1500, 352, (c) => (c === 352 ? 1 : 0.5))).toBeCloseTo(1500 / 1592, 12)
  })

  it('a queue that divides into whole waves runs at the steady rate', () => {
    expect(finiteRunRate(3000, 750, () => 2.5)).toBeCloseTo(2.5, 12)
  })

  it('fewer requests than the engine runs at once: one wave of them all, at their own rate', () => {
    const asked: number[] = []
    expect(finiteRunRate(100, 400, (c) => (asked.push(c), c / 50))).toBeCloseTo(2, 12)
    expect(asked).toEqual([100])
  })
})
