/**
 * A finite run (src/serving/finite-run.ts), worked by hand: the requests go
 * through in waves of the engine's running requests, the last wave of what
 * is left over; a wave is its prompts' steps and then its decode steps.
 */
import {describe, expect, it} from 'vitest'
import {finiteRunRate, waveSeconds} from '../../src/serving/finite-run.js'
import {runCli, runJson} from '../helpers/cli.js'

describe('finiteRunRate', () => {
  it('1,500 requests, 352 at once: four waves of 352 (100 s each) and one of 92 (40 s)', () => {
    expect(finiteRunRate(1500, 352, (n) => (n === 352 ? 100 : 40))).toBeCloseTo(1500 / 440, 12)
  })

  it('a queue that divides into whole waves: each wave at the rate of its batch', () => {
    expect(finiteRunRate(3000, 750, () => 300)).toBeCloseTo(2.5, 12)
  })

  it('fewer requests than the engine runs at once: one wave of them all', () => {
    const asked: number[] = []
    expect(finiteRunRate(100, 400, (n) => (asked.push(n), 50))).toBeCloseTo(2, 12)
    expect(asked).toEqual([100])
  })
})

describe('waveSeconds', () => {
  const step = (decoding: number, prefill: number) => (prefill > 0 ? 0.001 + prefill * 1e-5 : 0.002 + decoding * 1e-4)

  it('prompts in whole steps of the budget, the last step what is left, then the decode steps at the whole batch', () => {
    // 5 prompts of 1,000 tokens, 2,000 a step: 2 full steps (0.021 s) and one of 1,000 (0.011 s); 10 decode steps of 5 (0.0025 s).
    expect(waveSeconds(step, 5, 1000, 10, 2000)).toBeCloseTo(2 * 0.021 + 0.011 + 10 * 0.0025, 12)
  })

  it('a prompt longer than a chunked step takes several steps', () => {
    // 1 prompt of 5,000 tokens in steps of 2,000: 2 of 2,000 and one of 1,000; no decode steps.
    expect(waveSeconds(step, 1, 5000, 0, 2000)).toBeCloseTo(2 * 0.021 + 0.011, 12)
  })
})

describe('simulate --serving --requests', () => {
  it('adds the finite run: all requests queued, waves of what runs at once, its tokens/GPU/s from its request rate', async () => {
    const {json} = await runJson(['simulate', '--serving', '--requests', '100'])
    const s = json.serving
    // --concurrency defaults to the requests: all of them queued at once.
    expect(s.concurrency).toBe(100)
    const f = s.finiteRun
    expect(f.running).toBe(s.running)
    expect(f.waves).toBe(Math.ceil(100 / f.running))
    expect(f.lastWave).toBeCloseTo(100 - (f.waves - 1) * f.running, 9)
    // Output tokens/GPU/s: requests/s x osl (2,048 by default) / tp (1).
    expect(f.outputTokensPerGpuPerSecond).toBeCloseTo(f.requestsPerSecond * 2048, 6)
    const text = await runCli(['simulate', '--serving', '--requests', '100'])
    expect(text.stdout).toMatch(/\n {2}run of 100 requests, queued +[\d.]+ output tokens\/GPU\/s \(\d+ wave\(s\) of [\d.]+, then [\d.]+; --requests\)\n/)
  })

  it('is a usage error (exit 2) without --serving, or with fewer requests than in flight', async () => {
    const alone = await runCli(['simulate', '--requests', '100'])
    expect(alone.exitCode).toBe(2)
    expect(alone.stderr).toMatch(/--requests applies to --serving only/)
    const fewer = await runCli(['simulate', '--serving', '--requests', '10', '--concurrency', '16'])
    expect(fewer.exitCode).toBe(2)
    expect(fewer.stderr).toMatch(/requests must be at least the 16 in flight \(the concurrency\), got 10/)
  })
})
