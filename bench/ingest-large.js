// Benchmark of `infersim ingest` on large inputs (issue 15): one GEMM table of
// 100,000 and of 1,000,000 rows (a synthetic CSV, plausible MFU), ingested into
// an empty folder by a whole `infersim ingest` process each. Reported: time,
// rows per second, peak memory, and the scaling ratio
// t(1M) / (10 x t(100k)) (1.0 = linear). When streaming and the per-row
// savings went in, one measurement of 1M rows on a shared 2-core machine gave
// 34 s of CPU and 2.9 GB peak before, 19 s and 1.9 GB after.
import {spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const dir = mkdtempSync(path.join(tmpdir(), 'infersim-bench-ingest-large-'))
const PEAK_TFLOPS = 989 // H100-SXM dense BF16 (data/gpus.json)

function gemmCsv(rows) {
  const lines = ['m,k,n,latency_us,mfu']
  const sites = Math.ceil(rows / 10_000)
  for (let s = 0; s < sites; s++) {
    const k = 128 * (s + 1)
    for (let m = 1; m <= 10_000 && lines.length <= rows; m++) {
      const latencyUs = 10 + (m * k * 4096 * 2) / 1e12 / 0.5 * 1e6 * 0.001
      const mfu = (2 * m * k * 4096) / (latencyUs * 1e-6) / (PEAK_TFLOPS * 1e12)
      lines.push(`${m},${k},4096,${latencyUs.toFixed(3)},${mfu.toPrecision(4)}`)
    }
  }
  const file = path.join(dir, `gemm-${rows}.csv`)
  writeFileSync(file, `${lines.join('\n')}\n`)
  return file
}

function ingestOnce(rows) {
  const input = gemmCsv(rows)
  const out = path.join(dir, `out-${rows}`)
  const t = performance.now()
  // /usr/bin/time is not everywhere: the child reports its own peak RSS on exit.
  const probe = `process.on('exit', () => process.stderr.write('\\nMAXRSS ' + process.resourceUsage().maxRSS + '\\n'))`
  const {stderr, status} = spawnSync('node', ['--import', `data:text/javascript,${encodeURIComponent(probe)}`, path.join(root, 'bin', 'run.js'), 'ingest', input, '--kernel', 'gemm', '--gpu', 'H100-SXM', '--shape', 'bf16', '--out', out], {
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  })
  if (status !== 0) throw new Error(`ingest of ${rows} rows failed:\n${stderr}`)
  const ms = performance.now() - t
  const maxRssKb = Number(/MAXRSS (\d+)/.exec(stderr)?.[1] ?? NaN)
  rmSync(out, {recursive: true, force: true})
  return {rows, ms, maxRssKb, progressLines: stderr.split('\n').filter((l) => l.startsWith('ingest:')).length}
}

const small = ingestOnce(100_000)
const large = ingestOnce(1_000_000)
rmSync(dir, {recursive: true, force: true})

console.log('ingest of large inputs (one GEMM table, whole process into an empty folder)')
for (const r of [small, large]) {
  console.log(
    `  ${r.rows.toLocaleString('en-US').padStart(9)} rows: ${(r.ms / 1000).toFixed(1)} s, ${Math.round(r.rows / (r.ms / 1000)).toLocaleString('en-US')} rows/s, peak ${(r.maxRssKb / 1024).toFixed(0)} MiB, ${r.progressLines} progress lines on stderr`,
  )
}
console.log(`  scaling t(1M) / (10 x t(100k)): ${(large.ms / (10 * small.ms)).toFixed(2)}  (1.00 = linear)`)
console.log(`  memory per row at 1M: ${((large.maxRssKb * 1024) / large.rows).toFixed(0)} bytes`)
