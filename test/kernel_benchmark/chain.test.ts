/**
 * The whole chain on the CPU, as a user runs it on a node: plan, measure with
 * two gloo ranks (one worker per "GPU", collectives across them), ingest into
 * a scratch bench_data, and simulate on it under both profiles. Every lookup
 * the simulator makes, collectives included, must hit a measured row: no
 * fallback, no borrowed figure, no collective timed by formula.
 * The GPU is a made-up CPU-sized one (test/fixtures/kernel_benchmark), so
 * that CPU timings give MFUs below 1; the records are CPU smoke-run records,
 * ingested with --allow-cpu, and provenance says so.
 */
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {execa} from 'execa'
import {afterAll, describe, expect, it} from 'vitest'
import {validator} from '../../src/schemas/validate.js'
import type {SimResult} from '../../src/sim/result.js'
import {ROOT, runJson} from '../helpers/cli.js'
import {NO_TORCH, torchPython} from './python.js'

const tmp = mkdtempSync(path.join(os.tmpdir(), 'infersim-chain-'))
afterAll(() => rmSync(tmp, {recursive: true, force: true}))

const SPEC = path.join(ROOT, 'test', 'fixtures', 'kernel_benchmark', 'cpu-smoke-gpu.json')
const MODEL = path.join(ROOT, 'kernel_benchmark', 'tests', 'fixtures', 'tiny-mla-moe.json')
const DEPLOYMENT = ['--tp', '2', '--world-size', '2', '--deepep', '--isl', '64', '--osl', '32', '--decode-batch', '2', '--max-prefill-tokens', '64']
const COMM_STEPS = ['comm-before', 'comm-after', 'tp-allreduce']

/** Steps whose figure did not come from a measured row, described. */
function notMeasured(r: SimResult): string[] {
  const out: string[] = []
  for (const phase of [r.prefill, r.decode]) {
    for (const s of phase?.steps ?? []) {
      const where = `${r.profile} ${phase!.phase} ${s.id}`
      if (s.mfu && !['exact', 'nearest', 'interpolated'].includes(s.mfu.kind)) out.push(`${where}: ${s.mfu.kind} (${s.mfu.note ?? ''})`)
      if (r.profile === 'default' && COMM_STEPS.includes(s.id) && !s.source) out.push(`${where}: formula, no measured row`)
    }
  }
  return out
}

describe('kernel_benchmark -> ingest -> simulate, on the CPU with two gloo ranks', () => {
  it('plans, measures, ingests and simulates with every lookup measured, under both profiles', async () => {
    const python = await torchPython()
    if (!python) throw new Error(NO_TORCH)
    const bench = path.join(tmp, 'bench_data')
    const records = path.join(tmp, 'records.jsonl')
    const run = await execa(
      python,
      [path.join(ROOT, 'kernel_benchmark', 'run.py'), '--model', MODEL, '--gpu', 'CPU-SMOKE', '--gpu-spec', SPEC, '--device', 'cpu', '--gpus', '2',
        ...DEPLOYMENT, '--no-grid', '--repeats', '3', '--warmup', '1', '--comm-repeats', '3',
        '--output', records, '--workdir', path.join(tmp, 'work'), '--ingest', bench, '--allow-cpu'],
      {cwd: tmp, reject: false},
    )
    expect(run.exitCode, run.stderr).toBe(0)
    expect(run.stderr).toMatch(/run\.py: measured \d+\n/) // nothing skipped, failed or timed out

    const validate = validator('raw-measurement')
    const recs = readFileSync(records, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    for (const rec of recs) {
      expect(validate(rec), JSON.stringify(validate.errors)).toBe(true)
      expect([rec.stats.timer, rec.env.device]).toEqual(['wall', 'cpu'])
    }
    const kinds = new Set(recs.map((r) => `${r.kernel} ${r.phase ?? ''}`.trim()))
    expect([...kinds].sort()).toEqual([
      'allreduce', 'deepep_ll_combine', 'deepep_ll_dispatch', 'deepep_normal_combine', 'deepep_normal_dispatch',
      'dsa_attn decode', 'dsa_attn prefill', 'dsa_logits decode', 'dsa_logits prefill', 'gemm', 'grouped_gemm decode', 'grouped_gemm prefill',
      'mla decode', 'mla prefill',
    ])
    const prov = JSON.parse(readFileSync(path.join(bench, 'comm', 'cpu-smoke', 'deepep_ll_dispatch.provenance.json'), 'utf8'))
    expect(prov.sources[0].cpuTimings).toMatch(/timed on the CPU .* --allow-cpu/)

    for (const profile of ['infersim', 'default']) {
      const sim = await runJson<SimResult>(['simulate', '--model', MODEL, '--gpu', 'CPU-SMOKE', '--gpu-spec', SPEC, ...DEPLOYMENT, '--profile', profile, '--bench-data', bench])
      expect(sim.exitCode, sim.stderr).toBe(0)
      expect(notMeasured(sim.json)).toEqual([])
    }
  }, 180_000)
})
