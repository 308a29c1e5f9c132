import {existsSync, mkdtempSync, readFileSync, readdirSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {runBin, runCli, runJson} from '../../helpers/cli.js'
import {SERVING_CSV_COLUMNS} from '../../../src/sweep/serving/csv.js'
import type {AggregatedPlan, DisaggregatedPlan, ServingSweepResult} from '../../../src/sweep/serving/result.js'
import {fixtureEngineDir} from './helpers.js'

let engineDir = ''
let SMALL: string[] = []

beforeAll(() => {
  engineDir = fixtureEngineDir()
  SMALL = ['sweep', '--serving', '--model', 'qwen3-30b-a3b', '--gpu', 'H100-SXM', '--max-gpus', '2', '--isl', '1024', '--osl', '256', '--ttft-max', '2000', '--tpot-max', '40',
    '--weight-formats', 'fp8', '--fp8-kv', 'off', '--step-tokens', '4096,8192', '--top', '6', '--workers', '0', '--no-progress', '--engine-dir', engineDir]
})

/** The argv of an `infersim simulate ...` line the sweep printed (no quoting needed for these names). */
const argvOf = (command: string) => {
  const parts = command.split(' ')
  expect(parts.slice(0, 2)).toEqual(['infersim', 'simulate'])
  return parts.slice(1)
}

async function reproduces(p: AggregatedPlan | DisaggregatedPlan): Promise<void> {
  if (p.mode === 'aggregated') {
    const sim = (await runJson(argvOf(p.simulate))).json
    expect(sim.serving.ttftMs).toBe(p.figures.ttftMs)
    expect(sim.serving.tpotMs).toBe(p.figures.tpotMs)
    expect(sim.serving.outputTokensPerGpuPerSecond).toBe(p.figures.tgs)
    expect(sim.serving.concurrency).toBe(p.concurrency)
    expect(sim.serving.maxPrefillTokens).toBe(p.stepTokens)
    return
  }
  const pre = (await runJson(argvOf(p.prefill.simulate))).json.prefill
  expect([pre.latencyMs, pre.tgs]).toEqual([p.prefill.latencyMs, p.prefill.tgs])
  const dec = (await runJson(argvOf(p.decode.simulate))).json.decode
  expect([dec.latencyMs, dec.tgs]).toEqual([p.decode.latencyMs, p.decode.tgs])
  expect(p.figures.ttftMs).toBe(p.prefill.latencyMs + p.kvTransfer.ms)
  expect(p.figures.tpotMs).toBe(p.decode.latencyMs)
}

describe('infersim sweep --serving', () => {
  it('every printed simulate line reproduces its figures exactly (ranked deployments and frontier points)', async () => {
    const {json, exitCode} = await runJson<ServingSweepResult>(SMALL)
    expect(exitCode).toBe(0)
    expect(json.top.length).toBe(6)
    expect(json.frontiers.find((f) => f.mode === 'disaggregated')!.points.length).toBeGreaterThan(0)
    for (const t of json.top) await reproduces(t)
    // Each frontier's two ends.
    for (const f of json.frontiers) for (const p of new Set([f.points[0], f.points[f.points.length - 1]])) await reproduces(p)
  })

  it('--cuda-graph-batches: decode steps pad to the next captured batch, the targets say so, and the simulate lines reproduce the plans with it', async () => {
    const plain = (await runJson<ServingSweepResult>(SMALL)).json
    const {json, exitCode} = await runJson<ServingSweepResult>([...SMALL, '--cuda-graph-batches', '8,32,128'])
    expect(exitCode).toBe(0)
    expect(json.targets.cudaGraphBatchSizes).toEqual([8, 32, 128])
    const best = json.top[0] as AggregatedPlan
    expect(best.simulate).toMatch(/--cuda-graph-batches 8,32,128/)
    await reproduces(best)
    // Padded decode steps are never faster.
    expect(json.top[0].figures.tgs).toBeLessThanOrEqual(plain.top[0].figures.tgs)
    const text = await runCli([...SMALL, '--cuda-graph-batches', '8,32,128'])
    expect(text.stdout).toMatch(/CUDA graphs at 8, 32, 128 requests, decode steps padded to the next \(--cuda-graph-batches\)/)
  })

  it('--mtp: aggregated and disaggregated plans draft and verify, their simulate lines reproduce them, and both pools launch with it', async () => {
    const {json, exitCode} = await runJson<ServingSweepResult>([...SMALL, '--mtp', '2', '--accept-length', '2.2'])
    expect(exitCode).toBe(0)
    const points = json.frontiers.find((f) => f.mode === 'disaggregated')!.points as DisaggregatedPlan[]
    const disagg = [points[0], points[points.length - 1]]
    for (const t of [...json.top, ...disagg]) await reproduces(t)
    for (const d of disagg) {
      expect(d.decode.simulate).toContain(' --mtp 2 --accept-length 2.2')
      expect(d.prefill.simulate).toContain(' --mtp 2 --accept-length 2.2')
      const sglang = d.launch.find((l) => l.engine === 'sglang')!
      // Qwen3-30B-A3B ships no multi-token-prediction layer: each pool is told it needs a draft model.
      for (const pool of [sglang.prefill, sglang.decode]) expect(pool.notes.some((n) => n.startsWith('the figures assume speculative decoding with 2 draft tokens a step (--mtp) from a one-layer draft head'))).toBe(true)
    }
  })

  it("TensorRT-LLM's units run with the chunked prefill its launch turns on, and their simulate lines ask for it", async () => {
    const args = [...SMALL, '--modes', 'aggregated', '--concurrency-grid', '64', '--engine', 'trtllm']
    args[args.indexOf('--top') + 1] = '1'
    const {json, exitCode} = await runJson<ServingSweepResult>(args)
    expect(exitCode).toBe(0)
    const top = json.top[0] as AggregatedPlan
    expect(top.simulate).toMatch(/ --chunked-prefill( |$)/)
    expect(top.launch.files.map((f) => f.content).join('')).toMatch(/enable_chunked_prefill: true/)
    await reproduces(top)
  })

  it('--concurrency 7 over two replicas runs 3.5 requests on each, and the printed line reproduces that fraction', async () => {
    const args = [...SMALL, '--modes', 'aggregated', '--concurrency', '7', '--engine', 'vllm']
    args[args.indexOf('--top') + 1] = '6'
    const {json, exitCode} = await runJson<ServingSweepResult>(args)
    expect(exitCode).toBe(0)
    const split = (json.top as AggregatedPlan[]).find((t) => t.units * t.layout.dp === 2)!
    expect(split.concurrency).toBe(3.5)
    expect(split.totalConcurrency).toBe(7)
    expect(split.simulate).toMatch(/ --concurrency 3\.5 /)
    // The engine's own limit stays a whole number of requests.
    expect(split.launch.commands.map((c) => c.command).join(' ')).toMatch(/--max-num-seqs 4 /)
    await reproduces(split)
    const text = await runCli(args)
    expect(text.stdout).toMatch(/3\.5 requests per replica \(7 in flight\)/)
  })

  it('--opening-wave reaches every evaluation and the printed simulate lines, which reproduce it', async () => {
    const args = [...SMALL, '--modes', 'aggregated', '--concurrency-grid', '64']
    args[args.indexOf('--top') + 1] = '2'
    const steady = await runJson<ServingSweepResult>([...args, '--opening-wave', '0'])
    const burst = await runJson<ServingSweepResult>([...args, '--opening-wave', '1'])
    expect(steady.exitCode).toBe(0)
    expect(burst.exitCode).toBe(0)
    for (const t of steady.json.top) expect(t.mode === 'aggregated' && t.simulate).toMatch(/ --opening-wave 0$/)
    expect(steady.json.targets.openingWave).toBe(0)
    await reproduces(steady.json.top[0])
    await reproduces(burst.json.top[0])
    // All 64 clients arriving at once wait for far more prompts than spread arrivals do.
    expect(burst.json.top[0].figures.ttftMs).toBeGreaterThan(2 * steady.json.top[0].figures.ttftMs)
    const text = await runCli([...args, '--opening-wave', '0'])
    expect(text.stdout).toMatch(/^opening wave: 0% of the requests arrive all at once \(--opening-wave\); the error bands come from benchmarks with their own$/m)
    const bad = await runCli([...args, '--opening-wave=-0.5'])
    expect(bad.exitCode).toBe(2)
    expect(bad.stderr).toMatch(/--opening-wave is a share of the requests, from 0 to 1; got -0\.5/)
  })

  it('text report: engines with versions and error bands, the ranking, reproducing lines and launch commands', async () => {
    const r = await runCli(SMALL)
    expect(r.exitCode).toBe(0)
    expect(r.stdout).toMatch(/^serving sweep of qwen3-30b-a3b \(profile default\) on H100-SXM, 1-2 GPUs, ISL 1024, OSL 256, aggregated and disaggregated$/m)
    expect(r.stdout).toMatch(/^vLLM 0\.12\.0 \(vllm\): no error band \(engine not cross-validated\)$/m)
    expect(r.stdout).toMatch(/^SGLang 0\.5\.9 \(sglang\): TTFT ±20%, TPOT ±10% /m)
    expect(r.stdout).toMatch(/^TensorRT-LLM 1\.0\.0 \(trtllm\): TTFT ±4\.0%, TPOT ±2\.0% /m)
    expect(r.stdout).toMatch(/Top 6 deployments meeting the targets, by output tokens\/GPU\/s/)
    expect(r.stdout).toMatch(/ {2}reproduce one unit: infersim simulate --model qwen3-30b-a3b --gpu H100-SXM --profile default --world-size \d --nodes 1 --tp \d --fp8-gemm --isl 1024 --osl 256 --max-prefill-tokens \d+ --serving --concurrency \d+ --engine \w+ --engine-dir /)
    expect(r.stdout).toMatch(/ {2}launch \((sglang 0\.5\.9|vllm 0\.12\.0|trtllm 1\.0\.0)\):/)
    expect(r.stdout).toMatch(/Frontiers \(output tokens\/GPU\/s against tokens\/s per user/)
    expect(r.stdout).toMatch(/disaggregated \(phase model\): \d+ points/)
  })

  it('--csv writes every evaluated load and the disaggregated frontier; --plot an SVG with each engine\'s frontier', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'serving-sweep-'))
    const csv = path.join(dir, 'points.csv')
    const svg = path.join(dir, 'plot.svg')
    const {json} = await runJson<ServingSweepResult>([...SMALL, '--csv', csv, '--plot', svg])
    const lines = readFileSync(csv, 'utf8').trim().split('\n')
    expect(lines[0]).toBe(SERVING_CSV_COLUMNS.join(','))
    const rows = lines.slice(1).map((l) => l.split(','))
    const col = (name: string) => SERVING_CSV_COLUMNS.indexOf(name as never)
    const agg = rows.filter((r) => r[col('mode')] === 'aggregated')
    expect(agg.length).toBe(json.counts.evaluations)
    const aggFrontier = json.frontiers.filter((f) => f.mode === 'aggregated').reduce((n, f) => n + f.points.length, 0)
    expect(agg.filter((r) => r[col('frontier')] === 'true').length).toBe(aggFrontier)
    expect(rows.filter((r) => r[col('mode')] === 'disaggregated').length).toBe(json.frontiers.find((f) => f.mode === 'disaggregated')!.points.length)
    expect(agg.filter((r) => r[col('engine')] === 'vllm').every((r) => r[col('ttft_band')] === '')).toBe(true)
    expect(agg.filter((r) => r[col('engine')] === 'sglang').every((r) => r[col('ttft_band')] === '0.2')).toBe(true)
    const plot = readFileSync(svg, 'utf8')
    expect(plot.startsWith('<svg')).toBe(true)
    for (const label of ['SGLang 0.5.9 aggregated (bars: error band)', 'vLLM 0.12.0 aggregated (no error band)', 'TensorRT-LLM 1.0.0 aggregated', 'disaggregated (phase model)', 'TPOT 40 ms']) {
      expect(plot).toContain(label)
    }
    const lines2 = json.frontiers.filter((f) => f.points.length > 1).length
    expect((plot.match(/<path d="M/g) ?? []).length).toBe(lines2)
    expect(readdirSync(dir).sort()).toEqual(['plot.svg', 'points.csv'])
  })

  it('--help teaches --serving with examples', async () => {
    const r = await runBin(['sweep', '--help'])
    expect(r.stdout).toMatch(/--serving/)
    expect(r.stdout).toMatch(/--request-rate/)
    expect(r.stdout).toMatch(/\$ infersim sweep --serving --model deepseek-v3 --gpu H200-SXM/)
    expect(r.stdout).toMatch(/--request-rate 20/)
    expect(r.stdout).toMatch(/data\/launch-flags\.json/)
  })

  it.each([
    [['--engine', 'tgi'], /--engine: "tgi" is not one of trtllm, vllm, sglang/],
    [['--request-rate', '5', '--concurrency', '10'], /give --request-rate or --concurrency, not both/],
    [['--tbo', 'on'], /--tbo does not apply to a serving sweep \(--serving\)/],
    [['--modes', 'both'], /--modes: "both" is not one of aggregated, disaggregated/],
    [['--request-rate', '-1'], /--request-rate must be positive, got -1/],
  ])('bad input %j: a clear usage error, exit 2', async (extra, message) => {
    const r = await runCli([...SMALL, ...extra])
    expect(r.exitCode).toBe(2)
    expect(r.stderr).toMatch(message)
    expect(r.stderr).not.toMatch(/\n\s+at /)
  })

  it('serving flags without --serving are usage errors; an unwritable --csv fails before any work and writes nothing', async () => {
    const r = await runCli(['sweep', '--model', 'qwen3-8b', '--step-tokens', '4096'])
    expect(r.exitCode).toBe(2)
    expect(r.stderr).toMatch(/--step-tokens applies only with --serving/)
    const dir = mkdtempSync(path.join(tmpdir(), 'serving-sweep-'))
    const bad = await runCli([...SMALL, '--csv', dir])
    expect(bad.exitCode).toBe(1)
    expect(bad.stderr).toMatch(/cannot write .*: it is a directory/)
    expect(existsSync(path.join(dir, 'points.csv'))).toBe(false)
  })
})
