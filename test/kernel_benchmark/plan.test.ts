/**
 * kernel_benchmark/run.py --dry-run plans the shapes the simulator looks up.
 * For each model and deployment: plan, write a bench_data folder with one
 * placeholder row per planned shape, simulate against it under both profiles,
 * and check that every MFU lookup of every step hit a planned row exactly.
 * Runs python3 without torch; INFERSIM_PYTHON picks another interpreter. The
 * single-process CPU run needs a Python with torch (python.ts finds one).
 */
import {existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {execa} from 'execa'
import {afterAll, describe, expect, it} from 'vitest'
import {validator} from '../../src/schemas/validate.js'
import type {SimResult} from '../../src/sim/result.js'
import {ROOT, runCli, runJson} from '../helpers/cli.js'
import type {Provenance} from '../../src/tables/types.js'
import {BACKGROUND_US, writeTablesFromPlan, type PlanRecord} from './tables-from-plan.js'
import {NO_TORCH, PYTHON, torchPython} from './python.js'

const RUN = path.join(ROOT, 'kernel_benchmark', 'run.py')
const SAMPLES = path.join(ROOT, 'kernel_benchmark', 'tests', 'sample_records.py')
const tmp = mkdtempSync(path.join(os.tmpdir(), 'infersim-kb-'))
afterAll(() => rmSync(tmp, {recursive: true, force: true}))

const jsonLines = (text: string) => text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l))

async function plan(args: string[]): Promise<PlanRecord[]> {
  const r = await execa(PYTHON, [RUN, '--dry-run', ...args], {cwd: ROOT, reject: false})
  expect(r.exitCode, r.stderr).toBe(0)
  return jsonLines(r.stdout) as PlanRecord[]
}

/**
 * Whether a collective was read exactly off one planned row: the same GPU
 * count (no blend of two counts) and the latency of one of the rows it used
 * (every planned row has its own latency; an interpolation falls between two).
 */
function commProblem(source: Provenance, lineValues: Map<string, Map<number, number>>, seconds: number): string | undefined {
  const latencies = source.table ? lineValues.get(source.table) : undefined
  if (!latencies) return `read ${source.table}, which the plan has no rows for`
  if (source.note) return `${source.kind}: ${source.note}`
  const us = seconds * 1e6
  const hit = source.lines.some((l) => latencies.get(l) !== BACKGROUND_US && Math.abs((latencies.get(l) ?? NaN) - us) <= 1e-9 * us)
  return hit ? undefined : `${source.kind} between rows ${source.lines.join(', ')} of ${source.table} (${us} µs), not a planned row`
}

/** Every step whose MFU or collective lookup did not hit a planned row exactly, described. */
function uncovered(result: SimResult, lineValues: Map<string, Map<number, number>>): string[] {
  const problems: string[] = []
  for (const phase of [result.prefill, result.decode]) {
    if (!phase) continue
    for (const step of phase.steps) {
      if (step.source) {
        const problem = commProblem(step.source, lineValues, step.seconds)
        if (problem) problems.push(`${result.profile} ${phase.phase} ${step.id}: ${problem}`)
      }
      if (!step.mfu) continue
      const where = `${result.profile} ${phase.phase} ${step.id} ${JSON.stringify(step.shape ?? {})}`
      if (step.id === 'linear-core') {
        const wanted = phase.phase === 'prefill' ? result.deployment.isl : result.deployment.decodeBatch
        const used = step.mfu.table ? lineValues.get(step.mfu.table)?.get(step.mfu.lines[0]) : undefined
        if (used !== wanted) problems.push(`${where}: GDN row ${used} used for ${wanted}`)
      } else if (step.mfu.kind !== 'exact') {
        problems.push(`${where}: ${step.mfu.kind} (${step.mfu.note ?? step.mfu.table})`)
      }
    }
  }
  return problems
}

async function simulateAgainst(dir: string, model: string, gpu: string, args: string[], profile: string): Promise<SimResult> {
  const r = await runJson<SimResult>(['simulate', '--model', model, '--gpu', gpu, ...args, '--profile', profile, '--bench-data', dir])
  expect(r.exitCode, r.stderr).toBe(0)
  return r.json
}

let caseNo = 0
/** Plans with `planArgs`, simulates with the same deployment flags (or `simArgs`), returns what the plan missed. */
async function coverage(model: string, gpu: string, planArgs: string[], simArgs = planArgs.filter((a) => a !== '--no-grid')): Promise<string[]> {
  const records = await plan(['--model', model, '--gpu', gpu, ...planArgs])
  const dir = path.join(tmp, `case-${++caseNo}`)
  const lineValues = writeTablesFromPlan(dir, records)
  const problems: string[] = []
  for (const profile of ['infersim', 'default']) {
    problems.push(...uncovered(await simulateAgainst(dir, model, gpu, simArgs, profile), lineValues))
  }
  return problems
}

describe('kernel_benchmark plan covers every simulator lookup', () => {
  const cases: [string, string, string[]][] = [
    ['qwen3-8b', 'H20', ['--tp', '1', '--world-size', '1']],
    ['qwen3-8b', 'H20', ['--tp', '2', '--world-size', '4', '--fp8-kv', '--isl', '3000', '--osl', '1000', '--decode-batch', '37']],
    ['qwen3-30b-a3b', 'H20', ['--tp', '1', '--world-size', '4']],
    ['qwen3-30b-a3b', 'H800', ['--tp', '2', '--world-size', '8', '--fp8-gemm', '--max-prefill-tokens', '8192']],
    ['deepseek-v3', 'H800', ['--tp', '1', '--world-size', '32', '--nodes', '4', '--fp8-gemm', '--deepep', '--decode-batch', '64']],
    ['deepseek-v3', 'H20', ['--tp', '2', '--world-size', '8', '--fp8-kv']],
    ['qwen3-30b-a3b', 'H800', ['--tp', '2', '--world-size', '8', '--deepep', '--decode-batch', '24']],
    ['qwen3-next-80b-a3b', 'H20', ['--tp', '1', '--world-size', '1']],
    ['qwen3-next-80b-a3b', 'H20', ['--tp', '2', '--world-size', '4', '--decode-batch', '50', '--isl', '2048']],
  ]
  for (const [model, gpu, args] of cases) {
    it(`${model} on ${gpu} ${args.join(' ')}`, async () => {
      expect(await coverage(model, gpu, args)).toEqual([])
    })
  }

  // Every bundled config, one expert-parallel deployment: catches a model feature the planner does not mirror.
  const bundledModels = readdirSync(path.join(ROOT, 'hf_configs'))
    .filter((f) => f.endsWith('.json') && !f.endsWith('.hf_quant_config.json'))
    .map((f) => f.slice(0, -'.json'.length))
  it.each(bundledModels)('bundled model %s, world size 8, lookups only', async (model) => {
    expect(await coverage(model, 'H800', ['--world-size', '8', '--decode-batch', '16', '--no-grid'])).toEqual([])
  })

  it('lookups only (--no-grid) still cover the deployment', async () => {
    expect(await coverage('qwen3-30b-a3b', 'H20', ['--tp', '2', '--world-size', '2', '--no-grid'])).toEqual([])
  })

  it('a plan for one deployment does not cover another (the check has teeth)', async () => {
    const problems = await coverage('qwen3-8b', 'H20', ['--tp', '1', '--world-size', '1', '--no-grid'], ['--tp', '2', '--world-size', '2'])
    expect(problems.some((p) => p.includes('attn-core') && p.includes('fallback'))).toBe(true)
    expect(problems.some((p) => p.includes('qkv-proj'))).toBe(true)
    expect(problems.some((p) => p.includes('default decode tp-allreduce'))).toBe(true)
    expect(problems.some((p) => p.includes('default prefill comm-before'))).toBe(true)
  })

  it('a collective planned at other sizes is not counted as covered', async () => {
    const problems = await coverage('qwen3-30b-a3b', 'H20', ['--tp', '1', '--world-size', '4', '--decode-batch', '16', '--no-grid'], ['--tp', '1', '--world-size', '4', '--decode-batch', '20'])
    expect(problems.filter((p) => p.includes('default decode comm-'))).toHaveLength(2)
    expect(problems.some((p) => p.includes('default prefill comm-'))).toBe(false)
  })
})

describe('kernel_benchmark records', () => {
  it('measurement records validate against the raw-measurement schema, for every kernel kind', async () => {
    const validate = validator('raw-measurement')
    const kinds = new Set<string>()
    for (const args of [
      ['--model', 'deepseek-v3.2', '--gpu', 'H800', '--world-size', '8', '--deepep', '--both-dtypes', '--no-grid'],
      ['--model', 'qwen3-8b', '--gpu', 'H20', '--no-grid'],
      ['--model', 'qwen3-next-80b-a3b', '--gpu', 'H20', '--tp', '2', '--world-size', '4', '--no-grid'],
    ]) {
      const r = await execa(PYTHON, [SAMPLES, ...args], {cwd: ROOT})
      for (const rec of jsonLines(r.stdout)) {
        expect(validate(rec), JSON.stringify(validate.errors)).toBe(true)
        kinds.add(`${rec.kernel} ${rec.phase ?? ''}`.trim())
      }
    }
    expect([...kinds].sort()).toEqual([
      'allreduce', 'deepep_ll_combine', 'deepep_ll_dispatch', 'deepep_normal_combine', 'deepep_normal_dispatch', 'gdn decode', 'gdn prefill', 'gemm', 'grouped_gemm decode', 'grouped_gemm prefill',
      'attention decode', 'attention prefill', 'mla decode', 'mla prefill',
      'dsa_attn decode', 'dsa_attn prefill', 'dsa_logits decode', 'dsa_logits prefill',
    ].sort())
  })

  it('plan records carry the measurement fields but are not measurements', async () => {
    const records = await plan(['--model', 'qwen3-8b', '--gpu', 'H20', '--no-grid'])
    const validate = validator('raw-measurement')
    for (const r of records) {
      expect(r.planned).toBe(true)
      expect(r.table).toMatch(/^(gemm\/h20|mha\/(decode|prefill)\/h20|comm\/h20)\//)
      expect(validate(r)).toBe(false) // no latency_us, and "planned" is not a measurement field
    }
  })

  // The ingest command is another part of the project; this checks the two agree once both are present.
  it.runIf(existsSync(path.join(ROOT, 'src', 'commands', 'ingest.ts')))('infersim ingest accepts the records (dry run)', async () => {
    const file = path.join(tmp, 'samples.jsonl')
    const r = await execa(PYTHON, [SAMPLES, '--model', 'qwen3-30b-a3b', '--gpu', 'H20', '--tp', '2', '--world-size', '4'], {cwd: ROOT})
    writeFileSync(file, r.stdout + '\n')
    const out = path.join(tmp, 'ingest-out')
    const ingest = await runCli(['ingest', file, '--out', out, '--dry-run'])
    expect(ingest.exitCode, ingest.stderr + ingest.stdout).toBe(0)
    expect(ingest.stdout).toMatch(/0 rejected/)
  })

  it('the Python unit tests pass (no torch needed)', async () => {
    const r = await execa(PYTHON, ['-m', 'unittest', 'discover', '-s', 'kernel_benchmark/tests'], {cwd: ROOT, reject: false})
    expect(r.exitCode, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/\nOK/)
  })
})

describe('kernel_benchmark in one process on the CPU', () => {
  it('measures every kernel of a tiny dense model and writes valid smoke-run records', async () => {
    const python = await torchPython()
    if (!python) throw new Error(NO_TORCH)
    const validate = validator('raw-measurement')
    const model = path.join('kernel_benchmark', 'tests', 'fixtures', 'tiny-dense.json')
    const args = ['--device', 'cpu', '--no-grid', '--isl', '64', '--osl', '32', '--decode-batch', '2', '--max-prefill-tokens', '64', '--repeats', '3', '--warmup', '1']
    const r = await execa(python, [RUN, '--model', model, '--gpu', 'H20', ...args], {cwd: ROOT, reject: false})
    expect(r.exitCode, r.stderr).toBe(0)
    const seen = new Set<string>()
    for (const rec of jsonLines(r.stdout)) {
      expect(validate(rec), JSON.stringify(validate.errors)).toBe(true)
      expect([rec.stats.timer, rec.env.device]).toEqual(['wall', 'cpu'])
      seen.add(`${rec.kernel} ${rec.phase ?? ''}`.trim())
    }
    expect([...seen].sort()).toEqual(['attention decode', 'attention prefill', 'gemm'])
  }, 60_000)
})
