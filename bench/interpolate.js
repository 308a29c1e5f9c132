// Benchmarks of the default profile's MFU lookups (issue 5): one interpolated lookup with nothing memoized
// (table indexes built, resolver memo bypassed), and one full simulation in-process under the default profile,
// with the resolver's memo warm (a sweep) and cold (every lookup computed again: a fresh TableSet each run).
// Target: a full simulation within 50 us.
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const dist = (p) => import(path.join(root, 'dist', p))
const {loadSimInputs} = await dist('io/inputs.js')
const {simulate} = await dist('sim/simulate.js')
const {defaultInterpolator} = await dist('tables/interpolate/index.js')

const perCall = (fn, n) => {
  for (let i = 0; i < Math.min(n, 2000); i++) fn(i)
  const t = performance.now()
  for (let i = 0; i < n; i++) fn(i)
  return ((performance.now() - t) * 1000) / n
}

const inputs = loadSimInputs({model: 'qwen3-30b-a3b', gpu: 'H20', profile: 'default'})
const env = {memBw: 4096 * 0.8, gemmDtype: 'fp8'}
const t = inputs.tables
const key = {experts: 128, gpus: 4, localExperts: 32, topk: 8, hidden: 2048, intermediate: 768}
const lookups = {
  'GEMM, inside a site': (i) => defaultInterpolator.gemm(t, 'gemm/h20/data.csv', 100 + (i % 500), 4096, 6144, env),
  'GEMM, borrowed (k, n) not measured': (i) => defaultInterpolator.gemm(t, 'gemm/h20/data.csv', 100 + (i % 500), 4000, 6000, env),
  'decode attention, 2-D blend': (i) => defaultInterpolator.decodeAttention(t, 'mha/decode/h20/32-8-128.csv', 20 + (i % 100), 3000 + i, false, env),
  'prefill attention': (i) => defaultInterpolator.prefillAttention(t, 'mha/prefill/h20/32-8-128.csv', 1500 + i, env),
  'MoE grouped GEMM decode': (i) => defaultInterpolator.groupedGemm(t, 'grouped_gemm/decode/h20/data.csv', 'decode', key, 20 + (i % 300), env),
}

const d = {worldSize: 4, nodes: 1, tp: 1, fp8Gemm: true, fp8Kv: false, deepep: false, tbo: false, smRatio: 108 / 132, maxPrefillTokens: 8192,
  decodeBatch: 100, targetTgs: 2560, targetTpot: 50, isl: 4096, osl: 2048, mode: 'both'}
const warm = perCall(() => simulate(inputs.model, d, inputs.gpu, t, inputs.profile), 20000)
// A fresh TableSet over the same (indexed) tables: the resolver's memo misses on every lookup.
const fresh = () => ({root: t.root, get: t.get, has: t.has, paths: t.paths})
const cold = perCall((i) => simulate(inputs.model, {...d, decodeBatch: 64 + (i % 64)}, inputs.gpu, fresh(), inputs.profile), 5000)

console.log('interpolation benchmark (H20 tables, default profile)')
for (const [name, fn] of Object.entries(lookups)) console.log(`  one lookup, ${name}: ${perCall(fn, 20000).toFixed(2)} us`)
console.log(`  one simulation in-process, qwen3-30b-a3b W=4, memo warm: ${warm.toFixed(1)} us (target 50 us)`)
console.log(`  one simulation in-process, qwen3-30b-a3b W=4, every lookup recomputed: ${cold.toFixed(1)} us (target 50 us)`)
