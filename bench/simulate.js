// Benchmarks of `infersim simulate` (issues 2 and 16):
// - start-up: the whole process as a user runs it, for InferSim's DeepSeek-V3 decode example (H800, its own
//   flag names and config) and for Llama-3.1-70B on four H100s, as ratios to a bare `node -e 1` measured in
//   the same run (medians of 9, the runs interleaved so that other work on the machine weighs on all alike);
//   target: at most 1.25x;
// - one simulation in-process with the tables already loaded (target 50 us).
import {execFileSync, spawnSync} from 'node:child_process'
import {loadavg} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const bin = path.join(root, 'bin', 'run.js')
const RUNS = Number(process.env.BENCH_RUNS ?? 9)
const START_TARGET = 1.25

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

const DEEPSEEK = ['simulate', '--profile', 'infersim', '--config-path', 'hf_configs/deepseek-v3-infersim.json', '--device-type', 'H800', '--world-size', '128', '--num-nodes', '16',
  '--use-fp8-gemm', '--enable-deepep', '--enable-tbo', '--target-osl', '1786', '--decode-bs', '64', '--decode-only']
const LLAMA = ['simulate', '--model', 'llama-3.1-70b', '--gpu', 'H100-SXM', '--world-size', '4', '--tp', '4']

const starts = [
  {name: 'node -e 1 (bare process)', args: ['-e', '1']},
  {name: 'infersim simulate, InferSim DeepSeek-V3 decode (H800)', args: [bin, ...DEEPSEEK], target: START_TARGET},
  {name: 'infersim simulate, Llama-3.1-70B, 4 x H100-SXM, tp 4', args: [bin, ...LLAMA], target: START_TARGET},
  {name: '  the same through oclif (INFERSIM_FAST_START=0), for reference', args: [bin, ...LLAMA], env: {INFERSIM_FAST_START: '0'}},
]
// One run of each first: the code caches are written by a bundle's first run after a build.
for (const s of starts) execFileSync('node', s.args, {cwd: root, stdio: 'ignore', env: {...process.env, ...s.env}})
const wall = starts.map(() => [])
const cpu = starts.map(() => [])
// CPU time of the child (all its threads), read from its own process.cpuUsage() at exit: it reads the same on a busy machine.
const CPU_PROBE = path.join(root, 'bench', 'cpu-probe.cjs')
for (let r = 0; r < RUNS; r++) {
  starts.forEach((s, i) => {
    const t = performance.now()
    const out = spawnSync('node', ['--require', CPU_PROBE, ...s.args], {cwd: root, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', env: {...process.env, ...s.env}})
    wall[i].push(performance.now() - t)
    cpu[i].push(Number(/BENCH_CPU_MS (\S+)/.exec(out.stderr)?.[1]))
  })
}
const bare = median(wall[0])
const bareCpu = median(cpu[0])

console.log('simulate benchmark')
console.log(`  machine load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} (other work on the machine slows every figure)`)
console.log(`  start-up, whole process (median of ${RUNS} interleaved runs; ratio to the bare node of the same run; CPU time beside):`)
starts.forEach((s, i) => {
  const w = median(wall[i])
  const ratio = w / bare
  const verdict = s.target === undefined ? '' : `  target <= ${s.target.toFixed(2)}x: ${ratio <= s.target ? 'met' : 'NOT met'}`
  console.log(`    ${s.name.padEnd(66)} ${w.toFixed(1).padStart(7)} ms  ${ratio.toFixed(2)}x   (CPU ${median(cpu[i]).toFixed(1)} ms, ${(median(cpu[i]) / bareCpu).toFixed(2)}x)${verdict}`)
})

const {loadSimInputs} = await import(path.join(root, 'dist', 'io', 'inputs.js'))
const {simulate} = await import(path.join(root, 'dist', 'sim', 'simulate.js'))
const cases = [
  {name: 'deepseek-v3 decode (H800, W=128, DeepEP, TBO)', req: {model: 'deepseek-v3-infersim', gpu: 'H800'},
    d: {worldSize: 128, nodes: 16, tp: 1, fp8Gemm: true, fp8Kv: false, deepep: true, tbo: true, smRatio: 108 / 132, maxPrefillTokens: 4096, decodeBatch: 64, targetTgs: 2560, targetTpot: 50, isl: 4096, osl: 1786, mode: 'decode'}},
  {name: 'qwen3-8b prefill+decode (H20)', req: {model: 'qwen3-8b', gpu: 'H20'},
    d: {worldSize: 1, nodes: 1, tp: 1, fp8Gemm: true, fp8Kv: false, deepep: false, tbo: false, smRatio: 108 / 132, maxPrefillTokens: 16384, decodeBatch: 64, targetTgs: 2560, targetTpot: 50, isl: 4096, osl: 2048, mode: 'both'}},
]
for (const profile of ['infersim', 'default']) {
  for (const c of cases) {
    const inputs = loadSimInputs({...c.req, profile})
    const run = () => simulate(inputs.model, c.d, inputs.gpu, inputs.tables, inputs.profile)
    for (let i = 0; i < 2000; i++) run()
    const n = 20000
    const t = performance.now()
    for (let i = 0; i < n; i++) run()
    console.log(`  one simulation in-process, ${profile}: ${c.name}: ${(((performance.now() - t) * 1000) / n).toFixed(1)} us (target 50 us)`)
  }
}
