// Benchmarks of `infersim sweep` (issues 9 and 16), each a whole process as a user runs it:
// - the default sweep of a large MoE model: DeepSeek-V3 on H800 over 8-256 GPUs (target: under 10 s, peak memory under 300 MB);
// - a large space (DeepSeek-V3 on H800 and H20 over 8-512 GPUs, four weight formats, decode batches 1-1500, 8 prefill budgets) in one
//   thread and on worker threads, for the simulation rate (target: 50,000 simulated deployments per second on 2 cores).
// - in-process through the library (issue 16): a sweep of over 200,000 simulations of DeepSeek-V3 on H100-SXM in a
//   fresh process, timed from before `import('infersim')` to the result, so loading the library, the model and
//   the tables is included (target: 50,000 simulations per second).
// Simulations are phase runs of `simulate` (prefill or decode); a sweep covers layouts x prefill budgets x decode
// batches deployments with them, since prefill does not depend on the decode batch nor decode on the prefill budget.
import {spawnSync} from 'node:child_process'
import {availableParallelism, loadavg} from 'node:os'
import path from 'node:path'
import {root, runOnce} from './lib/cli-process.js'

const RUNS = Number(process.env.BENCH_RUNS ?? 3)

/** Median run by wall time, and the highest peak memory of all runs. */
function measure(args) {
  const runs = Array.from({length: RUNS}, () => runOnce(args)).sort((a, b) => a.wall - b.wall)
  return {median: runs[Math.floor(runs.length / 2)], peakMb: Math.max(...runs.map((r) => r.maxRssKb)) / 1024}
}

const n0 = (v) => Math.round(v).toLocaleString('en-US')

const DEFAULT = ['sweep', '--model', 'deepseek-v3', '--gpu', 'H800', '--min-gpus', '8', '--max-gpus', '256', '--tpot-max', '50', '--ttft-max', '5000']
const batches = Array.from({length: 1500}, (_, i) => i + 1).join(',')
const LARGE = ['sweep', '--model', 'deepseek-v3', '--gpu', 'H800,H20', '--min-gpus', '8', '--max-gpus', '512', '--weight-formats', 'auto,bf16,fp8,int4',
  '--tbo', 'on', '--decode-batches', batches, '--prefill-tokens', '4096,8192,12288,16384,20480,24576,28672,32768', '--tpot-max', '50']

console.log('sweep benchmark')
console.log(`  machine: ${availableParallelism()} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} (other work on the machine slows every figure)`)

const d = measure(DEFAULT)
const r = d.median.result
console.log(`  default sweep, DeepSeek-V3 on H800 over 8-256 GPUs (median of ${RUNS} processes):`)
console.log(`    ${d.median.wall.toFixed(2)} s whole process (target < 10 s; CPU time ${d.median.cpuSeconds.toFixed(2)} s), peak memory ${d.peakMb.toFixed(0)} MB (target < 300 MB)`)
console.log(
  `    ${n0(r.counts.layouts)} layouts, ${n0(r.counts.simulations.total)} simulations covering ${n0(r.counts.deploymentsCovered)} deployments in ${r.timing.seconds.toFixed(2)} s of sweeping` +
    ` (${n0(r.timing.simulationsPerSecond)} simulations/s, ${r.timing.workers > 0 ? `${r.timing.workers} worker threads` : 'in-process'})`,
)

for (const workers of ['0', String(availableParallelism())]) {
  const m = measure([...LARGE, '--workers', workers])
  const x = m.median.result
  const seconds = x.timing.seconds
  console.log(`  large space, ${workers === '0' ? 'one thread' : `${workers} worker threads`} (median of ${RUNS} processes):`)
  console.log(
    `    ${n0(x.counts.simulations.total)} simulations in ${seconds.toFixed(2)} s: ${n0(x.counts.simulations.total / seconds)} simulations/s (target 50,000),` +
      ` ${n0(x.counts.deploymentsCovered / seconds)} deployments covered/s; whole process ${m.median.wall.toFixed(2)} s, peak memory ${m.peakMb.toFixed(0)} MB`,
  )
  // CPU time counts only this process's work, so it reads the same on a busy machine: simulations per CPU-second of the
  // whole process (start-up, loading and worker threads included) times the cores is the rate the cores could reach.
  const perCpuSecond = x.counts.simulations.total / m.median.cpuSeconds
  const cores = Math.max(1, Number(workers))
  console.log(
    `    CPU time ${m.median.cpuSeconds.toFixed(2)} s: ${n0(perCpuSecond)} simulations per CPU-second` +
      (cores > 1 ? ` (on ${cores} idle cores about ${n0(perCpuSecond * cores)} simulations/s)` : ''),
  )
}

// The library in a fresh process: loading included.
const LIBRARY_SWEEP = `const t0 = performance.now()
const {sweep} = await import(${JSON.stringify(path.join(root, 'dist', 'library.js'))})
const r = await sweep({model: 'deepseek-v3', gpu: 'H100-SXM', minGpus: 8, maxGpus: 1024, weightFormats: ['auto', 'bf16', 'fp8', 'int4'], tbo: 'on',
  decodeBatches: Array.from({length: 2000}, (_, i) => i + 1), prefillTokens: [4096, 8192, 12288, 16384, 20480, 24576, 28672, 32768], tpotMax: 50, workers: 0})
const u = process.cpuUsage()
console.log(JSON.stringify({simulations: r.counts.simulations.total, seconds: (performance.now() - t0) / 1000, cpuSeconds: (u.user + u.system) / 1e6}))`
const lib = Array.from({length: RUNS}, () => JSON.parse(spawnSync('node', ['--input-type=module', '-e', LIBRARY_SWEEP], {cwd: root, encoding: 'utf8'}).stdout)).sort((a, b) => a.seconds - b.seconds)
const m = lib[Math.floor(lib.length / 2)]
const rate = m.simulations / m.seconds
console.log(`  library sweep in-process, DeepSeek-V3 on H100-SXM over 8-1024 GPUs, loading included (median of ${RUNS} processes):`)
console.log(
  `    ${n0(m.simulations)} simulations in ${m.seconds.toFixed(2)} s: ${n0(rate)} simulations/s (target >= 50,000: ${rate >= 50_000 ? 'met' : 'NOT met'}); ` +
    `CPU time ${m.cpuSeconds.toFixed(2)} s: ${n0(m.simulations / m.cpuSeconds)} simulations per CPU-second`,
)

// Speculative decoding (--mtp) in the phase sweep: the verify's attention and the draft cost each simulation a little
// more; measured against the same sweep without it in one process, after a first sweep has loaded the tables.
// A simulation with a draft does about two simulations' lookups (the verify over k + 1 tokens a request, then the
// draft's layer, LM head and attention over one), so half the rate is the most to expect; target: at least a third
// (before the draft read its step cost at exactly its token counts and the search for a table with more heads was
// kept per table set, a twelfth).
const MTP_SWEEP = `const {sweep} = await import(${JSON.stringify(path.join(root, 'dist', 'library.js'))})
const space = {model: 'deepseek-v3', gpu: 'H100-SXM', minGpus: 8, maxGpus: 256, decodeBatches: Array.from({length: 500}, (_, i) => i + 1), tpotMax: 50, workers: 0}
await sweep(space)
const rate = {plain: [], mtp: []}
for (let i = 0; i < 3; i++) for (const mtp of [0, 1]) {
  const r = await sweep(mtp ? {...space, mtp} : space)
  rate[mtp ? 'mtp' : 'plain'].push(r.counts.simulations.total / r.timing.seconds)
}
const median = (v) => v.sort((a, b) => a - b)[1]
console.log(JSON.stringify({plain: median(rate.plain), mtp: median(rate.mtp)}))`
const spec = JSON.parse(spawnSync('node', ['--input-type=module', '-e', MTP_SWEEP], {cwd: root, encoding: 'utf8'}).stdout)
const ratio = spec.mtp / spec.plain
console.log(`  phase sweep with --mtp 1 against without, DeepSeek-V3 on H100-SXM over 8-256 GPUs, tables loaded (median of 3 sweeps each, one process):`)
console.log(`    ${n0(spec.mtp)} against ${n0(spec.plain)} simulations/s: ${ratio.toFixed(2)} of the rate (target >= 0.33: ${ratio >= 1 / 3 ? 'met' : 'NOT met'})`)
