// Benchmark of serving rows: 1000 synthetic `serving` rows (the H100 set's models, engines,
// TP sizes, MoE EP, lengths and concurrencies, all combinations mixed) evaluated in-process from a
// cold start (tables and configs read, step costs built) and again warm. Target: 1000 rows < 2 s cold.
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const HEADER = 'id,model,gpu,world_size,nodes,tp,fp8_gemm,fp8_kv,deepep,tbo,isl,osl,phase,max_prefill_tokens,decode_batch,metric,actual,source,notes,moe_tp,moe_ep,backend'
// model, fp8 GEMM, engine, TP sizes, MoE EP (as a share of tp: 0 = none, 1 = all of tp)
const SETUPS = [
  ['llama-3.1-8b', 0, 'trtllm', [1, 2, 4, 8], 0],
  ['qwen3-32b', 1, 'trtllm', [1, 2, 4, 8], 0],
  ['qwen3-32b', 0, 'vllm', [2, 4, 8], 0],
  ['qwen3-32b', 0, 'sglang', [2, 4, 8], 0],
  ['llama-3.1-70b', 1, 'vllm', [2, 4, 8], 0],
  ['qwen3-235b-a22b', 1, 'trtllm', [4, 8], 1],
  ['minimax-m2.5', 1, 'vllm', [4], 1],
  ['gpt-oss-120b', 1, 'trtllm', [2, 4], 0],
]
const LENGTHS = [[128, 128], [1024, 128], [1024, 512], [2048, 256], [4096, 512], [8192, 1024], [1024, 8192]]
const CONCURRENCY = [4, 8, 16, 32, 64, 128]
const lines = [HEADER]
for (let i = 0; i < 1000; i++) {
  const [model, fp8, engine, tps, epShare] = SETUPS[i % SETUPS.length]
  const tp = tps[Math.floor(i / SETUPS.length) % tps.length]
  const [isl, osl] = LENGTHS[Math.floor(i / 3) % LENGTHS.length]
  const c = CONCURRENCY[Math.floor(i / 7) % CONCURRENCY.length]
  const ep = epShare ? tp : 1
  const metric = i % 2 ? 'ttft_ms' : 'tpot_ms'
  lines.push([`BENCH-SERVING-${i}`, model, 'H100-SXM', tp, 1, tp, fp8, 0, 0, 0, isl, osl, 'serving', '', c, metric, 100, 'synthetic benchmark row', '', tp / ep, ep, engine].join(','))
}
const dir = mkdtempSync(path.join(os.tmpdir(), 'infersim-bench-'))
// Removed however the benchmark ends: it leaves nothing in the temporary folder.
process.on('exit', () => rmSync(dir, {recursive: true, force: true}))
const file = path.join(dir, 'serving.csv')
writeFileSync(file, `${lines.join('\n')}\n`)

const {runCalibration} = await import(path.join(root, 'dist', 'calibrate', 'run.js'))
const {EvalEnvironment} = await import(path.join(root, 'dist', 'calibrate', 'environment.js'))
const {evaluateRows} = await import(path.join(root, 'dist', 'calibrate', 'runner.js'))
const {getProfile} = await import(path.join(root, 'dist', 'profile.js'))

const t0 = performance.now()
const cpu0 = process.cpuUsage()
const run = runCalibration({files: [file], profiles: ['default'], keepGoing: true})
const cold = performance.now() - t0
const used = process.cpuUsage(cpu0)
const coldCpu = (used.user + used.system) / 1000
const bad = run.outcomes.default.filter((o) => o.status !== 'ok')
// The same rows again in the same environment: tables, configs and step costs are already built.
const env = new EvalEnvironment()
evaluateRows(run.rows, env, getProfile('default'))
const t1 = performance.now()
evaluateRows(run.rows, env, getProfile('default'))
const warm = performance.now() - t1
console.log(`serving rows: ${run.rows.length}, evaluated ${run.rows.length - bad.length}, not evaluated ${bad.length}${bad.length ? ` (first: ${bad[0].id}: ${bad[0].error})` : ''}`)
console.log(`1000 serving rows, cold (CSV read, tables, configs, step costs built): ${cold.toFixed(0)} ms wall, ${coldCpu.toFixed(0)} ms CPU (target < 2000 ms; load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores)`)
console.log(`1000 serving rows, warm (step costs built; one mean-field solve per row): ${warm.toFixed(0)} ms (${warm.toFixed(0)} us per row)`)
if (cold > 2000) process.exitCode = 1
