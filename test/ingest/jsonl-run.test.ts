/** JSON Lines records and --run: each record lands in its kernel's table, with provenance; counts in --json. */
import {existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {runCli, runJson} from '../helpers/cli.js'
import {FIXTURES, hashTree, scratchDir} from './tree.js'

const read = (dir: string, rel: string) => readFileSync(path.join(dir, rel), 'utf8')

describe('ingest of JSON Lines records', () => {
  it('places one record of each kernel kind in its table and recomputes MFU', async () => {
    const out = scratchDir()
    const {json, exitCode} = await runJson(['ingest', path.join(FIXTURES, 'measurements.jsonl'), '--out', out])
    expect(exitCode).toBe(0)
    expect(json).toMatchObject({read: 6, written: 6, merged: 0, warned: 1, rejected: 0, dryRun: false})
    expect(json.tables.map((t: {path: string}) => t.path).sort()).toEqual([
      'comm/h800/allreduce.csv',
      'gdn/decode/h20/4-16-128-32-128.csv',
      'gemm/h20/bf16.csv',
      'grouped_gemm/prefill/h800/data.csv',
      'mha/decode/h20/32-4-128.csv',
    ])
    // bf16 GEMM on H20: 2*16*2048*6144 FLOP in 21.26 µs at 148 TFLOPS.
    const gemmMfu = (2 * 16 * 2048 * 6144) / 21.26e-6 / 148e12
    expect(read(out, 'gemm/h20/bf16.csv')).toBe(`m,k,n,latency_us,mfu\n16,2048,6144,21.26,${Number(gemmMfu.toPrecision(6))}\n32,2048,6144,21.5,0.1265\n`)
    expect(json.warnings[0]).toMatchObject({code: 'mfu-mismatch', line: 2})
    // Grouped GEMM: tokens_per_expert = round(4096 * 8 GPUs * topk 8 / 256 experts); MFU of each part from its latency.
    const moe = read(out, 'grouped_gemm/prefill/h800/data.csv').trim().split('\n')[1].split(',')
    expect(moe.slice(0, 8)).toEqual(['256', '8', '32', '8', '7168', '2048', '4096', '1024'])
    expect(Number(moe[9])).toBeCloseTo((4096 * 8 * 2 * 7168 * 2048 * 2) / 1900e-6 / 1979e12, 5)
    expect(read(out, 'gdn/decode/h20/4-16-128-32-128.csv')).toBe('batchsize,conv,gdn_update\n2048,300,3800\n')
    expect(read(out, 'comm/h800/allreduce.csv')).toBe('num_gpus,message_bytes,latency_us\n8,1048576,35.2\n')
    const prov = JSON.parse(read(out, 'gemm/h20/bf16.provenance.json'))
    expect(prov.sources[0].file).toMatch(/measurements\.jsonl$/)
    expect(prov.rows[0]).toMatchObject({line: 1, meta: {library: 'torch', library_version: '2.5.1', repeats: 50}})
    expect(prov.rows[1].mfu.mfu).toMatchObject({stated: 0.1265, used: 'stated'})
  })

  it('--dry-run reports the same counts and writes nothing', async () => {
    const out = scratchDir()
    const {json} = await runJson(['ingest', path.join(FIXTURES, 'measurements.jsonl'), '--out', out, '--dry-run'])
    expect(json).toMatchObject({read: 6, written: 6, dryRun: true})
    expect(readdirSync(out)).toEqual([])
  })

  it('--skip-invalid writes the good rows and counts the rejected one', async () => {
    const out = scratchDir()
    const {json, exitCode} = await runJson(['ingest', path.join(FIXTURES, 'broken-line.jsonl'), '--out', out, '--skip-invalid'])
    expect(exitCode).toBe(0)
    expect(json).toMatchObject({read: 3, written: 2, rejected: 1})
    expect(json.errors[0]).toMatchObject({code: 'bad-json', line: 2})
    expect(read(out, 'gemm/h20/bf16.csv').trim().split('\n')).toHaveLength(3)
  })

  it('merges into an existing table: new keys added, a re-measured key by --on-conflict mean', async () => {
    const out = scratchDir()
    const file = path.join(out, 'in.jsonl')
    const rec = (m: number, us: number) => JSON.stringify({kernel: 'gemm', gpu: 'H20', dtype: 'bf16', shape: {m, k: 2048, n: 6144}, latency_us: us})
    writeFileSync(file, `${rec(16, 20)}\n${rec(32, 21)}\n`)
    await runJson(['ingest', file, '--out', out])
    writeFileSync(file, `${rec(32, 23)}\n${rec(64, 30)}\n`)
    const refused = await runCli(['ingest', file, '--out', out])
    expect(refused.exitCode).toBe(1)
    expect(refused.stderr).toMatch(/duplicate key k=2048 n=6144 m=32 with different values: latency_us=21 .*\(.*bf16\.csv:3\) vs latency_us=23/)
    const {json} = await runJson(['ingest', file, '--out', out, '--on-conflict', 'mean'])
    expect(json).toMatchObject({read: 2, merged: 1, written: 3})
    const rows = read(out, 'gemm/h20/bf16.csv').trim().split('\n').slice(1).map((l) => l.split(',').slice(0, 4).join(','))
    expect(rows).toEqual(['16,2048,6144,20', '32,2048,6144,22', '64,2048,6144,30'])
    expect(JSON.parse(read(out, 'gemm/h20/bf16.provenance.json')).rows[1].note).toBe('mean of 2 measurements')
  })
})

describe('ingest --run', () => {
  it('runs the benchmark, saves its raw output under raw/, then ingests it', async () => {
    const out = scratchDir()
    const r = await runCli(['ingest', '--out', out, '--run', '--json', '--', process.execPath, path.join(FIXTURES, 'run-ok.mjs')])
    expect(r.exitCode).toBe(0)
    const json = JSON.parse(r.stdout)
    expect(json).toMatchObject({read: 3, written: 3, rejected: 0})
    expect(r.stderr).toMatch(/benchmarking 3 GEMM shapes/)
    expect(r.stderr).toMatch(/benchmark finished \(exit code 0\): 3 records saved/)
    const raw = path.join(out, json.raw.replace(/.*raw[\\/]/, 'raw/'))
    expect(existsSync(raw)).toBe(true)
    expect(readFileSync(raw, 'utf8').trim().split('\n')).toHaveLength(3)
    const prov = JSON.parse(read(out, 'gemm/h20/bf16.provenance.json'))
    expect(prov.sources[0].file).toMatch(/^raw\/run-.*\.jsonl$/)
    expect(prov.sources[0].command).toMatch(/run-ok\.mjs$/)
  })

  it('a command that cannot start is a clear error and leaves no raw file', async () => {
    const out = scratchDir()
    const r = await runCli(['ingest', '--out', out, '--run', '--', 'no-such-benchmark-command'])
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toMatch(/cannot run "no-such-benchmark-command"/)
    expect(hashTree(out)).toEqual({})
  })
})
