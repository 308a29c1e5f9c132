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
import type {SimResult, Step} from '../../src/sim/result.js'
import {ROOT, runCli, runJson} from '../helpers/cli.js'
import type {Provenance} from '../../src/tables/types.js'
import {commLatencyUs, writeTablesFromPlan, type PlanRecord, type PlanTables} from './tables-from-plan.js'
import {NO_TORCH, PYTHON, skipWithoutTorch, torchPython} from './python.js'

const RUN = path.join(ROOT, 'kernel_benchmark', 'run.py')
const SAMPLES = path.join(ROOT, 'kernel_benchmark', 'tests', 'sample_records.py')
const PLAN_CASES = path.join(ROOT, 'kernel_benchmark', 'tests', 'plan_cases.py')
const tmp = mkdtempSync(path.join(os.tmpdir(), 'infersim-kb-'))
afterAll(() => rmSync(tmp, {recursive: true, force: true}))

const jsonLines = (text: string) => text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l))

/**
 * Plans are asked for while the tests are collected and made in one Python
 * process when the first test needs one (a Python start costs about a
 * second on a loaded machine; some forty plans are made here).
 */
const planArgs: string[][] = []
let planned: Promise<{records?: PlanRecord[]; error?: string}[]> | undefined

function plan(args: string[]): () => Promise<PlanRecord[]> {
  const index = planArgs.push(args) - 1
  return async () => {
    planned ??= execa(PYTHON, [PLAN_CASES], {cwd: ROOT, input: JSON.stringify(planArgs)}).then((r) => jsonLines(r.stdout))
    const result = (await planned)[index]
    expect(result.error, `plan ${args.join(' ')}`).toBeUndefined()
    return result.records!
  }
}

type CommSource = Provenance & {seconds: number}

/**
 * Whether every collective of a communication step that the simulator reads
 * from a table (all but those crossing nodes) was read exactly off its
 * planned row: each planned row has a latency of its own (commLatencyUs), an
 * interpolation in size or a blend of GPU counts falls between rows, and a
 * collective the plan missed reads the far-away background rows.
 */
function commProblem(step: Step): string | undefined {
  const read = step.collectives!.filter((c) => !c.interNode)
  const source = step.source as CommSource | undefined
  if (read.length === 0) return source ? `read ${source.table} though every collective crosses nodes` : undefined
  if (!source) return `${read.map((c) => c.op).join(' + ')} timed by formula, not read from a table`
  const expectedUs = (cs: typeof read) => cs.reduce((acc, c) => acc + commLatencyUs(c.gpus, c.bytes), 0)
  const hit = (us: number, want: number) => Math.abs(us - want) <= 1e-9 * want
  const describe = (cs: typeof read) => cs.map((c) => `${c.op} of ${c.bytes} bytes over ${c.gpus} GPUs`).join(' + ')
  if (read.length === step.collectives!.length) {
    return hit(step.seconds * 1e6, expectedUs(read)) ? undefined : `${describe(read)}: ${step.seconds * 1e6} µs, not the planned rows (${source.kind}, ${source.note ?? source.table})`
  }
  // some collectives cross nodes (formula): the step's source is the first one read from a table
  if (read.length > 1) return `cannot tell which of ${describe(read)} were read exactly`
  return hit(source.seconds * 1e6, expectedUs(read)) ? undefined : `${describe(read)}: ${source.seconds * 1e6} µs, not the planned row`
}

/**
 * A lookup between rows is covered when the simulator asks for a count no
 * kernel can be timed at (the LM head of a fraction of the prompts, the
 * tokens one GPU's experts get under --moe-ep, a share of the experts): the
 * plan holds the whole counts either side, and every row used must be one the
 * plan made for this very step. Below one token the first row is held.
 */
function betweenPlannedRows(step: Step, use: string, t: PlanTables): boolean {
  const mfu = step.mfu!
  const m = step.shape?.m ?? NaN
  const fractional = step.id === 'lm-head' ? !Number.isInteger(m) : step.id === 'ffn'
  const kindOk = mfu.kind === 'interpolated' || (mfu.kind === 'extrapolated' && step.id === 'lm-head' && m < 1)
  const uses = mfu.table ? t.lineUses.get(mfu.table) : undefined
  return fractional && kindOk && mfu.lines.length > 0 && mfu.lines.every((l) => uses?.get(l)?.has(use))
}

/** Every step whose MFU or collective lookup did not hit a planned row, described. */
function uncovered(result: SimResult, t: PlanTables): string[] {
  const problems: string[] = []
  for (const phase of [result.prefill, result.decode]) {
    if (!phase) continue
    for (const step of phase.steps) {
      const use = `${result.profile} ${phase.phase} ${step.id}`
      if (step.collectives) {
        const problem = commProblem(step)
        if (problem) problems.push(`${use}: ${problem}`)
      } else if (step.source) {
        problems.push(`${use}: read ${step.source.table} outside the layout's collectives`)
      }
      if (!step.mfu) continue
      const where = `${use} ${JSON.stringify(step.shape ?? {})}`
      if (step.id === 'linear-core') {
        const wanted = phase.phase === 'prefill' ? result.deployment.isl : result.deployment.decodeBatch
        const used = step.mfu.table ? t.lineValues.get(step.mfu.table)?.get(step.mfu.lines[0]) : undefined
        if (used !== wanted) problems.push(`${where}: GDN row ${used} used for ${wanted}`)
      } else if (step.mfu.kind !== 'exact' && !betweenPlannedRows(step, use, t)) {
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
/**
 * Registers a plan with `planArgs`; the returned check writes its tables,
 * simulates with the same deployment flags (or `simArgs`) under both
 * profiles and returns what the plan missed.
 */
function coverage(model: string, gpu: string, planArgs: string[], simArgs = planArgs.filter((a) => a !== '--no-grid')): () => Promise<string[]> {
  const records = plan(['--model', model, '--gpu', gpu, ...planArgs])
  return async () => {
    const dir = path.join(tmp, `case-${++caseNo}`)
    const tables = writeTablesFromPlan(dir, await records())
    const problems: string[] = []
    for (const profile of ['infersim', 'default']) {
      problems.push(...uncovered(await simulateAgainst(dir, model, gpu, simArgs, profile), tables))
    }
    return problems
  }
}

describe('kernel_benchmark plan covers every simulator lookup', () => {
  const cases: [string, string, string[]][] = [
    // one GPU; fewer prefill tokens than a prompt (the LM head of half a prompt)
    ['qwen3-8b', 'H20', ['--tp', '1', '--world-size', '1', '--isl', '8192', '--max-prefill-tokens', '4096']],
    // replicas of a dense model: the tp all-reduce only; the LM head of 4096 / 3000 prompts
    ['qwen3-8b', 'H20', ['--tp', '2', '--world-size', '4', '--fp8-kv', '--isl', '3000', '--osl', '1000', '--decode-batch', '37']],
    // expert parallelism on one node without DeepEP: all-gather and reduce-scatter over the 4 groups
    ['qwen3-30b-a3b', 'H20', ['--tp', '1', '--world-size', '4']],
    // ... with a tp all-reduce, two-batch overlap (two micro-batches' logits)
    ['qwen3-30b-a3b', 'H800', ['--tp', '2', '--world-size', '8', '--fp8-gemm', '--max-prefill-tokens', '8192', '--tbo']],
    // 3 groups: 128 experts do not divide, the share of the whole experts' curve
    ['qwen3-30b-a3b', 'H20', ['--tp', '2', '--world-size', '6', '--decode-batch', '37', '--no-grid']],
    // two nodes without DeepEP: all-to-all by formula, the tp all-reduce read inside a node
    ['qwen3-30b-a3b', 'H800', ['--tp', '2', '--world-size', '16', '--nodes', '2', '--decode-batch', '16', '--no-grid']],
    // DeepEP across nodes (formula) and inside one (tables)
    ['deepseek-v3', 'H800', ['--tp', '1', '--world-size', '32', '--nodes', '4', '--fp8-gemm', '--deepep', '--decode-batch', '64']],
    ['qwen3-30b-a3b', 'H800', ['--tp', '2', '--world-size', '8', '--deepep', '--decode-batch', '24']],
    ['deepseek-v3', 'H20', ['--tp', '2', '--world-size', '8', '--fp8-kv']],
    // MoE EP inside the tp group (--moe-ep): whole experts, 37 / 4 tokens per GPU's experts
    ['qwen3-30b-a3b', 'H800', ['--tp', '4', '--world-size', '4', '--moe-ep', '4', '--fp8-gemm', '--decode-batch', '37', '--no-grid']],
    ['qwen3-next-80b-a3b', 'H20', ['--tp', '1', '--world-size', '1']],
    ['qwen3-next-80b-a3b', 'H20', ['--tp', '2', '--world-size', '4', '--decode-batch', '50', '--isl', '2048']],
  ]
  for (const [model, gpu, args] of cases) {
    const check = coverage(model, gpu, args)
    it(`${model} on ${gpu} ${args.join(' ')}`, async () => {
      expect(await check()).toEqual([])
    })
  }

  // Every bundled config, one expert-parallel deployment: catches a model feature the planner does not mirror.
  const bundledModels = readdirSync(path.join(ROOT, 'hf_configs'))
    .filter((f) => f.endsWith('.json') && !f.endsWith('.hf_quant_config.json'))
    .map((f) => f.slice(0, -'.json'.length))
  const bundled = new Map(bundledModels.map((model) => [model, coverage(model, 'H800', ['--world-size', '8', '--decode-batch', '16', '--no-grid'])]))
  it.each(bundledModels)('bundled model %s, world size 8, lookups only', async (model) => {
    expect(await bundled.get(model)!()).toEqual([])
  })

  const lookupsOnly = coverage('qwen3-30b-a3b', 'H20', ['--tp', '2', '--world-size', '2', '--no-grid'])
  it('lookups only (--no-grid) still cover the deployment', async () => {
    expect(await lookupsOnly()).toEqual([])
  })

  const otherDeployment = coverage('qwen3-8b', 'H20', ['--tp', '1', '--world-size', '1', '--no-grid'], ['--tp', '2', '--world-size', '2'])
  it('a plan for one deployment does not cover another (the check has teeth)', async () => {
    const problems = await otherDeployment()
    expect(problems.some((p) => p.includes('attn-core') && p.includes('fallback'))).toBe(true)
    expect(problems.some((p) => p.includes('qkv-proj'))).toBe(true)
    expect(problems.some((p) => p.startsWith('default decode comm-before') && p.includes('allreduce'))).toBe(true)
    expect(problems.some((p) => p.includes('default prefill comm-after'))).toBe(true)
  })

  const otherSizes = coverage('qwen3-30b-a3b', 'H20', ['--tp', '1', '--world-size', '4', '--decode-batch', '16', '--no-grid'], ['--tp', '1', '--world-size', '4', '--decode-batch', '20'])
  it('a collective planned at other sizes is not counted as covered', async () => {
    const problems = await otherSizes()
    expect(problems.filter((p) => p.includes('default decode comm-'))).toHaveLength(2)
    expect(problems.some((p) => p.includes('default prefill comm-'))).toBe(false)
  })

  const otherGpus = coverage('qwen3-30b-a3b', 'H20', ['--tp', '1', '--world-size', '8', '--decode-batch', '16', '--no-grid'], ['--tp', '2', '--world-size', '8', '--decode-batch', '32'])
  it('a collective planned over another GPU count is not counted as covered', async () => {
    // reduce-scatter of 8 x 16 = 4 x 32 tokens' hidden states: planned over 8 groups, simulated over 4
    const problems = await otherGpus()
    expect(problems.some((p) => p.startsWith('default decode comm-after') && p.includes('reduce_scatter'))).toBe(true)
  })

  const otherPrompts = coverage('qwen3-8b', 'H20', ['--isl', '4096', '--no-grid'], ['--isl', '3000'])
  it('a fractional count is covered only by the whole counts either side', async () => {
    // planned: the prefill LM head of 1 prompt; simulated: of 4096 / 3000, between the 1-token row and the decode batch's
    const problems = await otherPrompts()
    expect(problems.some((p) => p.startsWith('default prefill lm-head') && p.includes('interpolated'))).toBe(true)
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
      'allgather', 'reduce_scatter', 'allreduce', 'deepep_ll_combine', 'deepep_ll_dispatch', 'deepep_normal_combine', 'deepep_normal_dispatch', 'gdn decode', 'gdn prefill', 'gemm', 'grouped_gemm decode', 'grouped_gemm prefill',
      'attention decode', 'attention prefill', 'mla decode', 'mla prefill',
      'dsa_attn decode', 'dsa_attn prefill', 'dsa_logits decode', 'dsa_logits prefill',
    ].sort())
  })

  const planRecords = plan(['--model', 'qwen3-8b', '--gpu', 'H20', '--no-grid'])
  it('plan records carry the measurement fields but are not measurements', async () => {
    const records = await planRecords()
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
    const lines = r.stdout.split('\n').filter((l) => l.trim())
    writeFileSync(file, lines.join('\n') + '\n')
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

describe.skipIf(await skipWithoutTorch())('kernel_benchmark in one process on the CPU', () => {
  /** Every record of a CPU smoke run of a fixture config (64 tokens in, 32 out, 2 requests), each checked against the record schema. */
  async function smokeRecords(fixture: string) {
    const python = await torchPython()
    if (!python) throw new Error(NO_TORCH)
    const validate = validator('raw-measurement')
    const model = path.join('kernel_benchmark', 'tests', 'fixtures', fixture)
    const args = ['--device', 'cpu', '--no-grid', '--isl', '64', '--osl', '32', '--decode-batch', '2', '--max-prefill-tokens', '64', '--repeats', '3', '--warmup', '1']
    const r = await execa(python, [RUN, '--model', model, '--gpu', 'H20', ...args], {cwd: ROOT, reject: false})
    expect(r.exitCode, r.stderr).toBe(0)
    const records = jsonLines(r.stdout)
    for (const rec of records) expect(validate(rec), JSON.stringify(validate.errors)).toBe(true)
    return records
  }

  it('measures every kernel of a tiny dense model and writes valid smoke-run records', async () => {
    const seen = new Set<string>()
    for (const rec of await smokeRecords('tiny-dense.json')) {
      expect([rec.stats.timer, rec.env.device]).toEqual(['wall', 'cpu'])
      seen.add(`${rec.kernel} ${rec.phase ?? ''}`.trim())
    }
    expect([...seen].sort()).toEqual(['attention decode', 'attention prefill', 'gemm'])
  }, 60_000)

  it("measures a sliding-window layer's kernels (a banded mask on the CPU) into records of its window", async () => {
    const windowed = (await smokeRecords('tiny-sliding.json')).filter((rec) => rec.kernel === 'attention' && rec.shape.window !== undefined)
    // the full layer's kernels and the sliding one's, both phases: decode keyed by the context (64 + 32/2), prefill by the prompt
    expect(windowed.map((rec) => `${rec.phase} ${JSON.stringify(rec.shape)}`).sort()).toEqual([
      'decode {"heads":8,"kv_heads":2,"head_dim":32,"batch_size":2,"kv_len":80,"window":16}',
      'prefill {"heads":8,"kv_heads":2,"head_dim":32,"seq_len":64,"window":16}',
    ])
    expect(windowed.every((rec) => rec.latency_us > 0)).toBe(true)
  }, 60_000)
})
