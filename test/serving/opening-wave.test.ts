import {describe, expect, it} from 'vitest'
import {loadEngine} from '../../src/io/engines.js'
import {loadSimInputs} from '../../src/io/inputs.js'
import {simulateServing, type ServingOptions} from '../../src/serving/simulate.js'
import {DEFAULT_DEPLOYMENT} from '../../src/sim/deployment.js'
import {runCli} from '../helpers/cli.js'

// Llama-3.1-8B in FP8 on one H200 under vLLM (step budget 8192 tokens), 4,000 tokens in and 2,000 out.
const inputs = loadSimInputs({model: 'llama-3.1-8b', gpu: 'H200-SXM', profile: 'default'})
const deployment = {...DEFAULT_DEPLOYMENT, worldSize: 1, tp: 1, fp8Gemm: true, isl: 4000, osl: 2000}
const serve = (concurrency: number, more: Partial<ServingOptions> = {}) =>
  simulateServing(inputs.model, deployment, inputs.gpu, inputs.tables, inputs.profile, {concurrency, engine: loadEngine('vllm'), ...more})

describe('--opening-wave: the share of requests in the benchmark opening burst', () => {
  it('replaces the engine file sync_share and says so', () => {
    const s = serve(128, {openingWave: 0})
    expect(s.params.sync_share).toBe(0)
    expect(s.gpuDefaults?.sources).toEqual(['--opening-wave 0'])
    expect(serve(128).params.sync_share).toBe(loadEngine('vllm').params.sync_share)
  })

  it('one client has no one to arrive with: its opening wave is its own prefill, whatever the share', () => {
    // A wave of one 4,000-token prompt fits one 8,192-token step: (ceil(4000 / 8192) + 1) / 2 = 1 step, the prompt's own.
    expect(serve(1, {openingWave: 1}).ttftMs).toBeCloseTo(serve(1, {openingWave: 0}).ttftMs, 6)
  })

  it('every request in the wave waits (ceil(C isl / B) + 1) / 2 budget-sized steps of an idle engine', () => {
    // 128 x 4,000 = 512,000 tokens = 62.5 budgets of 8,192: 63 steps, the mean request waits (63 + 1) / 2 = 32 of them.
    // Without mixed chunks every request is in a wave, and the steps that carry prefill are the wave's (mixedStepMs).
    const cohorts = serve(128, {mixedChunk: false})
    const step = cohorts.mixedStepMs
    const inWave = serve(128, {openingWave: 1})
    const {admissionMs, joinMs, overheadMs, frontendMs} = inWave.ttftParts
    expect((inWave.ttftMs - admissionMs - joinMs - overheadMs - frontendMs) / step).toBeCloseTo(32, 6)
  })

  it('steady state (0) leaves the queue of spread arrivals only: TTFT below the default and far below a whole wave', () => {
    const steady = serve(128, {openingWave: 0})
    const fitted = serve(128)
    const wave = serve(128, {openingWave: 1})
    expect(steady.ttftMs).toBeLessThan(fitted.ttftMs)
    expect(wave.ttftMs).toBeGreaterThan(10 * steady.ttftMs)
    // The burst is a share of the requests' first tokens; decoding hardly moves.
    expect(steady.tpotMs / wave.tpotMs).toBeGreaterThan(0.9)
    expect(steady.tpotMs / wave.tpotMs).toBeLessThan(1.1)
  })

  it('reports what the opening wave adds: about what leaving it out takes away', () => {
    const fitted = serve(128)
    const steady = serve(128, {openingWave: 0})
    expect(steady.ttftParts.openingWaveMs).toBe(0)
    // The closed loop feeds the wave back into the arrival rate, so the two differ by a little, not by nothing.
    expect(fitted.ttftParts.openingWaveMs / (fitted.ttftMs - steady.ttftMs)).toBeGreaterThan(0.95)
    expect(fitted.ttftParts.openingWaveMs / (fitted.ttftMs - steady.ttftMs)).toBeLessThan(1.05)
    // Without mixed chunks the waves are the engine's own scheduling, not the benchmark's start.
    expect(serve(128, {mixedChunk: false}).ttftParts.openingWaveMs).toBe(0)
  })

  it('the text report names the wave and the flag that leaves it out', async () => {
    const args = ['simulate', '--serving', '--model', 'llama-3.1-8b', '--gpu', 'H200-SXM', '--fp8-gemm', '--isl', '4000', '--osl', '2000', '--concurrency', '128', '--engine', 'vllm']
    const fitted = await runCli(args)
    // The share is vLLM's fitted sync_share, to three figures.
    const share = String(+(100 * Number(loadEngine('vllm').params.sync_share)).toPrecision(3)).replace('.', '\\.')
    expect(fitted.stdout).toMatch(new RegExp(` {4}benchmark's opening wave \\(ms\\) +\\d+ \\(${share}% of the requests arrive all at once; --opening-wave 0: a steady state\\)`))
    expect(fitted.stdout).not.toMatch(/which no measured run checks/)
    const steady = await runCli([...args, '--opening-wave', '0'])
    expect(steady.stdout).not.toMatch(/opening wave \(ms\)/)
    // The error band still comes from benchmarks with their own wave: the report says so.
    expect(steady.stdout).toMatch(/Error bands: .* Those runs were benchmarks with their own opening wave; --opening-wave here predicts another, which no measured run checks\./)
  })

  it('is a share: outside 0-1 a usage error that names the flag', async () => {
    const r = await runCli(['simulate', '--serving', '--opening-wave', '1.5'])
    expect(r.exitCode).toBe(2)
    expect(r.stderr).toMatch(/--opening-wave is a share of the requests, from 0 to 1; got 1\.5/)
    const alone = await runCli(['simulate', '--opening-wave', '0'])
    expect(alone.exitCode).toBe(2)
    expect(alone.stderr).toMatch(/--opening-wave applies to --serving only/)
  })
})
