/**
 * The bad-input corpus (test/fixtures/ingest): each input gives one clear
 * error naming the file (and line), exits non-zero, and leaves every file
 * under --out byte-identical.
 */
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {runCli} from '../helpers/cli.js'
import {copyOfBenchData, FIXTURES, hashTree} from './tree.js'

let out: string
let before: Record<string, string>

beforeAll(() => {
  out = copyOfBenchData()
  before = hashTree(out)
})

const f = (p: string) => path.join(FIXTURES, p)

const CASES: {name: string; input: string; message: RegExp}[] = [
  {name: 'no header', input: 'no-header', message: /64-2-128\.csv: line 1 is data .*no header row.*--columns dtype,kv_dtype,batch_size,kv_len,latency_us,mfu/},
  {name: 'wrong column count', input: 'wrong-column-count', message: /data\.csv:3: has 4 cells, the header has 5/},
  {name: 'NaN', input: 'nan', message: /32-4-128\.csv:3: column "latency_us": "NaN" is not a finite number/},
  {name: 'negative latency', input: 'negative-latency', message: /data\.csv:2: column "latency_us": latency -10\.63 µs should be > 0/},
  {name: 'MFU > 1', input: 'mfu-over-1', message: /32-4-128\.csv:3: column "mfu": MFU 1\.7 is above 1/},
  {name: 'duplicate keys with different values', input: 'duplicate-keys', message: /data\.csv:4: duplicate key k=2048 n=6144 m=16 with different values: latency_us=10\.63 .*vs latency_us=12\.5 .*--on-conflict/},
  {name: 'a GPU named ../../x', input: 'gpu-escape.jsonl', message: /gpu-escape\.jsonl:1: gpu "\.\.\/\.\.\/x" cannot be used as a folder name/},
  {name: 'a truncated file', input: 'truncated', message: /32-4-128\.csv:4: has 4 cells, the header has 6 \(the file may be truncated\)/},
  {name: 'an empty file', input: 'empty', message: /empty\/gemm\/h20\/data\.csv: the file is empty/},
  {name: 'JSONL with one broken line', input: 'broken-line.jsonl', message: /broken-line\.jsonl:2: not valid JSON/},
]

describe('ingest rejects bad input and changes no file', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const r = await runCli(['ingest', f(c.input), '--out', out])
      expect(r.exitCode).toBe(1)
      expect(r.stderr).toMatch(c.message)
      expect(r.stderr).not.toMatch(/\n\s+at /)
      expect(hashTree(out)).toEqual(before)
    })
  }

  it('the same errors come back as JSON', async () => {
    const r = await runCli(['ingest', f('nan'), '--out', out, '--json'])
    expect(r.exitCode).toBe(1)
    expect(JSON.parse(r.stdout).error.message).toMatch(/"NaN" is not a finite number/)
  })

  it('--json gives every rejected row as data: file, line, column, message', async () => {
    const r = await runCli(['ingest', f('nan'), f('duplicate-keys'), '--out', out, '--json'])
    expect(r.exitCode).toBe(1)
    const {error} = JSON.parse(r.stdout)
    expect(error).toMatchObject({exitCode: 1, read: 5, rejected: 2})
    expect(error.errors).toEqual([
      {severity: 'error', code: 'not-a-number', file: expect.stringMatching(/nan\/.*32-4-128\.csv$/), line: 3, column: 'latency_us', message: 'column "latency_us": "NaN" is not a finite number'},
      {severity: 'error', code: 'duplicate-key', file: expect.stringMatching(/duplicate-keys\/gemm\/h20\/data\.csv$/), line: 4, message: expect.stringMatching(/^duplicate key k=2048 n=6144 m=16 with different values/)},
    ])
    expect(hashTree(out)).toEqual(before)
  })

  it('a GPU named ../../x given as a flag is refused before anything is read', async () => {
    const r = await runCli(['ingest', f('wrong-column-count/gemm/h20/data.csv'), '--gpu', '../../x', '--out', out])
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toMatch(/GPU name "\.\.\/\.\.\/x" cannot be used as a folder name/)
    expect(existsSync(path.resolve(out, '..', '..', 'x'))).toBe(false)
    expect(hashTree(out)).toEqual(before)
  })

  it('a --run command that exits non-zero halfway: an error, its output saved under raw/, no table changed', async () => {
    const r = await runCli(['ingest', '--out', out, '--run', '--', process.execPath, f('run-fails-halfway.mjs')])
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toMatch(/the benchmark exited with code 3 after 2 lines of output; nothing was ingested/)
    const after = hashTree(out)
    const added = Object.keys(after).filter((p) => !(p in before))
    expect(added).toHaveLength(1)
    expect(added[0]).toMatch(/^raw[\\/]run-.*\.jsonl$/)
    const saved = readFileSync(path.join(out, added[0]), 'utf8').trim().split('\n')
    expect(saved.map((l) => JSON.parse(l).shape.m)).toEqual([16, 32])
    for (const p of Object.keys(before)) expect(after[p]).toBe(before[p])
    expect(readdirSync(path.join(out, 'raw'))).toHaveLength(1)
  })
})
