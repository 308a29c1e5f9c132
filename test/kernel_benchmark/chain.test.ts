/**
 * The whole chain on the CPU, as a user runs it on a node: plan, measure with
 * two gloo ranks (one worker per "GPU", collectives across them), ingest into
 * a scratch bench_data, and simulate on it under both profiles. Every lookup
 * the simulator makes, collectives included, must hit a measured row: no
 * fallback, no borrowed figure, no collective timed by formula.
 * Two layouts on the two ranks: tp 2 (the tp all-reduces) and two attention
 * groups of tp 1 whose MoE dispatches with DeepEP; then, without DeepEP, the
 * groups' all-gather and reduce-scatter.
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
import {NO_TORCH, skipWithoutTorch, torchPython} from './python.js'

const tmp = mkdtempSync(path.join(os.tmpdir(), 'infersim-chain-'))
afterAll(() => rmSync(tmp, {recursive: true, force: true}))

const SPEC = path.join(ROOT, 'test', 'fixtures', 'kernel_benchmark', 'cpu-smoke-gpu.json')
const MODEL = path.join(ROOT, 'kernel_benchmark', 'tests', 'fixtures', 'tiny-mla-moe.json')
const WORKLOAD = ['--world-size', '2', '--isl', '64', '--osl', '32', '--decode-batch', '2', '--max-prefill-tokens', '64']
const GPU = ['--gpu', 'CPU-SMOKE', '--gpu-spec', SPEC]
const bench = path.join(tmp, 'bench_data')

/** Steps whose figure did not come from a measured row, described. */
function notMeasured(r: SimResult): string[] {
  const out: string[] = []
  for (const phase of [r.prefill, r.decode]) {
    for (const s of phase?.steps ?? []) {
      const where = `${r.profile} ${phase!.phase} ${s.id}`
      if (s.mfu && !['exact', 'nearest', 'interpolated'].includes(s.mfu.kind)) out.push(`${where}: ${s.mfu.kind} (${s.mfu.note ?? ''})`)
      if (r.profile !== 'default' || !s.collectives?.length) continue
      if (!s.source) out.push(`${where}: formula, no measured row`)
      else if (s.source.note) out.push(`${where}: ${s.source.note}`)
    }
  }
  return out
}

async function run(python: string, name: string, args: string[]) {
  const records = path.join(tmp, `${name}.jsonl`)
  const r = await execa(
    python,
    [path.join(ROOT, 'kernel_benchmark', 'run.py'), '--model', MODEL, ...GPU, '--device', 'cpu', '--gpus', '2', ...WORKLOAD, ...args,
      '--no-grid', '--repeats', '3', '--warmup', '1', '--comm-repeats', '3', '--output', records, '--workdir', path.join(tmp, `work-${name}`)],
    {cwd: tmp, reject: false},
  )
  expect(r.exitCode, r.stderr).toBe(0)
  expect(r.stderr).toMatch(/^run\.py: measured \d+$/m) // nothing skipped, failed or timed out
  const recs = readFileSync(records, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
  const validate = validator('raw-measurement')
  for (const rec of recs) {
    expect(validate(rec), JSON.stringify(validate.errors)).toBe(true)
    expect([rec.stats.timer, rec.env.device]).toEqual(['wall', 'cpu'])
  }
  return recs
}

async function simulatedEverywhere(deployment: string[]): Promise<string[]> {
  const out: string[] = []
  for (const profile of ['infersim', 'default']) {
    const sim = await runJson<SimResult>(['simulate', '--model', MODEL, ...GPU, ...WORKLOAD, ...deployment, '--profile', profile, '--bench-data', bench])
    expect(sim.exitCode, sim.stderr).toBe(0)
    out.push(...notMeasured(sim.json).map((p) => `${deployment.join(' ')}: ${p}`))
  }
  return out
}

describe.skipIf(await skipWithoutTorch())('kernel_benchmark -> ingest -> simulate, on the CPU with two gloo ranks', () => {
  it('plans, measures, ingests and simulates with every lookup measured, under both profiles', async () => {
    const python = await torchPython()
    if (!python) throw new Error(NO_TORCH)
    const recs = await run(python, 'deepep', ['--tp', '1,2', '--deepep', '--ingest', bench, '--allow-cpu'])
    const kinds = new Set(recs.map((r) => `${r.kernel} ${r.phase ?? ''}`.trim()))
    expect([...kinds].sort()).toEqual([
      'allreduce', 'deepep_ll_combine', 'deepep_ll_dispatch', 'deepep_normal_combine', 'deepep_normal_dispatch',
      'dsa_attn decode', 'dsa_attn prefill', 'dsa_logits decode', 'dsa_logits prefill', 'gemm', 'grouped_gemm decode', 'grouped_gemm prefill',
      'mla decode', 'mla prefill',
    ])
    const prov = JSON.parse(readFileSync(path.join(bench, 'comm', 'cpu-smoke', 'deepep_ll_dispatch.provenance.json'), 'utf8'))
    expect(prov.sources[0].cpuTimings).toMatch(/timed on the CPU .* --allow-cpu/)
    expect([...(await simulatedEverywhere(['--tp', '2', '--deepep'])), ...(await simulatedEverywhere(['--tp', '1', '--deepep']))]).toEqual([])
  }, 180_000)

  it('measures the all-gather and reduce-scatter of expert parallelism without DeepEP', async () => {
    const python = await torchPython()
    if (!python) throw new Error(NO_TORCH)
    const recs = await run(python, 'gather', ['--tp', '1', '--kernels', 'comm', '--ingest', bench, '--allow-cpu'])
    // the two groups' tokens x hidden (256) bf16 values, both ways: prefill 64 tokens, decode 2, and each at twice the size
    const sizes = (kernel: string) => recs.filter((r) => r.kernel === kernel).map((r) => [r.shape.num_gpus, r.shape.message_bytes])
    for (const kernel of ['allgather', 'reduce_scatter']) expect(sizes(kernel)).toEqual([[2, 2048], [2, 4096], [2, 65536], [2, 131072]])
    expect(new Set(recs.map((r) => r.backend))).toEqual(new Set(['torch.distributed-gloo(all_gather)', 'torch.distributed-gloo(all_to_all_single + sum, reduce-scatter bytes)']))
    // ingested, the layout simulates on measured rows only
    expect(await simulatedEverywhere(['--tp', '1'])).toEqual([])
  }, 120_000)
})
