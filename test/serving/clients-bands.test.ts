/**
 * Error bands by load: the held-out error grouped by clients per replica, and
 * a prediction taking its group's band. Figures worked out by hand from the
 * predictions below.
 */
import {describe, expect, it} from 'vitest'
import {clientsGroups, clientsLabel, MIN_GROUP_RUNS} from '../../src/calibrate/serving-engines.js'
import type {Prediction} from '../../src/calibrate/serving-fit.js'
import type {EngineAccuracy} from '../../src/engine.js'
import {bandsOf, servingUncertainty} from '../../src/serving/accuracy.js'
import {runCli} from '../helpers/cli.js'
import {bundledEngineFile, expectRefused, vllmFileRun} from '../helpers/engine-file.js'

/** `n` runs at `clients`, TTFT predicted at `ttftRatio` x the measured 100 ms, TPOT at `tpotRatio` x 10 ms. */
function runs(n: number, clients: number, ttftRatio: number, tpotRatio = 1.1): Prediction[] {
  const of = {engine: 'vllm', model: 'm', gpu: 'H100-SXM', clients, layout: 'tensor-parallel' as const}
  return Array.from({length: n}, (_, i) => [
    {id: `${clients}-${i}-ttft`, ...of, metric: 'ttft_ms' as const, actual: 100, predicted: 100 * ttftRatio},
    {id: `${clients}-${i}-tpot`, ...of, metric: 'tpot_ms' as const, actual: 10, predicted: 10 * tpotRatio},
  ]).flat()
}

describe('error bands by clients per replica', () => {
  it('labels the ranges 1-8, 9-32, 33-64, 65-128 and 129+', () => {
    expect([1, 4.5, 8, 9, 32, 33, 64, 65, 128, 129, 512].map(clientsLabel)).toEqual(['1-8', '1-8', '1-8', '9-32', '9-32', '33-64', '33-64', '65-128', '65-128', '129+', '129+'])
  })

  it('groups the held-out runs, a range of fewer than 20 runs joining the one below, the rest the last group', () => {
    expect(MIN_GROUP_RUNS).toBe(20)
    // 25 runs at 4 clients 10% off; 5 at 16 clients 50% under and 30 at 48 clients 20% over (one group up to 64);
    // 3 at 256 clients 2x over: too few, they join the last group, which then has no bound.
    const groups = clientsGroups([...runs(25, 4, 0.9), ...runs(5, 16, 0.5), ...runs(30, 48, 1.2), ...runs(3, 256, 2)])
    expect(groups).toHaveLength(2)
    expect(groups[0]).toEqual({clientsUpTo: 8, runs: 25, ttft: {mape: 0.1, median: 0.1, p90: 0.1}, tpot: {mape: 0.1, median: 0.1, p90: 0.1}})
    // 38 runs: MAPE (5 x 0.5 + 30 x 0.2 + 3 x 1) / 38 = 0.30263; sorted, the 20th is 0.2 (median), the 35th 0.5 (p90).
    expect(groups[1].clientsUpTo).toBeUndefined()
    expect(groups[1].runs).toBe(38)
    expect(groups[1].ttft).toEqual({mape: 0.3026, median: 0.2, p90: 0.5})
    // Fewer runs than a group needs: no groups at all.
    expect(clientsGroups(runs(19, 4, 0.9))).toEqual([])
  })

  it('takes the band of the group a prediction falls in, and the engine-wide one without groups', () => {
    const stats = (median: number, p90: number) => ({mape: median, median, p90})
    const accuracy: EngineAccuracy = {
      heldOut: 'leave one GPU out',
      rows: 126,
      ttft: stats(0.15, 0.4),
      tpot: stats(0.1, 0.2),
      byClients: [
        {clientsUpTo: 8, runs: 25, ttft: stats(0.1, 0.3), tpot: stats(0.05, 0.1)},
        {runs: 38, ttft: stats(0.2, 0.5), tpot: stats(0.12, 0.3)},
      ],
    }
    // 4 clients: the first group. TTFT 100 ms and 10 decode steps of 10 ms weigh equally: (0.1 + 0.05) / 2.
    expect(bandsOf(accuracy, 100, 10, 11, 4)).toEqual({ttft: 0.1, tpot: 0.05, tgs: 0.075})
    const low = servingUncertainty(accuracy, 100, 10, 11, 8)!
    expect([low.clients, low.rows, low.p90.ttft]).toEqual(['1-8 clients per replica', 50, 0.3])
    const high = servingUncertainty(accuracy, 100, 10, 11, 300)!
    expect([high.clients, high.rows, high.typical.ttft, high.p90.tpot]).toEqual(['9 or more clients per replica', 76, 0.2, 0.3])
    // No load given, or no groups in the file: the engine's figures over all its runs.
    expect(servingUncertainty(accuracy, 100, 10, 11)!.typical.ttft).toBe(0.15)
    const {byClients: _, ...wide} = accuracy
    expect(bandsOf(wide, 100, 10, 11, 300)!.ttft).toBe(0.15)
  })

  it('simulate --serving prints the band of its load from the bundled engine file', async () => {
    const file = bundledEngineFile('sglang')
    const groups = file.accuracy.byClients as {clientsUpTo?: number; ttft: {median: number}}[]
    expect(groups.length).toBeGreaterThan(1)
    const top = groups[groups.length - 1]
    const pct = (v: number) => `±${(v * 100).toFixed(0)}%`
    const args = ['simulate', '--model', 'llama-3.1-8b', '--gpu', 'H200-SXM', '--world-size', '2', '--tp', '2', '--serving', '--engine', 'sglang', '--no-breakdown']
    const busy = await runCli([...args, '--concurrency', '1000'])
    expect(busy.exitCode, busy.stderr).toBe(0)
    expect(busy.stdout).toMatch(new RegExp(`Mean TTFT \\(ms\\) +[\\d.]+ \\(typically within ${pct(top.ttft.median)},`))
    expect(busy.stdout).toMatch(/Error bands: leave one GPU out.*, its \d+ runs at \d+ or more clients per replica/)
    const one = await runCli([...args, '--concurrency', '1'])
    expect(one.stdout).toMatch(new RegExp(`Mean TTFT \\(ms\\) +[\\d.]+ \\(typically within ${pct(groups[0].ttft.median)},`))
    expect(one.stdout).toMatch(new RegExp(`at 1-${groups[0].clientsUpTo} clients per replica`))
  })

  it('refuses an engine file whose groups do not ascend or leave a bound on the last', async () => {
    const file = bundledEngineFile('vllm')
    const stats = {mape: 0.2, median: 0.2, p90: 0.5}
    const run = vllmFileRun()
    for (const [groups, says] of [
      [[{clientsUpTo: 32, runs: 20, ttft: stats, tpot: stats}, {clientsUpTo: 8, runs: 20, ttft: stats, tpot: stats}, {runs: 20, ttft: stats, tpot: stats}], 'clientsUpTo 8 is not above the group before it (32)'],
      [[{clientsUpTo: 8, runs: 20, ttft: stats, tpot: stats}, {clientsUpTo: 64, runs: 20, ttft: stats, tpot: stats}], 'the last group has clientsUpTo 64'],
    ] as const) {
      expectRefused(await run({...file, accuracy: {...file.accuracy, byClients: groups}}), 2, 'accuracy.byClients', says)
    }
  })
})
