import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {EvalEnvironment} from '../../src/calibrate/environment.js'
import {evaluateRows} from '../../src/calibrate/runner.js'
import {fitEngine, fitError, fitLoss, fitParams, loss, objective, predictRun, prepareRuns} from '../../src/calibrate/serving-fit.js'
import {FITTED_NAMES} from '../../src/engine.js'
import {solveServing} from '../../src/serving/mean-field.js'
import {breakdown} from '../../src/calibrate/serving-engines.js'
import {loadMeasurementFiles} from '../../src/calibrate/sources.js'
import {loadEngine} from '../../src/io/engines.js'
import {rowEngineName} from '../../src/calibrate/row-engine.js'
import type {MeasurementRow} from '../../src/calibrate/types.js'
import {getProfile} from '../../src/profile.js'
import {ROOT} from '../helpers/cli.js'

const SERVING = path.join(ROOT, 'calibration', 'serving-h100.csv')
const {rows, problems} = loadMeasurementFiles([SERVING])
const env = new EvalEnvironment()

describe('serving rows in calibrate', () => {
  it('reads the H100 set: 1452 rows of six models on three engines', () => {
    expect(problems).toEqual([])
    expect(rows).toHaveLength(1452)
    expect(new Set(rows.map((r) => r.extra.backend))).toEqual(new Set(['trtllm', 'vllm', 'sglang']))
    expect(new Set(rows.map((r) => r.model))).toEqual(new Set(['qwen3-32b', 'llama-3.1-8b', 'llama-3.1-70b', 'qwen3-235b-a22b', 'minimax-m2.5', 'gpt-oss-120b']))
  })

  it('evaluates every row, MoE with expert parallelism included, under both profiles', () => {
    for (const profile of ['default', 'infersim'] as const) {
      const out = evaluateRows(rows, env, getProfile(profile))
      const bad = out.filter((o) => o.status !== 'ok')
      expect(bad.map((o) => `${o.id}: ${o.error}`), profile).toEqual([])
    }
  })

  // The engines are fitted on H100 and H200 runs together; their held-out error (a whole GPU left out) is in docs/serving.md.
  it('stays within the committed engine files\' in-sample error on the H100 runs (MAPE per metric)', () => {
    const out = evaluateRows(rows, env, getProfile('default'))
    const mape = (metric: string) => {
      const ok = out.filter((o) => o.metric === metric)
      return ok.reduce((a, o) => a + Math.abs(o.error_pct!), 0) / ok.length
    }
    expect(mape('tpot_ms')).toBeLessThan(15)
    expect(mape('ttft_ms')).toBeLessThan(35)
  })

  it('says why a row cannot be evaluated', () => {
    const text = [
      'id,model,gpu,world_size,nodes,tp,fp8_gemm,fp8_kv,deepep,tbo,isl,osl,phase,max_prefill_tokens,decode_batch,metric,actual,source,notes,moe_tp,moe_ep,backend',
      'BAD-ENGINE,qwen3-32b,H100-SXM,2,1,2,0,0,0,0,1024,128,serving,,16,ttft_ms,100,test,,1,1,tgi',
      'WIDE-EP,qwen3-235b-a22b,H100-SXM,4,1,4,1,0,0,0,1024,128,serving,,16,tpot_ms,20,test,,2,4,trtllm',
      'BAD-KV,llama-3.1-70b,H100-SXM,1,1,1,0,0,0,0,1024,128,serving,,16,tpot_ms,20,test,,1,1,vllm',
    ].join('\n')
    const dir = path.join(ROOT, 'test', 'fixtures')
    const parsed = loadMeasurementFilesFromText(text, dir)
    const out = evaluateRows(parsed, env, getProfile('default'))
    // moe_tp 2 x moe_ep 4 spans 8 GPUs: an instance of two tp-4 attention groups sharing the MoE, which evaluates
    expect(out.map((o) => o.status)).toEqual(['failed', 'ok', 'failed'])
    expect(out[0].error).toMatch(/column "backend": "tgi" is not one of trtllm, vllm, sglang/)
    expect(out[2].error).toMatch(/the weights do not fit: [\d.]+ GB per GPU, [\d.]+ GB available \(the engine's memory/)
  })
})

describe('the backend column', () => {
  const named = (backend: string) => rowEngineName({extra: {backend}} as unknown as MeasurementRow)
  it('takes the spellings exports use', () => {
    expect(['trtllm', 'TRTLLM', 'TensorRT-LLM', 'tensorrt_llm', 'trt-llm'].map(named)).toEqual(Array(5).fill('trtllm'))
    expect([named('SGLang'), named('vLLM'), named(' vllm '), named('')]).toEqual(['sglang', 'vllm', 'vllm', 'sglang'])
  })
})

/** The decode step's fixed costs where their priors hold them: 0.5 ms a step, 0.01 ms a request, 10 us a layer, 20 us more a MoE layer; a share of 0.1 of waves; 2 steps to join. */
const AT_PRIORS = {step_overhead_ms: 0.5, per_request_overhead_ms: 0.01, layer_overhead_us: 10, moe_layer_overhead_us: 20, sync_share: 0.1, join_steps: 2}

describe('fitting engine parameters', () => {
  it('charges a row the mean of its relative and log error, so half and twice the measured value cost alike in log terms', () => {
    // by hand: (|2 - 1| + ln 2) / 2 and (|0.5 - 1| + ln 2) / 2
    expect(fitError(2)).toBeCloseTo(0.846574, 6)
    expect(fitError(0.5)).toBeCloseTo(0.596574, 6)
    expect(fitError(1)).toBe(0)
    // MAPE alone would charge 1 and 0.5: the fit leaned low
    expect(fitError(2) - fitError(0.5)).toBeCloseTo(0.25, 12)
    expect(fitError(0)).toBe(Number.POSITIVE_INFINITY)
  })

  it('recovers known parameters from predictions made with them, and cross-validation predicts held-out runs', () => {
    const {runs} = prepareRuns(rows.filter((r) => r.extra.backend === 'vllm' && r.model === 'qwen3-32b' && r.tp === 4), env, getProfile('default'))
    expect(runs.length).toBeGreaterThan(20)
    // The decode step's fixed costs at their priors (the next test prices leaving them).
    const truth = {...loadEngine('vllm').params, ...AT_PRIORS, mixed_step_overhead_ms: 4, ttft_overhead_ms: 60}
    // measurements made by the model itself with the true parameters
    for (const run of runs) {
      const p = predictRun(run, truth)
      run.ttft = {id: 'ttft', actual: p.ttft}
      run.tpot = {id: 'tpot', actual: p.tpot}
    }
    const start = {...truth, mixed_step_overhead_ms: 1, ttft_overhead_ms: 10}
    expect(loss(runs, start)).toBeGreaterThan(0.05)
    const fit = fitParams(runs, start, {maxEvaluations: 600, restarts: 2})
    expect(fit.loss).toBeLessThan(0.02)
    const preds = runs.map((r) => predictRun(r, fit.params))
    const b = breakdown(
      runs.flatMap((r, i) => [
        {id: 'a', engine: 'vllm', model: r.model, gpu: r.gpu, clients: r.problem.workload.concurrency, layout: r.layout, metric: 'ttft_ms' as const, actual: r.ttft!.actual, predicted: preds[i].ttft},
        {id: 'b', engine: 'vllm', model: r.model, gpu: r.gpu, clients: r.problem.workload.concurrency, layout: r.layout, metric: 'tpot_ms' as const, actual: r.tpot!.actual, predicted: preds[i].tpot},
      ]),
    )
    expect(b.ttft_ms.all.mape).toBeLessThan(3)
    expect(b.tpot_ms.all.mape).toBeLessThan(3)
  })

  it('keeps kv_capacity_scale at 1 unless runs whose KV pool fills say otherwise, and prices a decode cost by its distance from its prior', () => {
    const {runs} = prepareRuns(rows.filter((r) => r.extra.backend === 'vllm' && r.model === 'qwen3-32b' && r.tp === 4 && r.isl === 1024), env, getProfile('default'))
    const truth = {...loadEngine('vllm').params, ...AT_PRIORS, kv_capacity_scale: 1}
    // Even at the smallest scale the fit may try, every request of these runs fits in the pool: they say nothing about it.
    for (const run of runs) {
      const w = {...run.problem.workload, maxPrefillTokens: truth.max_prefill_tokens}
      expect(solveServing(run.problem.cost, {...truth, kv_capacity_scale: 0.6}, w).running).toBe(w.concurrency)
      const p = predictRun(run, truth)
      run.ttft = {id: 'ttft', actual: p.ttft}
      run.tpot = {id: 'tpot', actual: p.tpot}
    }
    // The prior: 0.03 x |ln(scale / 1)| on top of the fit's error (a fraction).
    expect(objective(runs, {...truth, kv_capacity_scale: 2}) - fitLoss(runs, {...truth, kv_capacity_scale: 2})).toBeCloseTo(0.03 * Math.log(2), 12)
    // A decode step's fixed cost pays 0.03 x its distance from the prior in units of the prior: 30 us a layer is 2 units from 10.
    expect(objective(runs, {...truth, layer_overhead_us: 30}) - fitLoss(runs, {...truth, layer_overhead_us: 30})).toBeCloseTo(0.03 * 2, 12)
    expect(objective(runs, {...truth, step_overhead_ms: 0}) - fitLoss(runs, {...truth, step_overhead_ms: 0})).toBeCloseTo(0.03 * 1, 12)
    // The share of waves pays 0.01 x its distance from 0.1 in units of 0.1: 0.3 is 2 units away.
    expect(objective(runs, {...truth, sync_share: 0.3}) - fitLoss(runs, {...truth, sync_share: 0.3})).toBeCloseTo(0.01 * 2, 12)
    // join_steps pays 0.01 x its distance from 2 steps in units of 2: 6 steps is 2 units away.
    expect(objective(runs, {...truth, join_steps: 6}) - fitLoss(runs, {...truth, join_steps: 6})).toBeCloseTo(0.01 * 2, 12)
    const fit = fitParams(runs, {...truth, kv_capacity_scale: 1.6}, {maxEvaluations: 400, restarts: 1})
    expect(Math.abs(Math.log(fit.params.kv_capacity_scale))).toBeLessThan(0.05)
  })

  it('held-out fits start from a fixed point, so what the start has seen cannot reach them; a held parameter is not fitted', () => {
    const {runs} = prepareRuns(rows.filter((r) => r.extra.backend === 'vllm' && r.isl === 1024 && (r.decode_batch === 8 || r.decode_batch === 64)), env, getProfile('default'))
    expect(new Set(runs.map((r) => r.model)).size).toBeGreaterThan(1)
    const fitted = FITTED_NAMES.filter((n) => n !== 'sync_share')
    const effort = {maxEvaluations: 40, restarts: 1}
    const fit = (start: typeof truth) => fitEngine('vllm', runs, start, {full: effort, heldOut: effort, fitted})
    const truth = {...loadEngine('vllm').params, sync_share: 0.3}
    const a = fit(truth)
    const b = fit({...truth, step_overhead_ms: 3, ttft_overhead_ms: 300, join_steps: 3})
    // The full fits differ (they start where they are told); the held-out predictions do not.
    expect(a.params.step_overhead_ms).not.toBeCloseTo(b.params.step_overhead_ms, 6)
    expect(b.heldOut.model).toEqual(a.heldOut.model)
    expect([a.params.sync_share, b.params.sync_share]).toEqual([0.3, 0.3])
  })

  it('fits each GPU alone, so a GPU held out reads against the model\'s best on that GPU', () => {
    const {runs} = prepareRuns(rows.filter((r) => r.extra.backend === 'vllm' && r.model === 'qwen3-32b' && r.tp === 4 && r.isl === 1024), env, getProfile('default'))
    const truth = loadEngine('vllm').params
    // The same runs twice: on H100 behind an engine that adds 30 ms to each TTFT, and (relabelled) on a second GPU behind one that adds 300.
    const world = (gpu: string, overhead: number) =>
      runs.map((r) => {
        const p = predictRun(r, {...truth, ttft_overhead_ms: overhead})
        return {...r, gpu, ttft: {id: `${gpu} ${r.ttft!.id}`, actual: p.ttft}, tpot: {id: `${gpu} ${r.tpot!.id}`, actual: p.tpot}}
      })
    const effort = {maxEvaluations: 80, restarts: 1}
    const fit = fitEngine('vllm', [...world('H100-SXM', 30), ...world('H200-SXM', 300)], truth, {full: effort, heldOut: effort, fitted: ['ttft_overhead_ms']})
    const ttft = (preds: typeof fit.gpuAlone, gpu: string) => preds.filter((p) => p.gpu === gpu && p.metric === 'ttft_ms')
    // Alone, each GPU's fit finds its own 30 or 300 ms: its runs come out as measured.
    expect(fit.gpuAlone).toHaveLength(4 * runs.length)
    for (const g of ['H100-SXM', 'H200-SXM']) for (const p of ttft(fit.gpuAlone, g)) expect(Math.abs(p.predicted - p.actual)).toBeLessThan(1)
    // Held out, each GPU gets the other's overhead: 300 - 30 = 270 ms too much on H100, as much too little on the other.
    const mean = (ps: typeof fit.gpuAlone) => ps.reduce((a, p) => a + p.predicted - p.actual, 0) / ps.length
    expect(mean(ttft(fit.heldOut.gpu!, 'H100-SXM'))).toBeCloseTo(270, -1)
    expect(mean(ttft(fit.heldOut.gpu!, 'H200-SXM'))).toBeCloseTo(-270, -1)
    // One GPU: nothing to compare, nothing fitted alone.
    expect(fitEngine('vllm', world('H100-SXM', 30), truth, {full: effort, heldOut: effort, fitted: ['ttft_overhead_ms']}).gpuAlone).toEqual([])
    // Only the views asked for: the GPU held out (with each GPU alone), or the model held out without either.
    const both = [...world('H100-SXM', 30), ...world('H200-SXM', 300)]
    const gpuOnly = fitEngine('vllm', both, truth, {full: effort, heldOut: effort, fitted: ['ttft_overhead_ms'], holdOuts: ['gpu']})
    expect(Object.keys(gpuOnly.heldOut)).toEqual(['gpu'])
    expect(gpuOnly.heldOut.gpu).toEqual(fit.heldOut.gpu)
    expect(gpuOnly.gpuAlone).toEqual(fit.gpuAlone)
    const modelOnly = fitEngine('vllm', both, truth, {full: effort, heldOut: effort, fitted: ['ttft_overhead_ms'], holdOuts: ['model']})
    expect(Object.keys(modelOnly.heldOut)).toEqual([])
    expect(modelOnly.gpuAlone).toEqual([])
  })

  it('reports the error per GPU, so a held-out GPU shows each direction', () => {
    const row = (gpu: string, actual: number, predicted: number) => ({id: gpu, engine: 'vllm', model: 'm', gpu, clients: 8, layout: 'tensor-parallel' as const, metric: 'tpot_ms' as const, actual, predicted})
    // H100: 10% and 30% off (MAPE 20%); H200: 3x over (200%, more than 2x off).
    const b = breakdown([row('H100-SXM', 10, 11), row('H100-SXM', 10, 7), row('H200-SXM', 10, 30)])
    expect(b.tpot_ms.byGpu['H100-SXM'].mape).toBeCloseTo(20, 9)
    expect(b.tpot_ms.byGpu['H100-SXM'].over2x).toBe(0)
    expect(b.tpot_ms.byGpu['H200-SXM'].mape).toBeCloseTo(200, 9)
    expect(b.tpot_ms.byGpu['H200-SXM'].over2x).toBe(100)
    expect(b.tpot_ms.all.mape).toBeCloseTo(80, 9)
  })
})

import {parseMeasurements} from '../../src/calibrate/measurements.js'
function loadMeasurementFilesFromText(text: string, baseDir: string) {
  const parsed = parseMeasurements(text, 'test.csv', baseDir)
  expect(parsed.problems).toEqual([])
  return parsed.rows
}

describe('runs under two names', () => {
  it('counts a run exported under two names of one architecture once, under the first name in order', () => {
    // The H200 file holds SGLang 0.5.9 DeepSeek-R1 runs twice: as deepseek-r1 (2026 ids) and as deepseek-v3 (dsr1_..._cfg81 ids, exported
    // with DeepSeek-V3's config, which is R1's too), to the last digit.
    const h200 = loadMeasurementFiles([path.join(ROOT, 'calibration', 'serving-h200.csv')]).rows
    const pair = h200.filter((r) => /^(dsr1_h200_sglang_fp8_agg_1024x1024_c16_cfg81|2026_03_25_deepseek_r1_h200_sxm_sglang_fp8_agg_1024x1024_c16_)/.test(r.id))
    expect(new Set(pair.map((r) => r.model))).toEqual(new Set(['deepseek-v3', 'deepseek-r1']))
    const {runs, problems: repeats} = prepareRuns(pair, env, getProfile('default'))
    expect(runs).toHaveLength(1)
    expect(runs[0].model).toBe('deepseek-r1')
    expect(repeats.filter((p) => p.includes('the same value'))).toHaveLength(pair.length - 2)
  })

  it('keeps runs of one architecture under two names apart where their values differ', () => {
    // TensorRT-LLM 1.1.0rc2, 64 clients: TPOT 33.11 ms as deepseek-v3 (dsr1_..._cfg181), 23.42 ms as deepseek-r1.
    const h200 = loadMeasurementFiles([path.join(ROOT, 'calibration', 'serving-h200.csv')]).rows
    const pair = h200.filter((r) => /^(dsr1_h200_trtllm_fp8_agg_1024x1024_c64_cfg181|2026_03_25_deepseek_r1_h200_sxm_trtllm_fp8_agg_1024x1024_c64_)/.test(r.id))
    expect(pair).toHaveLength(4)
    const {runs} = prepareRuns(pair, env, getProfile('default'))
    expect(runs.map((r) => [r.model, r.tpot?.actual.toFixed(2)]).sort()).toEqual([['deepseek-r1', '23.42'], ['deepseek-v3', '33.11']])
  })
})

