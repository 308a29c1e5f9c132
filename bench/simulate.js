// Benchmarks of `infersim simulate` (issue 2): the whole process for the DeepSeek-V3 decode
// example (median of runs, next to a bare `node -e 1` measured in the same run), and one
// simulation in-process with tables already loaded.
import {execFileSync} from 'node:child_process'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const ARGS = ['simulate', '--profile', 'infersim', '--model', 'deepseek-v3-infersim', '--gpu', 'H800', '--world-size', '128', '--nodes', '16',
  '--fp8-gemm', '--deepep', '--tbo', '--osl', '1786', '--decode-batch', '64', '--decode-only']
const RUNS = Number(process.env.BENCH_RUNS ?? 9)

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

function timeProcess(args) {
  const times = []
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now()
    execFileSync('node', args, {cwd: root, stdio: 'ignore'})
    times.push(performance.now() - t)
  }
  return median(times)
}

const bare = timeProcess(['-e', '1'])
const whole = timeProcess([path.join(root, 'bin', 'run.js'), ...ARGS])

const {loadSimInputs} = await import(path.join(root, 'dist', 'io', 'inputs.js'))
const {simulate} = await import(path.join(root, 'dist', 'sim', 'simulate.js'))
const cases = [
  {name: 'deepseek-v3 decode (H800, W=128, DeepEP, TBO)', req: {model: 'deepseek-v3-infersim', gpu: 'H800'},
    d: {worldSize: 128, nodes: 16, tp: 1, fp8Gemm: true, fp8Kv: false, deepep: true, tbo: true, smRatio: 108 / 132, maxPrefillTokens: 4096, decodeBatch: 64, targetTgs: 2560, targetTpot: 50, isl: 4096, osl: 1786, mode: 'decode'}},
  {name: 'qwen3-8b prefill+decode (H20)', req: {model: 'qwen3-8b', gpu: 'H20'},
    d: {worldSize: 1, nodes: 1, tp: 1, fp8Gemm: true, fp8Kv: false, deepep: false, tbo: false, smRatio: 108 / 132, maxPrefillTokens: 16384, decodeBatch: 64, targetTgs: 2560, targetTpot: 50, isl: 4096, osl: 2048, mode: 'both'}},
]
const inProcess = {}
for (const profile of ['infersim', 'default']) {
  for (const c of cases) {
    const inputs = loadSimInputs({...c.req, profile})
    const run = () => simulate(inputs.model, c.d, inputs.gpu, inputs.tables, inputs.profile)
    for (let i = 0; i < 2000; i++) run()
    const n = 20000
    const t = performance.now()
    for (let i = 0; i < n; i++) run()
    inProcess[`${profile}: ${c.name}`] = ((performance.now() - t) * 1000) / n
  }
}

console.log('simulate benchmark')
console.log(`  node -e 1 (bare process, median of ${RUNS}):         ${bare.toFixed(1)} ms`)
console.log(`  infersim simulate, DeepSeek-V3 decode (median):  ${whole.toFixed(1)} ms  (${(whole / bare).toFixed(2)}x a bare node; target 130 ms where bare node is ~60 ms, i.e. <= ~2.2x)`)
for (const [k, v] of Object.entries(inProcess)) console.log(`  one simulation in-process, ${k}: ${v.toFixed(1)} us (target 50 us)`)
