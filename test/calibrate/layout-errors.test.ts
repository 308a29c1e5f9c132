/**
 * The held-out error by layout: `calibrate --fit` gives data-parallel-attention
 * runs their own figures in the engine file (accuracy.byLayout), and
 * `simulate --serving` prints them for such a deployment. Figures worked out by
 * hand from the predictions below.
 */
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {parse} from 'csv-parse/sync'
import {describe, expect, it} from 'vitest'
import {errorsOf, layoutGroups, MIN_LAYOUT_RUNS} from '../../src/calibrate/serving-engines.js'
import type {Prediction} from '../../src/calibrate/serving-fit.js'
import type {EngineAccuracy, ServingLayout} from '../../src/engine.js'
import {layoutErrorText, layoutSummary, outputRateSummary, servingUncertainty} from '../../src/serving/accuracy.js'
import {ROOT, runCli} from '../helpers/cli.js'
import {bundledEngineFile, expectRefused} from '../helpers/engine-file.js'
import {tempDir} from './helpers.js'

/** `n` runs of `layout`, TTFT predicted at `ttftRatio` x the measured 100 ms, TPOT at `tpotRatio` x 10 ms. */
function runs(n: number, layout: ServingLayout, ttftRatio: number, tpotRatio: number): Prediction[] {
  const of = {engine: 'vllm', model: 'm', gpu: 'H200-SXM', clients: 8, layout}
  return Array.from({length: n}, (_, i) => [
    {id: `${layout}-${i}-ttft`, ...of, metric: 'ttft_ms' as const, actual: 100, predicted: 100 * ttftRatio},
    {id: `${layout}-${i}-tpot`, ...of, metric: 'tpot_ms' as const, actual: 10, predicted: 10 * tpotRatio},
  ]).flat()
}

const stats = (median: number, ratio: number) => ({mape: median, median, p90: median, ratio})

describe('held-out error by layout', () => {
  it('gives the median of predicted / measured beside the error', () => {
    // Ratios 0.5, 0.8, 1.1 and a failed prediction (0): sorted 0, 0.5, 0.8, 1.1, the median is the third.
    const e = errorsOf([50, 80, 110, Number.NaN].map((predicted, i) => ({actual: 100, predicted, id: String(i)})))
    expect(e.ratio).toBeCloseTo(0.8, 12)
  })

  it('groups the runs by layout where more than one layout has enough runs', () => {
    expect(MIN_LAYOUT_RUNS).toBe(5)
    // 10 tensor-parallel runs, TTFT 10% under and TPOT 10% over; 5 data-parallel ones, TTFT at half the measured
    // (3 runs) and 0.4 of it (2 runs), TPOT exact.
    const preds = [...runs(10, 'tensor-parallel', 0.9, 1.1), ...runs(3, 'attention-data-parallel', 0.5, 1), ...runs(2, 'attention-data-parallel', 0.4, 1)]
    const [tp, dp] = layoutGroups(preds)
    expect(tp.layout).toBe('tensor-parallel')
    expect(tp.runs).toBe(10)
    expect(tp.ttft).toEqual({mape: 0.1, median: 0.1, p90: 0.1, ratio: 0.9})
    expect(tp.tpot).toEqual({mape: 0.1, median: 0.1, p90: 0.1, ratio: 1.1})
    // Data-parallel TTFT errors 0.5, 0.5, 0.5, 0.6, 0.6: MAPE 2.7 / 5 = 0.54, median (third) 0.5, p90 (fifth) 0.6;
    // ratios 0.4, 0.4, 0.5, 0.5, 0.5: median 0.5.
    expect(dp).toEqual({layout: 'attention-data-parallel', runs: 5, ttft: {mape: 0.54, median: 0.5, p90: 0.6, ratio: 0.5}, tpot: {mape: 0, median: 0, p90: 0, ratio: 1}})
    // Four data-parallel runs are too few, and one layout alone needs no figures of its own.
    expect(layoutGroups([...runs(10, 'tensor-parallel', 0.9, 1.1), ...runs(4, 'attention-data-parallel', 0.5, 1)])).toEqual([])
    expect(layoutGroups(runs(10, 'tensor-parallel', 0.9, 1.1))).toEqual([])
  })

  const accuracy: EngineAccuracy = {
    heldOut: 'leave one GPU out',
    rows: 30,
    ttft: {mape: 0.2, median: 0.2, p90: 0.5},
    tpot: {mape: 0.1, median: 0.1, p90: 0.3},
    byLayout: [
      {layout: 'tensor-parallel', runs: 10, ttft: stats(0.2, 0.95), tpot: stats(0.1, 1)},
      {layout: 'attention-data-parallel', runs: 5, ttft: {mape: 0.6, median: 0.55, p90: 0.9, ratio: 0.45}, tpot: {mape: 0.08, median: 0.07, p90: 0.15, ratio: 0.94}},
    ],
  }

  it('a data-parallel deployment carries its layout\'s figures, a tensor-parallel one none', () => {
    const dp = servingUncertainty(accuracy, 100, 10, 11, 8, {name: 'H200-SXM', layout: 'attention-data-parallel'})!
    expect(dp.layout).toEqual(accuracy.byLayout![1])
    // The band stays the engine's at this load.
    expect(dp.typical.ttft).toBe(0.2)
    expect(servingUncertainty(accuracy, 100, 10, 11, 8, {name: 'H200-SXM', layout: 'tensor-parallel'})!.layout).toBeUndefined()
    const {byLayout: _, ...without} = accuracy
    expect(servingUncertainty(without, 100, 10, 11, 8, {name: 'H200-SXM', layout: 'attention-data-parallel'})!.layout).toBeUndefined()
  })

  it('says them in words, for simulate and for a sweep of a MoE model', () => {
    expect(layoutErrorText(accuracy.byLayout![1])).toBe(
      "Held-out attention data-parallel runs of this engine: 5, their TTFT predicted at 0.45x the measured in the median (within 55%; 9 in 10 within 90%), their TPOT at 0.94x (within 7%). The bands above are all layouts' runs at this load.",
    )
    expect(layoutSummary(accuracy, ['tensor-parallel', 'attention-data-parallel'])).toBe('Held-out attention data-parallel runs (5): TTFT 0.45x the measured in the median (within 55%), TPOT 0.94x (within 7%).')
    // A dense model's sweep serves no data-parallel attention.
    expect(layoutSummary(accuracy, ['tensor-parallel'])).toBeUndefined()
  })

  it("a dense model's sweep lists no data-parallel output-rate check", () => {
    const held = {mape: 0.2, median: 0.1, p90: 0.4}
    const check = (layout: ServingLayout) => ({gpu: 'B200-SXM', layout, runs: 10, median: 0.1, p90: 0.2, ratio: 1.2})
    const a = {heldOut: 'test', rows: 10, ttft: held, tpot: held, outputRate: {data: ['x.csv (test)'], checks: [check('attention-data-parallel'), check('tensor-parallel')]}}
    expect(outputRateSummary(a, [{name: 'B200-SXM'}], ['tensor-parallel'])).toBe('Measured output rates no fit read (x.csv): B200-SXM tensor-parallel, 10 runs within 10% (median), 1.20x the measured rate.')
    expect(outputRateSummary(a, [{name: 'B200-SXM'}])).toMatch(/attention data-parallel, 10 runs.*tensor-parallel, 10 runs/)
  })
})

describe('simulate --serving with an engine file that gives data-parallel attention its own error', () => {
  const file = bundledEngineFile('vllm')
  const byLayout = [
    {layout: 'tensor-parallel', runs: 300, ttft: stats(0.17, 0.94), tpot: stats(0.12, 0.91)},
    {layout: 'attention-data-parallel', runs: 19, ttft: {mape: 0.6, median: 0.55, p90: 0.9, ratio: 0.45}, tpot: {mape: 0.07, median: 0.064, p90: 0.14, ratio: 0.94}},
  ]
  // Each file in a folder of its own: engine files are read once per path.
  let dir = ''
  const write = (accuracy: unknown) => {
    dir = path.join(tempDir(), 'engines')
    mkdirSync(dir)
    writeFileSync(path.join(dir, 'vllm.json'), JSON.stringify({...file, accuracy}))
  }
  const serve = (...args: string[]) => runCli(['simulate', '--serving', '--engine', 'vllm', '--engine-dir', dir, '-g', 'H200-SXM', '--isl', '2000', '--osl', '1000', '--concurrency', '8', '--no-breakdown', ...args])
  // Qwen3-235B-A22B on two H200s, one attention group each sharing the MoE; Qwen3-32B at tp 2.
  const dp = ['-m', 'qwen3-235b-a22b', '--world-size', '2', '--tp', '1', '--fp8-gemm']
  const dense = ['-m', 'qwen3-32b', '--world-size', '2', '--tp', '2']

  it('prints the layout\'s figures for a data-parallel deployment, in text and --json, and none for tensor parallelism', async () => {
    write({...file.accuracy, byLayout})
    const text = await serve(...dp)
    expect(text.exitCode, text.stderr).toBe(0)
    expect(text.stdout).toContain('Held-out attention data-parallel runs of this engine: 19, their TTFT predicted at 0.45x the measured in the median (within 55%; 9 in 10 within 90%), their TPOT at 0.94x (within 6%).')
    const json = await serve(...dp, '--json')
    expect(JSON.parse(json.stdout).serving.uncertainty.layout).toEqual(byLayout[1])
    const tp = await serve(...dense)
    expect(tp.exitCode, tp.stderr).toBe(0)
    expect(tp.stdout).not.toContain('Held-out attention data-parallel')
  })

  it('refuses a layout it does not know, naming the field', async () => {
    write({...file.accuracy, byLayout: [byLayout[0], {...byLayout[1], layout: 'pipeline-parallel'}]})
    expectRefused(await serve(...dp), 1, 'accuracy.byLayout.1.layout', 'must be equal to one of the allowed values (tensor-parallel, attention-data-parallel)')
  })
})

describe('the bundled engine files', () => {
  it("give the data-parallel runs of the shipped measurements apart: vLLM's with the MoE wider than tp, TensorRT-LLM's whose id counts every rank's clients", () => {
    // Counted from the files' columns: a vLLM TTFT row whose moe_tp x moe_ep is wider than its tp (data-parallel
    // attention groups sharing the MoE), a TensorRT-LLM one whose id's concurrency is decode_batch x tp.
    const count = (engine: string, dp: (r: Record<string, string>) => boolean) =>
      ['serving-h100.csv', 'serving-h200.csv']
        .flatMap((f) => parse(readFileSync(path.join(ROOT, 'calibration', f), 'utf8'), {columns: true}) as Record<string, string>[])
        .filter((r) => r.backend === engine && r.metric === 'ttft_ms' && dp(r)).length
    const vllm = count('vllm', (r) => Number(r.moe_tp || 1) * Number(r.moe_ep || 1) > Number(r.tp))
    const trtllm = count('trtllm', (r) => Number(/_c(\d+)_/.exec(r.id)?.[1]) === Number(r.decode_batch) * Number(r.tp) && Number(r.tp) > 1)
    expect([vllm, trtllm]).toEqual([19, 5])
    const dpRuns = (engine: string) => bundledEngineFile(engine).accuracy.byLayout?.find((l: {layout: string}) => l.layout === 'attention-data-parallel')?.runs
    expect([dpRuns('vllm'), dpRuns('trtllm')]).toEqual([vllm, trtllm])
    // SGLang's runs all served tensor-parallel replicas: no figures by layout.
    expect(count('sglang', (r) => Number(r.moe_tp || 1) * Number(r.moe_ep || 1) > Number(r.tp))).toBe(0)
    expect(bundledEngineFile('sglang').accuracy.byLayout).toBeUndefined()
  })
})
