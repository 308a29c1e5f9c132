// Benchmark of `infersim ingest` (issue 3): the whole InferSim reference corpus (38 CSV tables,
// 1884 rows) ingested into an empty folder, as a whole process (median of runs, target < 2 s),
// and the read + validate + merge + format part in-process (dry run).
import {execFileSync} from 'node:child_process'
import {cpSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const RAW = path.join(root, 'bench_data', 'raw', 'infersim-reference')
const COLUMNS = 'dtype,kv_dtype,batch_size,kv_len,latency_us,mfu'
const RUNS = Number(process.env.BENCH_RUNS ?? 7)
const TARGET_MS = 2000

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

function freshOut() {
  const out = mkdtempSync(path.join(tmpdir(), 'infersim-bench-ingest-'))
  cpSync(RAW, path.join(out, 'raw', 'infersim-reference'), {recursive: true})
  return out
}

const whole = []
for (let i = 0; i < RUNS; i++) {
  const out = freshOut()
  const t = performance.now()
  execFileSync('node', [path.join(root, 'bin', 'run.js'), 'ingest', path.join(out, 'raw', 'infersim-reference'), '--out', out, '--fresh', '--columns', COLUMNS, '--json'], {stdio: 'ignore'})
  whole.push(performance.now() - t)
  rmSync(out, {recursive: true, force: true})
}

const {readInputs} = await import(path.join(root, 'dist', 'ingest', 'readers', 'inputs.js'))
const {ingest} = await import(path.join(root, 'dist', 'ingest', 'pipeline.js'))
const {loadGpus} = await import(path.join(root, 'dist', 'io', 'gpus.js'))
const gpus = loadGpus()
const out = freshOut()
const inProcess = []
for (let i = 0; i < RUNS + 2; i++) {
  const t = performance.now()
  const reads = await readInputs([RAW], {out, hints: {}, columns: COLUMNS.split(','), notes: {}})
  const s = ingest(reads, {out, gpus, onConflict: 'error', strict: false, dryRun: true, skipInvalid: false})
  if (i >= 2) inProcess.push(performance.now() - t)
  if (s.read !== 1884) throw new Error(`expected 1884 rows, read ${s.read}`)
}
rmSync(out, {recursive: true, force: true})

const w = median(whole)
console.log('ingest benchmark (InferSim reference corpus: 38 tables, 1884 rows)')
console.log(`  whole process, into an empty folder (median of ${RUNS}): ${w.toFixed(0)} ms  (target < ${TARGET_MS} ms: ${w < TARGET_MS ? 'met' : 'MISSED'})`)
console.log(`  in-process read + validate + merge + format (dry run):  ${median(inProcess).toFixed(0)} ms`)
