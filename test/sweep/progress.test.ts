import {describe, expect, it} from 'vitest'
import {ProgressBar} from '../../src/sweep/progress.js'

function bar(isTTY: boolean) {
  let clock = 0
  let text = ''
  let sims = 0
  const b = new ProgressBar({write: (t) => (text += t), isTTY}, () => sims, () => clock)
  return {
    b,
    advance: (ms: number, n: number) => {
      clock += ms
      sims += n
      b.tick()
    },
    text: () => text,
  }
}

describe('progress bar', () => {
  it('stays silent for runs under a second', () => {
    const t = bar(true)
    t.b.addWork(10)
    for (let i = 0; i < 10; i++) t.advance(90, 100)
    t.b.finish()
    expect(t.text()).toBe('')
  })

  it('on a terminal, redraws one line in place after a second, then ends it', () => {
    const t = bar(true)
    t.b.addWork(4)
    t.advance(600, 1000)
    t.advance(600, 1000)
    expect(t.text()).toBe('\rsweep [###############...............]  50%  2,000 simulations  1.2 s  1,667/s')
    t.advance(50, 1000) // within 100 ms of the last draw: not redrawn
    t.advance(600, 1000)
    t.b.finish()
    expect(t.text().split('\r').filter(Boolean).map((l) => l.slice(0, 47))).toEqual([
      'sweep [###############...............]  50%  2,',
      'sweep [##############################] 100%  4,',
      'sweep [##############################] 100%  4,',
    ])
    expect(t.text().endsWith('\n')).toBe(true)
  })

  it('in a log (not a terminal), writes whole lines every few seconds', () => {
    const t = bar(false)
    t.b.addWork(100)
    for (let i = 0; i < 100; i++) t.advance(200, 10)
    t.b.finish()
    const lines = t.text().trim().split('\n')
    // 20 s of work: lines at 1, 6, 11 and 16 s, then the final one.
    expect(lines.length).toBe(5)
    expect(lines.every((l) => l.startsWith('sweep ['))).toBe(true)
    expect(lines.at(-1)).toMatch(/100% {2}1,000 simulations {2}20\.0 s/)
  })
})
