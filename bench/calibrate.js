// Benchmark of `infersim calibrate` (issue 6): 100 measurement rows (varied shapes on the shipped
// H20/H800 setups, prefill, decode and e2e) evaluated in-process from a cold start (tables and
// configs read once), and the whole `infersim calibrate` process on the same file. Target: 100 rows < 1 s.
import {execFileSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const HEADER = 'id,model,gpu,world_size,nodes,tp,fp8_gemm,fp8_kv,deepep,tbo,isl,osl,phase,max_prefill_tokens,decode_batch,metric,actual,source,notes'
// Setups of the shipped InferSim rows (model, gpu, world, nodes, tp, fp8, deepep, tbo) and an e2e one.
const SETUPS = [
  ['deepseek-v3-infersim', 'H800', 32, 4, 1, 1, 1, 1, 'prefill'],
  ['deepseek-v3-infersim', 'H800', 128, 16, 1, 1, 1, 1, 'decode'],
  ['qwen3-30b-a3b', 'H20', 1, 1, 1, 0, 0, 0, 'prefill'],
  ['qwen3-30b-a3b', 'H20', 4, 1, 1, 0, 0, 0, 'decode'],
  ['qwen3-8b', 'H20', 1, 1, 1, 1, 0, 0, 'prefill'],
  ['qwen3-8b', 'H20', 1, 1, 1, 1, 0, 0, 'decode'],
  ['qwen3-8b', 'H20', 1, 1, 1, 1, 0, 0, 'e2e'],
]
const ISL = [1024, 2048, 4096, 8192]
const lines = [HEADER]
for (let i = 0; i < 100; i++) {
  const [model, gpu, w, n, tp, fp8, deepep, tbo, phase] = SETUPS[i % SETUPS.length]
  const isl = ISL[Math.floor(i / SETUPS.length) % ISL.length]
  const batch = 2 * (8 + ((i * 7) % 56))
  const mpt = phase === 'decode' ? '' : 2 * isl * (1 + (i % 4))
  const metric = phase === 'e2e' ? 'output_tgs' : i % 2 ? 'tgs' : phase === 'prefill' ? 'ttft_ms' : 'tpot_ms'
  lines.push([`BENCH-${i}`, model, gpu, w, n, tp, fp8, 0, deepep, tbo, isl, 1024, phase, mpt, phase === 'prefill' ? '' : batch, metric, 1000, 'synthetic benchmark row', ''].join(','))
}
const dir = mkdtempSync(path.join(os.tmpdir(), 'infersim-bench-'))
// Removed however the benchmark ends: it leaves nothing in the temporary folder.
process.on('exit', () => rmSync(dir, {recursive: true, force: true}))
const file = path.join(dir, 'rows.csv')
writeFileSync(file, `${lines.join('\n')}\n`)

const {runCalibration} = await import(path.join(root, 'dist', 'calibrate', 'run.js'))
const timeRun = (profiles) => {
  const t = performance.now()
  const run = runCalibration({files: [file], profiles, keepGoing: true})
  const ms = performance.now() - t
  const failed = Object.values(run.outcomes).flat().filter((o) => o.status !== 'ok')
  if (failed.length) throw new Error(`bench rows failed: ${failed[0].id}: ${failed[0].error}`)
  return ms
}
const cold = timeRun(['default'])
const warm = timeRun(['default'])
const both = timeRun(['infersim', 'default'])

const times = []
for (let i = 0; i < 5; i++) {
  const t = performance.now()
  execFileSync('node', [path.join(root, 'bin', 'run.js'), 'calibrate', '--measurements', file, '--profile', 'default'], {cwd: root, stdio: 'ignore'})
  times.push(performance.now() - t)
}
const proc = [...times].sort((a, b) => a - b)[2]

console.log('calibrate benchmark (100 rows: prefill, decode and e2e on H20/H800 setups)')
console.log(`  in-process, one profile, first run (reads tables and configs): ${cold.toFixed(1)} ms  (target < 1000 ms)`)
console.log(`  in-process, one profile, second run:                            ${warm.toFixed(1)} ms`)
console.log(`  in-process, both profiles:                                      ${both.toFixed(1)} ms`)
console.log(`  whole process, infersim calibrate --profile default (median of 5): ${proc.toFixed(1)} ms`)
