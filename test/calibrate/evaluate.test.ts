import {readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {EvalEnvironment} from '../../src/calibrate/environment.js'
import {evaluateRow} from '../../src/calibrate/runner.js'
import {loadMeasurementFiles} from '../../src/calibrate/sources.js'
import {getProfile} from '../../src/profile.js'
import {DEFAULT_DEPLOYMENT} from '../../src/sim/deployment.js'
import {simulate} from '../../src/sim/simulate.js'
import {ROOT} from '../helpers/cli.js'
import {qwenDecodeRow, HEADER, tempDir, writeCsv} from './helpers.js'

const EXAMPLES = path.join(ROOT, 'test', 'fixtures', 'infersim-examples')

/** The TGS figures InferSim printed for one example run, in order (prefill before decode). */
function printedTgs(example: string): number[] {
  const text = readFileSync(path.join(EXAMPLES, `${example}.txt`), 'utf8')
  return [...text.matchAll(/Throughput \(TGS:tok\/GPU\/s\):\s+(\d+)/g)].map((m) => Number(m[1]))
}

describe('the shipped InferSim measurements', () => {
  const {rows, problems} = loadMeasurementFiles([path.join(ROOT, 'calibration', 'measurements.csv')])
  const env = new EvalEnvironment()
  const byId = (id: string) => evaluateRow(rows.find((r) => r.id === id)!, env, getProfile('infersim'))

  it('read without problems', () => {
    expect(problems).toEqual([])
    expect(rows).toHaveLength(6)
  })

  // Each row describes the setup of an InferSim example run; under the compat profile it must
  // simulate exactly what that run printed (TBO rows count two micro-batches per replica).
  it.each([
    ['INFERSIM-DSV3-PREFILL-H800', 'deepseek-v3_dsv3_prefill', 0],
    ['INFERSIM-DSV3-DECODE-H800', 'deepseek-v3_dsv3_decode', 0],
    ['INFERSIM-QWEN3-30B-A3B-PREFILL-H20', 'qwen3-30B-A3B_prefill', 0],
    ['INFERSIM-QWEN3-30B-A3B-DECODE-H20', 'qwen3-30B-A3B_decode', 0],
    ['INFERSIM-QWEN3-8B-PREFILL-H20', 'qwen3-8B_sim', 0],
    ['INFERSIM-QWEN3-8B-DECODE-H20', 'qwen3-8B_sim', 1],
  ])('%s simulates what InferSim printed for %s', (id, example, index) => {
    const o = byId(id)
    expect(o.status).toBe('ok')
    expect(Math.round(o.simulated!)).toBe(printedTgs(example)[index])
    expect(o.error_pct).toBeCloseTo((100 * (o.simulated! - o.actual)) / o.actual, 10)
  })
})

describe('evaluateRow', () => {
  const env = new EvalEnvironment()
  const load = (line: string) => loadMeasurementFiles([writeCsv(tempDir(), 'm.csv', [HEADER, line])]).rows[0]

  it('tpot_ms is the decode latency and tgs its throughput', () => {
    const tgs = evaluateRow(load(qwenDecodeRow()), env, getProfile('default'))
    const tpot = evaluateRow(load(qwenDecodeRow({metric: 'tpot_ms', actual: 24})), env, getProfile('default'))
    expect(tpot.simulated! * tgs.simulated!).toBeCloseTo(64 * 1000, 6)
  })

  it('a GPU the GPU list does not hold fails with the reason and the GPUs it does hold', () => {
    const missing = evaluateRow(load(qwenDecodeRow({gpu: 'B200-SXM'})), new EvalEnvironment({gpus: env.gpus.filter((g) => g.name !== 'B200-SXM')}), getProfile('default'))
    expect(missing).toMatchObject({status: 'failed'})
    expect(missing.error).toMatch(/unknown GPU "B200-SXM"; known GPUs: .*H100-SXM/)
    const unknown = evaluateRow(load(qwenDecodeRow({gpu: 'Z9000'})), env, getProfile('default'))
    expect(unknown).toMatchObject({status: 'failed'})
    expect(unknown.error).toMatch(/unknown GPU "Z9000"/)
  })

  it('an unknown model or an impossible deployment fails with the reason', () => {
    expect(evaluateRow(load(qwenDecodeRow({model: 'no-such-model'})), env, getProfile('default')).error).toMatch(/unknown model "no-such-model"/)
    const tp = evaluateRow(load(qwenDecodeRow({tp: 3, world_size: 3})), env, getProfile('default'))
    expect(tp.status).toBe('failed')
    expect(tp.error).toMatch(/not divisible by tp 3/)
  })

  it('resolves a relative model path against the measurements file folder', () => {
    const dir = tempDir()
    writeCsv(dir, 'cfg.json', [readFileSync(path.join(ROOT, 'hf_configs', 'qwen3-8b.json'), 'utf8')])
    const row = loadMeasurementFiles([writeCsv(dir, 'm.csv', [HEADER, qwenDecodeRow({model: 'cfg.json'})])]).rows[0]
    const bundledRow = load(qwenDecodeRow())
    expect(evaluateRow(row, env, getProfile('default')).simulated).toBe(evaluateRow(bundledRow, env, getProfile('default')).simulated)
  })

  it('with tbo the replica batch is split into two micro-batches', () => {
    const tbo = evaluateRow(load(qwenDecodeRow({decode_batch: 64, tbo: 1})), env, getProfile('infersim'))
    const model = env.model(load(qwenDecodeRow()), false)
    const gpu = env.gpu('H20', getProfile('infersim').switches)
    const d = {...DEFAULT_DEPLOYMENT, fp8Gemm: true, tbo: true, decodeBatch: 32, mode: 'decode' as const}
    const direct = simulate(model, d, gpu, env.tables(gpu), getProfile('infersim'))
    expect(direct.decode!.tokens).toBe(64)
    expect(tbo.simulated).toBe(direct.decode!.tgs)
  })

  it('"max" decode batch is the largest whose KV cache fits', () => {
    const max = evaluateRow(load(qwenDecodeRow({decode_batch: 'max'})), env, getProfile('default'))
    expect(max.status).toBe('ok')
    expect(max.warnings).not.toContain('kv-cache')
  })
})
