// Benchmark of `infersim tables score` (issue 15): leave-one-out over every bundled table, as a user runs it
// (target: under 60 s on 2 cores, with and without --borrowing), and the step that made it slow: each hidden point
// needs the table's grid without that point; rebuilding it per point is quadratic in the table's rows, deriving it
// from the table's own grid (leaveOut) is not. The ratio of the two is measured in this run, on the same points.
import {availableParallelism, loadavg} from 'node:os'
import path from 'node:path'
import {root, runOnce} from './lib/cli-process.js'

const dist = (p) => import(path.join(root, 'dist', p))

console.log('tables score benchmark')
console.log(`  machine: ${availableParallelism()} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} (other work on the machine slows every figure)`)
for (const args of [['tables', 'score'], ['tables', 'score', '--borrowing']]) {
  const r = runOnce(args)
  console.log(
    `  infersim ${args.join(' ')} --json: ${r.wall.toFixed(1)} s whole process (target < 60 s; CPU time ${r.cpuSeconds.toFixed(1)} s), peak memory ${(r.maxRssKb / 1024).toFixed(0)} MB,` +
      ` ${r.result.tables.length} tables, ${r.result.overall.points.toLocaleString('en-US')} points`,
  )
}

// Leave-one-out grids of decode-attention tables: rebuilt from the other rows vs derived from the table's grid.
const {loadTableSet} = await dist('io/tables.js')
const {buildKernelGrid, estimate, leaveOut} = await dist('tables/interpolate/kernel-grid.js')
const {attentionConfig, decodeModel} = await dist('tables/interpolate/attention-model.js')
const tables = loadTableSet(undefined, ['h100-sxm'])
const cases = []
for (const p of tables.paths().filter((x) => x.startsWith('mha/decode/')).slice(0, 40)) {
  const table = tables.get(p)
  const rows = table.rows.filter((r) => r.values.kv_dtype === 'bf16')
  const model = decodeModel(attentionConfig(p), 'bf16')
  const grid = buildKernelGrid(table, rows, model)
  for (let i = 0; i < rows.length; i += 7) cases.push({table, rows, model, grid, hidden: rows[i]})
}
const query = (r) => ({batch_size: r.values.batch_size, kv_len: r.values.kv_len})
const env = {memBw: 3350}
const time = (fn) => {
  const t = performance.now()
  let sum = 0
  for (const c of cases) sum += fn(c)?.value ?? 0
  return {ms: performance.now() - t, sum}
}
const rebuilt = time((c) => {
  const g = buildKernelGrid(c.table, c.rows.filter((r) => r !== c.hidden), c.model)
  return g && estimate(g, query(c.hidden), env, 'latency')
})
const derived = time((c) => {
  const g = leaveOut(c.grid, new Set([c.hidden.line]))
  return g && estimate(g, query(c.hidden), env, 'latency')
})
if (rebuilt.sum !== derived.sum) throw new Error(`leave-one-out estimates differ: ${rebuilt.sum} vs ${derived.sum}`)
console.log(
  `  leave-one-out grid of one hidden point, H100-SXM decode attention (${cases.length} points, ~${Math.round(cases.reduce((a, c) => a + c.rows.length, 0) / cases.length)} rows a table):` +
    ` rebuilt ${((rebuilt.ms * 1000) / cases.length).toFixed(1)} us, derived ${((derived.ms * 1000) / cases.length).toFixed(1)} us (${(rebuilt.ms / derived.ms).toFixed(1)}x), same estimates`,
)
