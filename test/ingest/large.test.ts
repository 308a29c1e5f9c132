/**
 * Large inputs: a 150,000-row CSV with duplicate keys goes through (it used to
 * die with "Maximum call stack size exceeded" spreading 150,000 issues into
 * one call), and long work reports progress on stderr. The speed and memory
 * figures of a million rows are in bench/ingest-large.js.
 */
import {execa} from 'execa'
import {existsSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {statusLine} from '../../src/cli/status-line.js'
import {ingest} from '../../src/ingest/pipeline.js'
import {readInputs} from '../../src/ingest/readers/inputs.js'
import {loadGpus} from '../../src/io/gpus.js'
import {BIN, runCli} from '../helpers/cli.js'

const KEYS = 75_000

/** GEMM rows m = 1..keys at k = n = 128, each key twice: the second time 1 µs slower. MFU 0.0: each row gets a warning. */
function duplicatedCsv(dir: string, keys = KEYS): string {
  const lines = ['m,k,n,latency_us,mfu']
  for (const pass of [0, 1]) for (let m = 1; m <= keys; m++) lines.push(`${m},128,128,${(20 + m / 100 + pass).toFixed(2)},0.0`)
  const file = path.join(dir, 'big.csv')
  writeFileSync(file, `${lines.join('\n')}\n`)
  return file
}

describe('a 150,000-row CSV with duplicates', () => {
  it('is ingested with --on-conflict replace: every key once, with its later value', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ingest-large-'))
    const out = path.join(dir, 'out')
    const r = await runCli(['ingest', duplicatedCsv(dir), '--kernel', 'gemm', '--gpu', 'H100-SXM', '--shape', 'bf16', '--out', out, '--on-conflict', 'replace'])
    expect(r.stderr).not.toMatch(/call stack/)
    expect(r.exitCode, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/Rows: 150000 read, 75000 written, 75000 merged/)
    const table = readFileSync(path.join(out, 'gemm', 'h100-sxm', 'bf16.csv'), 'utf8').trim().split('\n')
    expect(table).toHaveLength(KEYS + 1)
    // m = 5: 20 + 0.05 + 1 µs (the second occurrence replaced the first)
    expect(table[5]).toMatch(/^5,128,128,21\.05,/)
  })
})

describe('more rows than the memory holds', () => {
  it('are refused while reading, with what to do, and nothing is written', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ingest-limit-'))
    const out = path.join(dir, 'out')
    // With 50 MiB of old space Node's heap limit is about 98 MiB: 98 MiB x 0.85 / 2 KB = 44,000 rows; the input has 60,000.
    const r = await execa('node', [BIN, 'ingest', duplicatedCsv(dir, 30_000), '--kernel', 'gemm', '--gpu', 'H100-SXM', '--shape', 'bf16', '--out', out], {
      reject: false,
      env: {NODE_OPTIONS: '--max-old-space-size=50'},
    })
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toMatch(/big\.csv: the inputs hold more than [\d,]+ rows, more than one ingest can merge in the \d+ MiB of memory .*nothing was written\. .*NODE_OPTIONS=--max-old-space-size=\d+/)
    expect(r.stderr).not.toMatch(/heap out of memory|\n\s+at /)
    expect(existsSync(out)).toBe(false)
  })
})

describe('progress of long work', () => {
  it('the status line stays quiet for a second, then redraws at most ten times a second on a terminal', () => {
    let t = 0
    const written: string[] = []
    const s = statusLine('ingest', {write: (x: string) => written.push(x), isTTY: true}, () => t)
    s.update('reading 1%')
    t = 999
    s.update('reading 2%')
    expect(written).toEqual([])
    t = 1000
    s.update('reading 3%')
    t = 1050
    s.update('reading 4%')
    t = 1100
    s.update('reading 5%')
    expect(written.map((w) => w.trim())).toEqual(['ingest: reading 3% (1 s)', 'ingest: reading 5% (1 s)'])
    s.done()
    expect(written.at(-1)).toMatch(/^\r +\r$/)
  })

  it('off a terminal it writes a line every five seconds', () => {
    let t = 0
    const written: string[] = []
    const s = statusLine('ingest', {write: (x: string) => written.push(x), isTTY: false}, () => t)
    for (t = 0; t <= 12_000; t += 500) s.update('working')
    expect(written).toEqual(['ingest: working (1 s)\n', 'ingest: working (6 s)\n', 'ingest: working (11 s)\n'])
  })

  it('reading reports the bytes read, and the pipeline each stage', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ingest-progress-'))
    const file = path.join(dir, 'data.csv')
    writeFileSync(file, 'm,k,n,latency_us,mfu\n1,4096,4096,20,0.0\n2,4096,4096,21,0.0\n')
    const bytes: number[] = []
    const reads = await readInputs([file], {out: dir, hints: {kernel: 'gemm', gpu: 'H100-SXM', shape: 'bf16'}, notes: {}}, (b, total) => bytes.push(b, total))
    expect(bytes.slice(-2)).toEqual([readFileSync(file).length, readFileSync(file).length])
    const stages: string[] = []
    ingest(reads, {out: path.join(dir, 'out'), gpus: loadGpus(), onConflict: 'error', strict: false, dryRun: false, skipInvalid: false, progress: (m) => stages.push(m)})
    expect(stages).toEqual(['checking 2 rows', 'merging table 1 of 1', 'writing 2 files'])
  })
})
