import {describe, expect, it} from 'vitest'
import {spreadConcurrency, unitsFor} from '../../../src/sweep/serving/spread.js'

describe('spreading a total concurrency over replicas', () => {
  it('gives each replica the mean, rounded up at the fourth decimal', () => {
    // 256 / 72 = 3.5555...; 100 / 3 = 33.3333...; worked by hand.
    expect(spreadConcurrency(256, 72)).toBe(3.5556)
    expect(spreadConcurrency(100, 3)).toBe(33.3334)
    expect(spreadConcurrency(100, 4)).toBe(25)
    expect(spreadConcurrency(7, 2)).toBe(3.5)
    expect(spreadConcurrency(3, 8)).toBe(0.375)
  })

  it('always holds every request, by less than a ten-thousandth a replica more, and names back its own number of units', () => {
    for (let requests = 1; requests <= 300; requests += 7) {
      for (let ranks = 1; ranks <= 8; ranks *= 2) {
        for (let units = 1; units <= 40; units++) {
          const c = spreadConcurrency(requests, units * ranks)
          expect(c * units * ranks).toBeGreaterThanOrEqual(requests - 1e-9)
          expect((c - 1e-4) * units * ranks).toBeLessThan(requests)
          const back = unitsFor(requests, c, ranks)
          expect(back * c * ranks).toBeGreaterThanOrEqual(requests - 1e-9)
          // Below a request a replica the fourth decimal is too coarse to name the count back; from one up it is exact.
          if (c >= 1) expect(back).toBe(units)
        }
      }
    }
  })
})
