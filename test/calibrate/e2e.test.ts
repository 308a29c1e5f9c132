import {describe, expect, it} from 'vitest'
import {staticBatchPlan, staticBatchTimes} from '../../src/calibrate/e2e.js'
import {EvalEnvironment} from '../../src/calibrate/environment.js'
import {evaluateRow} from '../../src/calibrate/runner.js'
import {loadMeasurementFiles} from '../../src/calibrate/sources.js'
import {getProfile} from '../../src/profile.js'
import type {PhaseResult, SimResult} from '../../src/sim/result.js'
import {HEADER, qwenDecodeRow, tempDir, writeCsv} from './helpers.js'

function phase(p: Partial<PhaseResult> & Pick<PhaseResult, 'phase' | 'latencyMs' | 'overheadMs' | 'tokens'>): PhaseResult {
  return {batch: p.tokens, steps: [], groups: [], tgs: 0, overheadSource: 'test', ...p}
}

describe('staticBatchPlan', () => {
  it('prefills whole requests per forward, up to the token budget', () => {
    expect(staticBatchPlan(896, 128, 114688).forwardTokens).toBe(114688)
    expect(staticBatchPlan(10, 100, 300).forwardTokens).toBe(300)
    expect(staticBatchPlan(10, 100, 350).forwardTokens).toBe(300)
    expect(staticBatchPlan(2, 100, 10_000).forwardTokens).toBe(200)
  })

  it('simulates a whole request when the engine chunks a long prompt', () => {
    expect(staticBatchPlan(4, 20_000, 8192).forwardTokens).toBe(20_000)
  })
})

describe('staticBatchTimes', () => {
  it('adds up the prefill forwards and osl decode steps (numbers worked by hand)', () => {
    // 10 requests of 100 tokens, at most 300 tokens per forward: 4 real forwards.
    // One simulated 300-token forward: 40 ms, of which 30 ms overhead -> 10 ms of work.
    // Prefill = 1000/300 * 10 + 4 * 30 = 153.333 ms; decode = 50 steps * 20 ms = 1000 ms.
    const r = {
      deployment: {isl: 100, osl: 50, tp: 2},
      prefill: phase({phase: 'prefill', tokens: 300, latencyMs: 40, overheadMs: 30}),
      decode: phase({phase: 'decode', tokens: 10, latencyMs: 20, overheadMs: 5}),
    } as unknown as SimResult & {prefill: PhaseResult; decode: PhaseResult}
    const t = staticBatchTimes(r, staticBatchPlan(10, 100, 300), 300)
    expect(t.prefillMs).toBeCloseTo(153.3333, 3)
    expect(t.decodeMs).toBe(1000)
    expect(t.outputTgs).toBeCloseTo((10 * 50) / 1.1533333 / 2, 2)
    expect(t.features.overhead).toBeCloseTo((4 * 30 + 50 * 5) / 1153.3333, 5)
  })

  it('an e2e row evaluates through the simulator', () => {
    const file = writeCsv(tempDir(), 'm.csv', [
      HEADER,
      qwenDecodeRow({id: 'E2E', phase: 'e2e', metric: 'output_tgs', isl: 1024, osl: 256, max_prefill_tokens: 8192, decode_batch: 32, actual: 1500}),
    ])
    const o = evaluateRow(loadMeasurementFiles([file]).rows[0], new EvalEnvironment(), getProfile('default'))
    expect(o.status).toBe('ok')
    expect(o.simulated).toBeGreaterThan(0)
    expect(Object.values(o.features!).every((v) => v >= 0 && v <= 1)).toBe(true)
  })
})
