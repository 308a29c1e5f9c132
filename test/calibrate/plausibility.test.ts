/**
 * Measured serving runs whose prompts their GPUs cannot have prefilled are
 * named, and kept in the fit (src/calibrate/plausibility.ts).
 */
import {describe, expect, it} from 'vitest'
import {EvalEnvironment} from '../../src/calibrate/environment.js'
import {parseMeasurements} from '../../src/calibrate/measurements.js'
import {DECODE_MARGIN, decodeStepSeconds, meanDecoding, promptSeconds, promptTimeShare} from '../../src/calibrate/plausibility.js'
import {fitServingEngines} from '../../src/calibrate/serving-engines.js'
import {prepareRuns} from '../../src/calibrate/serving-fit.js'
import {getProfile} from '../../src/profile.js'
import type {StepCost} from '../../src/serving/step-cost.js'
import {ROOT} from '../helpers/cli.js'
import {tempDir} from './helpers.js'

/** A vLLM 0.12 Llama-3.1-8B run on one GPU as two calibrate rows (TTFT and TPOT): FP8 or BF16 weights, isl x osl. */
const HEAD = 'id,model,gpu,world_size,nodes,tp,fp8_gemm,fp8_kv,deepep,tbo,isl,osl,phase,max_prefill_tokens,decode_batch,metric,actual,source,notes,moe_tp,moe_ep,backend,backend_version'
const servingRun = (r: {id: string; gpu?: string; fp8: 0 | 1; isl: number; osl: number; clients: number; ttft: number; tpot: number}) =>
  (['ttft', 'tpot'] as const).map(
    (m) => `${r.id}-${m},llama-3.1-8b,${r.gpu ?? 'H200-SXM'},1,1,1,${r.fp8},0,0,0,${r.isl},${r.osl},serving,,${r.clients},${m}_ms,${m === 'ttft' ? r.ttft : r.tpot},test,,1,1,vllm,0.12.0`,
  )
const measurements = (...runs: string[][]) => parseMeasurements([HEAD, ...runs.flat()].join('\n'), 'test.csv', ROOT).rows

describe('promptTimeShare', () => {
  it('is the request rate times the kernel time of a prompt', () => {
    // 10 clients, 100 ms TTFT + 10 x 10 ms: 0.2 s a request, 50 requests/s, each with 10 ms of prompt: half the time
    expect(promptTimeShare({concurrency: 10, ttftMs: 100, tpotMs: 10, osl: 11, promptSeconds: 0.01})).toBeCloseTo(0.5, 12)
  })
})

describe('promptSeconds', () => {
  // Linear curves: 1 us a token of GEMMs, 0.2 us a token through the experts (two groups share them), 0.1 us of collectives.
  const cost = {
    gemmSeconds: (t: number) => 1e-6 * t,
    moeSeconds: (t: number) => 2e-7 * t,
    moeGroups: 2,
    commSeconds: (t: number) => 1e-7 * t,
    lmHeadSeconds: (t: number) => 5e-4 * t,
    prefillAttentionSeconds: 0.003,
  } as unknown as StepCost

  it('counts a prompt in 16,384-token steps: its tokens, its attention and one LM head row', () => {
    // per token 1 + 2 x 0.2 + 0.1 = 1.5 us: 2,000 tokens 3 ms, + 3 ms attention + 0.5 ms LM head
    expect(promptSeconds(cost, 2000)).toBeCloseTo(0.0065, 12)
    // a prompt longer than a step is one step of its own length: 20,000 x 1.5 us + 3.5 ms
    expect(promptSeconds(cost, 20000)).toBeCloseTo(0.0335, 12)
  })
})

describe('prepareRuns with a run beyond the kernels', () => {
  // vLLM's Llama-3.1-8B FP8 on one H200 at 2,000 tokens in, 100 out and 64 clients, as measured (TTFT 122 ms, TPOT 9.74 ms),
  // and a run of 16 clients at twice that TPOT (about what the model predicts)
  const run = (id: string, clients: number, tpot: number) => servingRun({id, fp8: 1, isl: 2000, osl: 100, clients, ttft: 122, tpot})
  const rows = measurements(run('FAST', 64, 9.74), run('PLAUSIBLE', 16, 19.5))
  const {runs, implausible} = prepareRuns(rows, new EvalEnvironment(), getProfile('default'))

  it('names the measured run: its prompts need more than all of the GPU', () => {
    // 64 / (0.122 + 99 x 0.00974) = 58.9 requests/s. Its linear layers alone are 2 x 6.98e9 x 2,000 = 27.9 TFLOP a prompt
    // (Llama-3.1-8B: 8.03e9 parameters less 2 x 128,256 x 4,096 of embeddings): 14.1 ms at the H200's whole dense FP8 peak
    // (1,979 TFLOP/s), 18.8 ms at the best MFU of its FP8 GEMM table (75%); 58.9 x 18.8 ms = 111% of the time.
    expect(implausible).toHaveLength(1)
    const share = Number(/need ([\d.]+)% of its GPUs' time/.exec(implausible[0])?.[1])
    expect(share).toBeGreaterThan(111)
    expect(implausible[0]).toMatch(/^run FAST: .* for a 2000-token prompt\): they were likely cached or shorter than the row says; kept in the fit$/)
    expect(runs.find((r) => r.ttft?.id === 'PLAUSIBLE-ttft')?.implausible).toBeUndefined()
  })

  it('keeps both runs in the fit', () => {
    expect(runs.map((r) => r.ttft?.id)).toEqual(['FAST-ttft', 'PLAUSIBLE-ttft'])
  })
})

describe('decodeStepSeconds and meanDecoding', () => {
  const cost = {
    gemmSeconds: (t: number) => 1e-3 + 1e-6 * t,
    moeSeconds: (t: number) => 2e-7 * t,
    moeGroups: 2,
    commSeconds: (t: number) => 1e-7 * t,
    lmHeadSeconds: (t: number) => 5e-6 * t,
    decodeAttentionSeconds: (r: number) => 1e-5 * r,
    prefillAttentionSeconds: 0.003,
  } as unknown as StepCost

  it("adds a step's kernels: GEMMs, the experts of every group's tokens, the LM head, collectives and attention", () => {
    // 10 requests: 1 ms + 10 us GEMMs, 2 x 10 x 0.2 us experts, 50 us LM head, 1 us collectives, 100 us attention
    expect(decodeStepSeconds(cost, 10)).toBeCloseTo(1e-3 + 1e-5 + 4e-6 + 5e-5 + 1e-6 + 1e-4, 12)
  })

  it("counts the requests decoding: each spends (osl - 1) TPOT of its cycle so", () => {
    // 8 clients, 500 ms TTFT, 50 tokens at 10 ms: half of each cycle decoding
    expect(meanDecoding({concurrency: 8, ttftMs: 500, tpotMs: 10, osl: 51})).toBeCloseTo(4, 12)
  })
})

describe('prepareRuns with a run that decodes faster than its kernels', () => {
  const run = (id: string, clients: number, tpot: number, gpu?: string) => servingRun({id, gpu, fp8: 0, isl: 1000, osl: 1000, clients, ttft: 60, tpot})
  // Llama-3.1-8B in BF16 on one H200: every decode step reads its 8.03e9 x 2 B = 16.06 GB of weights, 3.35 ms at
  // the datasheet's 4.8 TB/s. A TPOT of 2.5 ms at 8 clients is 1.34x faster than that alone, beyond the 1.25 margin;
  // 8 ms at 16 clients is not.
  const rows = measurements(run('SPECULATIVE', 8, 2.5), run('PLAIN', 16, 8))
  const {runs, implausible} = prepareRuns(rows, new EvalEnvironment(), getProfile('default'))

  it('names it, with its TPOT, the kernel time of its step and what could do that', () => {
    expect((8.03e9 * 2) / 4.8e12 / 2.5e-3).toBeGreaterThan(DECODE_MARGIN)
    expect(implausible).toHaveLength(1)
    expect(implausible[0]).toMatch(/^run SPECULATIVE: it decodes a token every 2\.50 ms, where the kernel tables take ([\d.]+) ms for a step of its 8 requests/)
    const kernelMs = Number(/take ([\d.]+) ms/.exec(implausible[0])?.[1])
    expect(kernelMs).toBeGreaterThan(3.35)
    expect(implausible[0]).toMatch(/speculative decoding .* none of which the row says; kept in the fit$/)
    expect(runs.find((r) => r.ttft?.id === 'PLAIN-ttft')?.implausible).toBeUndefined()
    expect(runs).toHaveLength(2)
  })
})

describe('the fit report without the runs the kernels cannot explain', () => {
  const run = (id: string, gpu: string, clients: number, tpot: number) => servingRun({id, gpu, fp8: 0, isl: 1000, osl: 1000, clients, ttft: 60, tpot})
  // On each GPU a run at 8 clients 1.34x faster than a BF16 Llama-3.1-8B's weights stream (above) and two that are not.
  const rows = measurements(...['H100-SXM', 'H200-SXM'].flatMap((g) => [run(`FAST-${g}`, g, 8, 2.5), run(`A-${g}`, g, 16, 9), run(`B-${g}`, g, 32, 11)]))

  it('holds the same held-out predictions with those runs left out, and names them', () => {
    const {report} = fitServingEngines(rows, new EvalEnvironment(), getProfile('default'), {engineDir: tempDir(), data: ['test.csv'], effort: {full: 20, heldOut: 20}})
    expect(report.implausible.filter((m) => m.startsWith('run FAST-'))).toHaveLength(2)
    const all = report.overall_held_out.gpu!
    const explained = report.overall_held_out_explained.gpu!
    // 6 runs of 2 rows each with a GPU held out; 4 of them the kernels explain.
    expect(all.ttft_ms.all.rows + all.tpot_ms.all.rows).toBe(12)
    expect(explained.ttft_ms.all.rows + explained.tpot_ms.all.rows).toBe(8)
  })
})

describe('prepareRuns with a run measured twice', () => {
  const row = (id: string, metric: string, actual: number) => `${id}-${metric.slice(0, 4)},llama-3.1-8b,H200-SXM,1,1,1,1,0,0,0,2000,100,serving,,16,${metric},${actual},test,,1,1,vllm,0.12.0`
  // One configuration exported three times: once again with the same TTFT, once with another.
  const text = [HEAD, row('A', 'ttft_ms', 150), row('A', 'tpot_ms', 19.5), row('B', 'ttft_ms', 150), row('C', 'ttft_ms', 450)].join('\n')
  const {rows} = parseMeasurements(text, 'test.csv', ROOT)
  const {runs, problems} = prepareRuns(rows, new EvalEnvironment(), getProfile('default'))

  it('fits the first and says whether each repeat has the same value or how far apart it is', () => {
    expect(runs).toHaveLength(1)
    expect(runs[0].ttft).toEqual({id: 'A-ttft', actual: 150})
    expect(problems).toEqual([
      'row B-ttft: a second ttft_ms row for the same run as A-ttft (the same value); ignored by the fit',
      'row C-ttft: a second ttft_ms row for the same run as A-ttft (450.0 against 150.0, 3.00x apart); ignored by the fit',
    ])
  })
})
