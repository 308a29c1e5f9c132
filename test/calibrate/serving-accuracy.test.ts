/**
 * Plain `calibrate` on serving rows reports TTFT and TPOT apart, per engine,
 * model and clients per replica: MAPE, median and the share more than 2x off.
 * The measured values here are the simulator's own predictions scaled by
 * chosen factors, so each row's error is known by hand whatever the model
 * predicts: a factor f on the actual value is an error of |1/f - 1|.
 */
import {writeFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {calibrate} from '../../src/index.js'
import {runCli} from '../helpers/cli.js'
import {HEADER, tempDir} from './helpers.js'

const run = (id: string, model: string, engine: string, tp: number, clients: number, metric: string, actual: number) =>
  [id, model, 'H100-SXM', tp, 1, tp, 0, 0, 0, 0, 1024, 256, 'serving', '', clients, metric, actual, 'test', '', 1, 1, engine, ''].join(',')

// Four runs (a TTFT and a TPOT row each): three vLLM Qwen3-32B runs in three ranges of clients, one TensorRT-LLM Llama-3.1-8B run.
const RUNS = [
  {id: 'V4', model: 'qwen3-32b', engine: 'vllm', tp: 2, clients: 4, ttft: 2.5, tpot: 1},
  {id: 'V16', model: 'qwen3-32b', engine: 'vllm', tp: 2, clients: 16, ttft: 1.25, tpot: 1},
  {id: 'V64', model: 'qwen3-32b', engine: 'vllm', tp: 2, clients: 64, ttft: 0.8, tpot: 1},
  {id: 'T8', model: 'llama-3.1-8b', engine: 'trtllm', tp: 1, clients: 8, ttft: 0.4, tpot: 1.1},
]

function file(dir: string, name: string, actual: (id: string, metric: string) => number): string {
  const lines = RUNS.flatMap((r) => (['ttft_ms', 'tpot_ms'] as const).map((m) => run(`${r.id}-${m}`, r.model, r.engine, r.tp, r.clients, m, actual(`${r.id}-${m}`, m))))
  const f = path.join(dir, name)
  writeFileSync(f, [`${HEADER},moe_tp,moe_ep,backend,backend_version`, ...lines].join('\n') + '\n')
  return f
}

/** The measurements: each run's predictions times its factors. */
async function scaled(dir: string): Promise<string> {
  const first = await calibrate({measurements: [file(dir, 'first.csv', () => 100)], profile: 'default'})
  const predicted = new Map(first.rows.map((o) => [o.id, o.simulated!]))
  const factor = (id: string) => {
    const r = RUNS.find((x) => id.startsWith(`${x.id}-`))!
    return id.endsWith('ttft_ms') ? r.ttft : r.tpot
  }
  return file(dir, 'scaled.csv', (id) => +(predicted.get(id)! * factor(id)).toPrecision(12))
}

describe('calibrate: serving accuracy without a fit', async () => {
  const dir = tempDir()
  const measurements = await scaled(dir)
  const a = (await calibrate({measurements: [measurements], profile: 'default'})).serving_accuracy!.default

  it('gives each engine its TTFT and TPOT error: MAPE, median, share more than 2x off', () => {
    // vLLM TTFT: predictions at 1/2.5, 1/1.25 and 1/0.8 of the actual: 60%, 20% and 25% off, one of three beyond 2x.
    const v = a.engines.vllm.ttft_ms.all
    expect(v.rows).toBe(3)
    expect(v.mape).toBeCloseTo(35, 6)
    expect(v.median).toBeCloseTo(25, 6)
    expect(v.over2x).toBeCloseTo(100 / 3, 6)
    expect(a.engines.vllm.tpot_ms.all.mape).toBeCloseTo(0, 6)
    // TensorRT-LLM: TTFT predicted at 2.5x the actual (150% off, beyond 2x), TPOT at 1/1.1 (9.09% off).
    expect(a.engines.trtllm.ttft_ms.all.mape).toBeCloseTo(150, 6)
    expect(a.engines.trtllm.ttft_ms.all.over2x).toBe(100)
    expect(a.engines.trtllm.tpot_ms.all.mape).toBeCloseTo(100 / 11, 6)
  })

  it('breaks each down by model, GPU and clients per replica, and all engines together', () => {
    expect(Object.keys(a.engines.vllm.ttft_ms.byClients)).toEqual(['1-8', '9-32', '33-64'])
    expect(a.engines.vllm.ttft_ms.byClients['1-8'].mape).toBeCloseTo(60, 6)
    expect(a.all.ttft_ms.byModel['llama-3.1-8b'].mape).toBeCloseTo(150, 6)
    expect(a.all.ttft_ms.byGpu['H100-SXM'].rows).toBe(4)
    expect(a.all.ttft_ms.all.mape).toBeCloseTo((60 + 20 + 25 + 150) / 4, 6)
    expect(a.all.ttft_ms.all.over2x).toBe(50)
    expect(a.rows).toBe(8)
  })

  it('prints the tables after the summary, and nothing of the kind without serving rows', async () => {
    const {stdout, exitCode} = await runCli(['calibrate', '--profile', 'default', '--measurements', measurements])
    expect(exitCode).toBe(0)
    expect(stdout).toContain('serving rows, profile default (8 rows; MAPE, median absolute % error, share of rows more than 2x off):')
    expect(stdout).toMatch(/\nvllm:\n\s+model\s+rows\s+TTFT\s+median\s+>2x\s+TPOT\s+median\s+>2x\n\s+qwen3-32b\s+6\s+35\.0%\s+25\.0%\s+33\.3%\s+0\.0%\s+0\.0%\s+0\.0%/)
    expect(stdout).toMatch(/all engines:[\s\S]*\n\s+all\s+8\s+63\.8%/)
    const plain = await calibrate({measurements: [prefillOnly(dir)], profile: 'default'})
    expect(plain.serving_accuracy).toBeUndefined()
  })
})

/** A measurements file without serving rows. */
function prefillOnly(dir: string): string {
  const f = path.join(dir, 'prefill.csv')
  writeFileSync(f, [HEADER, ['P', 'qwen3-8b', 'H20', 1, 1, 1, 1, 0, 0, 0, 4096, 1, 'prefill', 16384, '', 'tgs', 5000, 'test', ''].join(',')].join('\n') + '\n')
  return f
}
