import {describe, expect, it} from 'vitest'
import {ParetoFrontier} from '../../src/sweep/frontier.js'
import {bruteFrontier, dominates, seeded} from './helpers.js'

function randomPoints(seed: number, n: number, grid: number) {
  const r = seeded(seed)
  // A coarse grid makes ties and equal coordinates common.
  return Array.from({length: n}, (_, i) => ({x: Math.floor(r() * grid), y: Math.floor(r() * grid), id: i}))
}

describe('ParetoFrontier', () => {
  it('equals the brute-force frontier and no point dominates a frontier point (random sets with ties)', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const points = randomPoints(seed, 1 + (seed % 60), seed % 2 ? 8 : 1000)
      const f = new ParetoFrontier<number>()
      for (const p of points) f.offer(p.x, p.y, p.id, p.id)
      const got = f.list()
      expect(got.map((e) => `${e.x}|${e.y}`)).toEqual(bruteFrontier(points))
      for (const e of got) expect(points.some((q) => dominates(q, e))).toBe(false)
    }
  })

  it('keeps the same points whatever order they arrive in (ties go to the smaller tie key)', () => {
    const points = randomPoints(7, 300, 6)
    const expected = (() => {
      const f = new ParetoFrontier<number>()
      for (const p of points) f.offer(p.x, p.y, p.id, p.id)
      return f.list().map((e) => e.item)
    })()
    const r = seeded(99)
    for (let round = 0; round < 20; round++) {
      const shuffled = [...points].sort(() => r() - 0.5)
      const f = new ParetoFrontier<number>()
      for (const p of shuffled) f.offer(p.x, p.y, p.id, p.id)
      expect(f.list().map((e) => e.item)).toEqual(expected)
    }
    // Each kept point has the smallest id among the points with its coordinates.
    for (const id of expected) {
      const p = points[id]
      expect(Math.min(...points.filter((q) => q.x === p.x && q.y === p.y).map((q) => q.id))).toBe(id)
    }
  })

  it('says whether a point is covered, and ignores non-finite points', () => {
    const f = new ParetoFrontier<string>()
    expect(f.offer(1, 10, 0, 'a')).toBe(true)
    expect(f.offer(10, 1, 1, 'b')).toBe(true)
    expect(f.offer(Number.NaN, 5, 2, 'nan')).toBe(false)
    expect(f.offer(Infinity, 5, 3, 'inf')).toBe(false)
    expect(f.covers(5, 1)).toBe(true)
    expect(f.covers(5, 5)).toBe(false)
    expect(f.offer(5, 5, 4, 'c')).toBe(true)
    expect(f.list().map((e) => e.item)).toEqual(['b', 'c', 'a'])
    expect(f.offer(20, 20, 5, 'd')).toBe(true)
    expect(f.list().map((e) => e.item)).toEqual(['d'])
  })
})
