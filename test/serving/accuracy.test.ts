/** The error a serving prediction carries: the engine's held-out error, weighed for throughput by TTFT's and TPOT's time. */
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {bandsOf, servingUncertainty} from '../../src/serving/accuracy.js'
import {ROOT, runCli} from '../helpers/cli.js'
import {tempDir} from '../calibrate/helpers.js'

const accuracy = {heldOut: 'leave one GPU out', rows: 10, ttft: {mape: 0.3, median: 0.2, p90: 0.6}, tpot: {mape: 0.1, median: 0.1, p90: 0.3}}

describe('serving error bands', () => {
  it('throughput weighs the TTFT and TPOT errors by their share of a request', () => {
    // TTFT 100 ms and 10 decode steps of 10 ms: equal shares, (0.2 + 0.1) / 2 = 0.15; p90 (0.6 + 0.3) / 2 = 0.45.
    expect(bandsOf(accuracy, 100, 10, 11)).toEqual({ttft: 0.2, tpot: 0.1, tgs: 0.15})
    const u = servingUncertainty(accuracy, 100, 10, 11)!
    expect(u.p90.tgs).toBeCloseTo(0.45, 12)
    // One output token: all of the time is TTFT.
    expect(bandsOf(accuracy, 100, 10, 1)!.tgs).toBeCloseTo(0.2, 12)
    expect(bandsOf(undefined, 100, 10, 11)).toBeUndefined()
  })

  it('says when the GPU predicted had no runs in the fit', async () => {
    const fitted = ['H100-SXM', 'H200-SXM']
    expect(servingUncertainty(accuracy, 100, 10, 11, 16, {name: 'B200-SXM', fittedGpus: fitted})!.unfittedGpu).toEqual({gpu: 'B200-SXM', fittedGpus: fitted})
    expect(servingUncertainty(accuracy, 100, 10, 11, 16, {name: 'H200-SXM', fittedGpus: fitted})!.unfittedGpu).toBeUndefined()
    // A GPU that reads a fitted GPU's tables (InferSim's H200 entry reads H200-SXM's) counts as fitted.
    expect(servingUncertainty(accuracy, 100, 10, 11, 16, {name: 'H200', measuredAs: 'H200-SXM', fittedGpus: fitted})!.unfittedGpu).toBeUndefined()
    // An engine file that does not say which GPUs it was fitted on adds nothing.
    expect(servingUncertainty(accuracy, 100, 10, 11, 16, {name: 'B200-SXM'})!.unfittedGpu).toBeUndefined()
    const args = (gpu: string) => ['simulate', '--model', 'qwen3-32b', '--gpu', gpu, '--world-size', '2', '--tp', '2', '--serving', '--engine', 'vllm', '--no-breakdown']
    const b200 = await runCli(args('B200-SXM'))
    expect(b200.exitCode, b200.stderr).toBe(0)
    expect(b200.stdout).toContain('No run of B200-SXM was in the fit (H100-SXM, H200-SXM): the bands are what carrying the fit from one of those GPUs to another cost, not an error measured on B200-SXM.')
    expect((await runCli(args('H100-SXM'))).stdout).not.toContain('No run of')
    // sweep --serving says it once, on the engine's band line.
    const sweep = (gpu: string) => runCli(['sweep', '--serving', '--model', 'llama-3.1-8b', '--gpu', gpu, '--max-gpus', '1', '--engine', 'vllm', '--modes', 'aggregated'])
    const swept = await sweep('B200-SXM')
    expect(swept.exitCode, swept.stderr).toBe(0)
    expect(swept.stdout).toMatch(/^vLLM .*\(vllm\): TTFT .* No run of B200-SXM was in the fit \(H100-SXM, H200-SXM\)/m)
    expect((await sweep('H200-SXM')).stdout).not.toContain('No run of')
    const two = await runCli(['sweep', '--serving', '--model', 'llama-3.1-8b', '--gpu', 'B200-SXM', '--gpu', 'H100-SXM', '--gpu', 'A100-SXM', '--max-gpus', '1', '--engine', 'vllm', '--modes', 'aggregated'])
    expect(two.stdout).toContain('No run of B200-SXM or A100-SXM was in the fit (H100-SXM, H200-SXM)')
  })

  it('simulate --serving prints them from the engine file, or says there are none', async () => {
    const args = ['simulate', '--model', 'qwen3-32b', '--gpu', 'H100-SXM', '--world-size', '4', '--tp', '4', '--serving', '--engine', 'vllm', '--no-breakdown']
    const file = JSON.parse(readFileSync(path.join(ROOT, 'data', 'engines', 'vllm.json'), 'utf8'))
    const pct = (v: number) => `±${(v * 100).toFixed(0)}%`
    const bundled = await runCli(args)
    expect(bundled.exitCode, bundled.stderr).toBe(0)
    expect(bundled.stdout).toContain(`Mean TPOT (ms)`)
    // The default 16 clients per replica take the band of the file's group that holds them.
    const group = file.accuracy.byClients.find((g: {clientsUpTo?: number}) => g.clientsUpTo === undefined || 16 <= g.clientsUpTo)
    expect(bundled.stdout).toMatch(new RegExp(`Mean TPOT \\(ms\\) +[\\d.]+ \\(typically within ${pct(group.tpot.median)}, 9 in 10 within ${pct(group.tpot.p90)}\\)`))
    expect(bundled.stdout).toMatch(new RegExp(`Mean TTFT \\(ms\\) +[\\d.]+ \\(typically within ${pct(group.ttft.median)}`))

    const dir = path.join(tempDir(), 'engines')
    mkdirSync(dir)
    // Without groups (an older fit): the engine-wide band.
    delete file.accuracy.byClients
    const older = path.join(tempDir(), 'engines')
    mkdirSync(older)
    writeFileSync(path.join(older, 'vllm.json'), JSON.stringify(file))
    const wide = await runCli([...args, '--engine-dir', older])
    expect(wide.exitCode, wide.stderr).toBe(0)
    expect(wide.stdout).toMatch(new RegExp(`Mean TTFT \\(ms\\) +[\\d.]+ \\(typically within ${pct(file.accuracy.ttft.median)}`))
    expect(wide.stdout).toMatch(/predicted by a fit on the others, \d+ runs \(TTFT and TPOT each\)/)

    delete file.accuracy
    writeFileSync(path.join(dir, 'vllm.json'), JSON.stringify(file))
    const mine = await runCli([...args, '--engine-dir', dir])
    expect(mine.exitCode, mine.stderr).toBe(0)
    expect(mine.stdout).not.toContain('typically within')
    expect(mine.stdout).toContain('Error bands: none')
  })
})
