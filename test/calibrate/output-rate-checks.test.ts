/**
 * `calibrate --fit` writes each engine's output-rate checks (accuracy.outputRate):
 * the error of measured output rates that no fit read, by GPU and layout, as
 * the fitted engine predicts them. `simulate --serving` prints the check of its
 * GPU and layout: on a GPU the fit had no run of, the one error measured there.
 */
import {readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {outputRateChecks} from '../../src/calibrate/serving-accuracy.js'
import {calibrate} from '../../src/index.js'
import {outputRateSummary, outputRateText} from '../../src/serving/accuracy.js'
import {runCli} from '../helpers/cli.js'
import {HEADER, tempDir, twoGpuRows} from './helpers.js'

describe('outputRateChecks', () => {
  it('groups the runs by GPU and layout: median and 90th percentile of the error, median of predicted / measured', () => {
    const run = (gpu: string, layout: 'tensor-parallel' | 'attention-data-parallel', predicted: number) => ({gpu, layout, actual: 100, predicted})
    const checks = outputRateChecks([run('B200-SXM', 'tensor-parallel', 110), run('B200-SXM', 'tensor-parallel', 80), run('B200-SXM', 'tensor-parallel', 130), run('B200-SXM', 'attention-data-parallel', 150)])
    // Errors 0.1, 0.2, 0.3: median 0.2, p90 0.2 + 0.8 x 0.1 = 0.28; ratios 0.8, 1.1, 1.3: median 1.1.
    expect(checks).toEqual([
      {gpu: 'B200-SXM', layout: 'attention-data-parallel', runs: 1, median: 0.5, p90: 0.5, ratio: 1.5},
      {gpu: 'B200-SXM', layout: 'tensor-parallel', runs: 3, median: 0.2, p90: 0.28, ratio: 1.1},
    ])
  })

  it('says what a check is in words', () => {
    const text = outputRateText({gpu: 'B200-SXM', layout: 'attention-data-parallel', runs: 18, median: 0.262, p90: 0.46, ratio: 1.26, data: ['calibration/trtllm-bench.csv (NVIDIA TensorRT-LLM documentation)']})
    expect(text).toBe('Measured output rates no fit read: 18 attention data-parallel runs on B200-SXM (calibration/trtllm-bench.csv) came out within 26% (median; 9 in 10 within 46%), 1.26x the measured rate in the median.')
  })

  it('sums up the checks of the GPUs a sweep covers, a GPU standing for a measured one taking its checks', () => {
    const held = {mape: 0.2, median: 0.1, p90: 0.4}
    const checks = [
      {gpu: 'B200-SXM', layout: 'tensor-parallel' as const, runs: 47, median: 0.114, p90: 0.2, ratio: 1.09},
      {gpu: 'H200-SXM', layout: 'tensor-parallel' as const, runs: 40, median: 0.1, p90: 0.2, ratio: 1.04},
    ]
    const accuracy = {heldOut: 'test', rows: 10, ttft: held, tpot: held, outputRate: {data: ['calibration/trtllm-bench.csv (NVIDIA)'], checks}}
    expect(outputRateSummary(accuracy, [{name: 'B200-SXM'}, {name: 'H200', measuredAs: 'H200-SXM'}])).toBe(
      'Measured output rates no fit read (calibration/trtllm-bench.csv): B200-SXM tensor-parallel, 47 runs within 11% (median), 1.09x the measured rate; H200-SXM tensor-parallel, 40 runs within 10% (median), 1.04x the measured rate.',
    )
    expect(outputRateSummary(accuracy, [{name: 'A100-SXM'}])).toBeUndefined()
  })
})

describe('calibrate --fit with output-rate rows among the measurements', async () => {
  const dir = tempDir()
  // What the fit reads: vLLM's Llama-3.1-70B runs of one campaign on both GPUs.
  const fitted = twoGpuRows(dir)
  // Output rates the fit must not read: two tensor-parallel runs and one attention data-parallel run on B200, one run on H100.
  const rate = (id: string, model: string, gpu: string, world: number, tp: number, moeEp: string, actual: number) =>
    [id, model, gpu, world, 1, tp, 0, 0, 0, 0, 1024, 1024, 'serving', '', 64, 'output_tgs', actual, 'test', '', moeEp ? 1 : '', moeEp, 'vllm', ''].join(',')
  const rates = path.join(dir, 'rates.csv')
  writeFileSync(
    rates,
    [
      `${HEADER},moe_tp,moe_ep,backend,backend_version`,
      rate('L70-B200-TP1', 'llama-3.1-70b', 'B200-SXM', 1, 1, '', 3000),
      rate('L70-B200-TP2', 'llama-3.1-70b', 'B200-SXM', 2, 2, '', 2000),
      rate('Q235-B200-DEP4', 'qwen3-235b-a22b', 'B200-SXM', 4, 1, '4', 1500),
      rate('L70-H100-TP2', 'llama-3.1-70b', 'H100-SXM', 2, 2, '', 800),
    ].join('\n') + '\n',
  )
  const engines = path.join(dir, 'engines')
  const fitFile = path.join(dir, 'fit.json')
  const fit = await calibrate({measurements: [fitted, rates], profile: 'default', fit: true, holdOut: 'gpu', engineDir: engines, fitFile})
  const vllm = JSON.parse(readFileSync(path.join(engines, 'vllm.json'), 'utf8'))
  // The same rows as the written engine predicts them.
  const after = await calibrate({measurements: [rates], profile: 'default', engineDir: engines})
  const ratio = (id: string) => {
    const o = after.rows.find((r) => r.id === id)!
    return o.simulated! / o.actual
  }

  it('the engine fit and the speed factors read the TTFT and TPOT rows only', () => {
    expect(fit.serving_fit!.engines[0].rows).toBe(24)
    expect(vllm.fit.data.join(' ')).not.toMatch(/rates\.csv/)
    const speed = JSON.parse(readFileSync(fitFile, 'utf8'))
    expect(speed.fits[0].phase_factors.serving.rows).toBe(24)
  })

  it('writes each GPU and layout\'s check into the engine file, from the runs as the fitted engine predicts them', () => {
    const out = vllm.accuracy.outputRate
    expect(out.data).toHaveLength(1)
    expect(out.data[0]).toMatch(/rates\.csv \(test\)$/)
    const [tp1, tp2, dep, h100] = ['L70-B200-TP1', 'L70-B200-TP2', 'Q235-B200-DEP4', 'L70-H100-TP2'].map(ratio)
    const [lo, hi] = [Math.abs(tp1 - 1), Math.abs(tp2 - 1)].sort((a, b) => a - b)
    const close = (v: number) => expect.closeTo(v, 3)
    expect(out.checks).toEqual([
      {gpu: 'B200-SXM', layout: 'attention-data-parallel', runs: 1, median: close(Math.abs(dep - 1)), p90: close(Math.abs(dep - 1)), ratio: close(dep)},
      {gpu: 'B200-SXM', layout: 'tensor-parallel', runs: 2, median: close((lo + hi) / 2), p90: close(lo + 0.9 * (hi - lo)), ratio: close((tp1 + tp2) / 2)},
      {gpu: 'H100-SXM', layout: 'tensor-parallel', runs: 1, median: close(Math.abs(h100 - 1)), p90: close(Math.abs(h100 - 1)), ratio: close(h100)},
    ])
  })

  it('simulate --serving prints the check of its GPU and layout, and none where there is none', async () => {
    const serve = (...args: string[]) => runCli(['simulate', '--serving', '--engine', 'vllm', '--engine-dir', engines, '--isl', '1024', '--osl', '1024', '--concurrency', '64', ...args])
    const tp = await serve('-m', 'llama-3.1-70b', '-g', 'B200-SXM', '--world-size', '2', '--tp', '2')
    expect(tp.exitCode).toBe(0)
    expect(tp.stdout).toMatch(/Measured output rates no fit read: 2 tensor-parallel runs on B200-SXM \(.*rates\.csv\) came out within \d+% \(median; 9 in 10 within \d+%\), [\d.]+x the measured rate in the median\./)
    const dep = await serve('-m', 'qwen3-235b-a22b', '-g', 'B200-SXM', '--world-size', '4', '--tp', '1', '--moe-ep', '4', '--json')
    expect(JSON.parse(dep.stdout).serving.uncertainty.outputRate).toMatchObject({gpu: 'B200-SXM', layout: 'attention-data-parallel', runs: 1})
    // B300 reads B200's tables, but no run measured it.
    const b300 = await serve('-m', 'llama-3.1-70b', '-g', 'B300', '--world-size', '2', '--tp', '2')
    expect(b300.exitCode).toBe(0)
    expect(b300.stdout).not.toMatch(/Measured output rates/)
    const h200 = await serve('-m', 'llama-3.1-70b', '-g', 'H200-SXM', '--world-size', '2', '--tp', '2')
    expect(h200.exitCode).toBe(0)
    expect(h200.stdout).not.toMatch(/Measured output rates/)
  })
})
