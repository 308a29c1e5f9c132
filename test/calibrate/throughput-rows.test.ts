/**
 * Serving rows that measure a run's output rate (metric output_tgs) and the
 * optional max_running_requests column. The shipped rows are NVIDIA's
 * published trtllm-bench throughputs (calibration/trtllm-bench.csv): the
 * serving fit never sees them, so they are an error measured on GPUs and
 * runs no fit used, Blackwell among them.
 */
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {parseMeasurements} from '../../src/calibrate/measurements.js'
import {rowEngine, rowSettings} from '../../src/calibrate/row-engine.js'
import {isFittedServingRow, prepareRuns} from '../../src/calibrate/serving-fit.js'
import {EvalEnvironment} from '../../src/calibrate/environment.js'
import {gpuDefaultsOn} from '../../src/serving/engine-on-gpu.js'
import {getProfile} from '../../src/profile.js'
import {calibrate} from '../../src/index.js'
import {runCli} from '../helpers/cli.js'
import {HEADER, tempDir, writeCsv} from './helpers.js'

const EXTRA = 'moe_tp,moe_ep,backend,backend_version,max_running_requests'

/** A vLLM Qwen3-32B run on two H100s, 16 clients, 1,024 tokens in and 256 out, as a serving row of `metric`. */
const run = (metric: string, actual: number, maxRunning = '') =>
  [`Q32-${metric}`, 'qwen3-32b', 'H100-SXM', 2, 1, 2, 0, 0, 0, 0, 1024, 256, 'serving', '', 16, metric, actual, 'test', '', '', '', 'vllm', '', maxRunning].join(',')

describe('serving rows of a run\'s output rate', () => {
  it('read a run\'s output tokens per GPU per second, which the closed loop ties to its TTFT and TPOT', async () => {
    const file = writeCsv(tempDir(), 'm.csv', [`${HEADER},${EXTRA}`, run('ttft_ms', 100), run('tpot_ms', 10), run('output_tgs', 1000)])
    const result = await calibrate({measurements: [file], profile: 'default'})
    const sim = Object.fromEntries(result.rows.map((o) => [o.id, o.simulated!]))
    // C clients each asking osl tokens a round of TTFT + (osl - 1) TPOT, over tp GPUs.
    const loop = (16 * 256) / ((sim['Q32-ttft_ms'] + 255 * sim['Q32-tpot_ms']) / 1000) / 2
    // The solver stops within 1e-7 of its fixed point.
    expect(Math.abs(sim['Q32-output_tgs'] / loop - 1)).toBeLessThan(1e-6)
  })

  it('are not fitted: the engine fit reads TTFT and TPOT rows only', () => {
    const {rows} = parseMeasurements([`${HEADER},${EXTRA}`, run('output_tgs', 1000), run('tpot_ms', 10)].join('\n') + '\n', 'm.csv', '/data')
    expect(rows.map(isFittedServingRow)).toEqual([false, true])
    const {runs} = prepareRuns(rows, new EvalEnvironment(), getProfile('default'))
    expect(runs).toHaveLength(1)
    expect(runs[0].tpot?.actual).toBe(10)
    expect(runs[0].ttft).toBeUndefined()
  })

  it('max_running_requests sets the engine\'s cap over its file and over its default by GPU', () => {
    const {rows} = parseMeasurements([`${HEADER},${EXTRA}`, run('tpot_ms', 10, '1024'), run('ttft_ms', 10)].join('\n') + '\n', 'm.csv', '/data')
    expect(rowSettings(rows[0])).toEqual({max_running_requests: 1024})
    expect(rowSettings(rows[1])).toEqual({})
    // vLLM runs 256 requests at most on an A100 (its gpu_defaults); the row's 1,024 wins.
    const a100 = {name: 'A100-SXM', memGiB: 80}
    expect(gpuDefaultsOn(rowEngine(rows[1]).gpuDefaults, a100).values.max_running_requests).toBe(256)
    const engine = rowEngine(rows[0])
    expect(engine.params.max_running_requests).toBe(1024)
    expect(gpuDefaultsOn(engine.gpuDefaults, a100).values.max_running_requests).toBeUndefined()
  })

  it('gpu_memory_fraction sets the engine\'s memory share for the row; one that is not a share is refused, its column named', async () => {
    expect(rowSettings({extra: {gpu_memory_fraction: '0.93'}})).toEqual({gpu_memory_fraction: 0.93})
    expect(() => rowSettings({extra: {gpu_memory_fraction: '1.5'}})).toThrow(/column "gpu_memory_fraction": "1.5" is not a share of the memory above 0 and at most 1/)
    // TensorRT-LLM's pool is its share of the memory left after the weights: a smaller share, a smaller pool.
    // 2,000 clients are more than either pool holds: the smaller pool runs fewer at once, so its steps are shorter.
    const dir = tempDir()
    const row = (share: string) => `${run('tpot_ms', 10).replace(',vllm,', ',trtllm,').replace(',serving,,16,', ',serving,,2000,')},${share}`
    const {rows} = parseMeasurements([`${HEADER},${EXTRA},gpu_memory_fraction`, row('0.5')].join('\n') + '\n', 'm.csv', '/data')
    expect(rowEngine(rows[0]).params.gpu_memory_fraction).toBe(0.5)
    const file = writeCsv(dir, 'share.csv', [`${HEADER},${EXTRA},gpu_memory_fraction`, row('0.5').replace('Q32-', 'HALF-'), row('0.9').replace('Q32-', 'MOST-')])
    const [half, most] = (await calibrate({measurements: [file], profile: 'default'})).rows.map((o) => o.simulated!)
    expect(half).toBeLessThan(most)
  })

  it('cuda_graph_batch_sizes pads the row\'s decode steps to the next captured batch; one that is not a list is refused, its column named', async () => {
    expect(rowSettings({extra: {cuda_graph_batch_sizes: '1 2 4 8'}})).toEqual({cuda_graph_batch_sizes: [1, 2, 4, 8]})
    expect(() => rowSettings({extra: {cuda_graph_batch_sizes: '1 2 x'}})).toThrow(/column "cuda_graph_batch_sizes": "x" is not a list of batch sizes/)
    // A TensorRT-LLM Llama-3.1-8B run on one B200 at 450 requests: with graphs at 384 and 512 its decode steps run 512.
    const row = (id: string, graphs: string) => `${id},llama-3.1-8b,B200-SXM,1,1,1,0,0,0,0,1024,1024,serving,,450,output_tgs,1000,test,,,,trtllm,,,${graphs}`
    const file = writeCsv(tempDir(), 'graphs.csv', [`${HEADER},${EXTRA},cuda_graph_batch_sizes`, row('PLAIN', ''), row('PADDED', '384 512')])
    const [plain, padded] = (await calibrate({measurements: [file], profile: 'default'})).rows.map((o) => o.simulated!)
    expect(padded).toBeLessThan(plain)
  })

  it('a max_running_requests that is not a positive whole number is refused, its column named', () => {
    const {rows, problems} = parseMeasurements([`${HEADER},${EXTRA}`, run('tpot_ms', 10, 'lots')].join('\n') + '\n', 'm.csv', '/data')
    expect(rows).toEqual([])
    expect(problems[0].message).toMatch(/max_running_requests: must be a whole number of 1 or more, or empty/)
  })
})

describe('NVIDIA\'s published trtllm-bench throughputs (calibration/trtllm-bench.csv), never fitted', async () => {
  const file = path.resolve('calibration/trtllm-bench.csv')
  const result = await calibrate({measurements: [file], profile: 'default'})
  const t = result.serving_accuracy!.default.throughput!

  it('every row evaluates: 228 runs on B200, GB200, H200 and H100', () => {
    expect(result.rows.filter((o) => o.status === 'ok')).toHaveLength(228)
    expect(Object.fromEntries(Object.entries(t.byGpu).map(([g, e]) => [g, e.rows]))).toEqual({'B200-SXM': 65, 'GB200-NVL72': 63, 'H100-SXM': 45, 'H200-SXM': 55})
    // 46 of them name a DEP column (attention data-parallel): 44 of the Performance Overview, 2 of the DeepSeek-R1 guide.
    expect(Object.fromEntries(Object.entries(t.byLayout).map(([l, e]) => [l, e.rows]))).toEqual({'attention-data-parallel': 46, 'tensor-parallel': 182})
  })

  it('Blackwell, which no fit has seen, comes within 25% MAPE, as close as the Hopper GPUs the engines were fitted on', () => {
    for (const g of ['B200-SXM', 'GB200-NVL72', 'H100-SXM', 'H200-SXM']) expect(t.byGpu[g].mape).toBeLessThan(25)
    expect(t.all.over2x).toBeLessThan(5)
  })

  it('the bundled TensorRT-LLM file carries their error by GPU and layout, the DEP columns as attention data-parallel', () => {
    const checks: {gpu: string; layout: string; runs: number}[] = JSON.parse(readFileSync(path.resolve('data/engines/trtllm.json'), 'utf8')).accuracy.outputRate.checks
    // The ids name the layout as NVIDIA's columns do: DEP<n> (attention data-parallel, experts over n GPUs) or TP<n>.
    const ids = readFileSync(file, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[0])
    const gpuOf = (id: string) => ({B200: 'B200-SXM', GB200: 'GB200-NVL72', H200: 'H200-SXM', H100: 'H100-SXM'})[id.match(/-(B200|GB200|H200|H100)-/)![1]]!
    const count = (gpu: string, dep: boolean) => ids.filter((id) => gpuOf(id) === gpu && /-DEP\d/.test(id) === dep).length
    for (const c of checks) expect(c.runs).toBe(count(c.gpu, c.layout === 'attention-data-parallel'))
    expect(checks.reduce((n, c) => n + c.runs, 0)).toBe(228)
  })

  it('simulate --serving on B200 with TensorRT-LLM prints the check of its layout', async () => {
    const ids = readFileSync(file, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[0])
    const tp = ids.filter((id) => /-B200-/.test(id) && !/-DEP\d/.test(id)).length
    const r = await runCli(['simulate', '--serving', '-m', 'llama-3.1-70b', '-g', 'B200-SXM', '--engine', 'trtllm', '--isl', '1024', '--osl', '1024', '--concurrency', '32'])
    expect(r.exitCode).toBe(0)
    expect(r.stdout).toContain(`Measured output rates no fit read: ${tp} tensor-parallel runs on B200-SXM (calibration/trtllm-bench.csv) came out within`)
  })

  it('calibrate prints the output-rate rows per GPU and model', async () => {
    const r = await runCli(['calibrate', '--measurements', file, '--profile', 'default'])
    expect(r.exitCode).toBe(0)
    expect(r.stdout).toMatch(/serving output tokens\/s\/GPU rows, profile default \(228 rows; MAPE, median absolute % error, share of rows more than 2x off\):/)
    expect(r.stdout).toMatch(/\n {2}on GB200-NVL72 +63 +[\d.]+% +[\d.]+% +[\d.]+%\n/)
    expect(r.stdout).toMatch(/\n {2}attention-data-parallel +46 +[\d.]+% +[\d.]+% +[\d.]+%\n/)
  })
})

describe('an output-rate row with its requests in all (column requests)', async () => {
  const EXTRA_REQUESTS = `${EXTRA},requests`
  /** A vLLM Qwen3-32B run on two H100s, 1,024 tokens in and 256 out, at `clients`, with `requests` in all (empty: the steady state). */
  const row = (id: string, clients: number, requests = '') =>
    [id, 'qwen3-32b', 'H100-SXM', 2, 1, 2, 0, 0, 0, 0, 1024, 256, 'serving', '', clients, 'output_tgs', 1000, 'test', '', '', '', 'vllm', '', '', requests].join(',')
  const file = writeCsv(tempDir(), 'm.csv', [`${HEADER},${EXTRA_REQUESTS}`, row('ONE16', 16, '16'), row('ONE8', 8, '8'), row('RUN40', 16, '40'), row('STEADY16', 16)])
  const sim = Object.fromEntries((await calibrate({measurements: [file], profile: 'default'})).rows.map((o) => [o.id, o.simulated!]))

  it('runs in waves: 40 requests 16 at a time are two waves of 16 and one of 8, each as long as a run of just that wave', () => {
    // A run of one wave of n takes n x osl / (tp x its tokens/GPU/s); the run's rate is its tokens over the waves' time.
    const expected = 40 / ((2 * 16) / sim.ONE16 + 8 / sim.ONE8)
    expect(Math.abs(sim.RUN40 / expected - 1)).toBeLessThan(1e-9)
  })

  it('a finite run is read apart from the steady state of its clients', () => {
    expect(sim.ONE16).not.toBeCloseTo(sim.STEADY16, 3)
  })

  it('fewer requests than clients is refused, the column named', async () => {
    const bad = writeCsv(tempDir(), 'bad.csv', [`${HEADER},${EXTRA_REQUESTS}`, row('BAD', 16, '8')])
    const r = await calibrate({measurements: [bad], profile: 'default', keepGoing: true})
    expect(r.rows[0].status).not.toBe('ok')
    expect(JSON.stringify(r.rows[0])).toMatch(/column \\"requests\\": 8 is fewer than the run's 16 clients/)
  })
})
