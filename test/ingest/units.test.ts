/** Small pieces of ingest: table names from paths, safe names, CSV reading, merge policies, row order, outliers. */
import {describe, expect, it} from 'vitest'
import {layoutById} from '../../src/ingest/layouts/catalog.js'
import {parseStem} from '../../src/ingest/layouts/stem.js'
import {sortForTable, tableCsv} from '../../src/ingest/format.js'
import {mergeRows, type TableEntry} from '../../src/ingest/merge.js'
import {unsafeNameReason} from '../../src/ingest/names.js'
import {readTableCsv} from '../../src/ingest/readers/csv.js'
import {hintsFromPath, makeTarget, resolveTarget} from '../../src/ingest/target.js'
import type {ValidRow} from '../../src/ingest/types.js'
import {latencyDrops} from '../../src/ingest/validate/monotonic.js'
import {insideRoot} from '../../src/ingest/write-atomic.js'

const source = {display: 'in.csv', recorded: 'in.csv', sha256: 'a'.repeat(64)}

describe('which table a path names', () => {
  it('reads kernel, phase, GPU and shape from a bench_data path', () => {
    expect(hintsFromPath('/x/bench_data/mha/decode/h20/64-2-128.csv')).toEqual({kernel: 'mha', phase: 'decode', gpu: 'h20', shape: '64-2-128'})
    expect(hintsFromPath('raw/gemm/h800/data.csv')).toEqual({kernel: 'gemm', gpu: 'h800', shape: 'data'})
    expect(hintsFromPath('results.csv')).toEqual({})
  })

  it('tells DSA attention and indexer tables apart by their name', () => {
    expect(resolveTarget({}, hintsFromPath('dsa/decode/h800/attn-128-576-2048.csv'), 'f').layout.id).toBe('dsa-attn-decode')
    expect(resolveTarget({}, hintsFromPath('dsa/prefill/h800/logits-64-128.csv'), 'f').layout.id).toBe('dsa-logits-prefill')
  })

  it('flags win over the path; the GPU folder is lower case', () => {
    const t = resolveTarget({kernel: 'attention', phase: 'prefill', gpu: 'H800', shape: '32-4-128'}, {}, 'f')
    expect(t.relPath).toBe('mha/prefill/h800/32-4-128.csv')
    expect(t.shape).toEqual({heads: 32, kv_heads: 4, head_dim: 128})
  })

  it('says which flags are missing for a path outside the layout', () => {
    expect(() => resolveTarget({}, {}, 'results.csv')).toThrow(/results\.csv: cannot tell which table .* pass --kernel and --gpu/)
    expect(() => resolveTarget({kernel: 'mha', gpu: 'h20'}, {}, 'r.csv')).toThrow(/need a phase/)
  })

  it('refuses names that could leave the output folder', () => {
    expect(unsafeNameReason('../../x')).toMatch(/'\.\.'/)
    expect(unsafeNameReason('a/b')).toMatch(/no '\/'/)
    expect(unsafeNameReason('h100-sxm')).toBeUndefined()
    expect(() => resolveTarget({kernel: 'gemm', gpu: '../../x', shape: 'data'}, {}, 'f')).toThrow(/GPU name "\.\.\/\.\.\/x" cannot be used/)
    expect(parseStem(layoutById('mha-decode'), '64-2')).toMatch(/should be heads-kv_heads-head_dim/)
    expect(parseStem(layoutById('mha-prefill'), '64-8-64-w128')).toEqual({shape: {heads: 64, kv_heads: 8, head_dim: 64, window: 128}})
    expect(parseStem(layoutById('mha-decode'), '64-8-64-w0')).toMatch(/should be heads-kv_heads-head_dim\[-w<window>\]/)
    expect(parseStem(layoutById('mla-decode'), '16-512-64-w128')).toMatch(/should be/)
    expect(() => insideRoot('/tmp/out', '../x.csv')).toThrow(/outside/)
  })
})

describe('CSV reading', () => {
  const target = makeTarget(layoutById('mha-prefill'), 'h20', '32-4-128', {heads: 32, kv_heads: 4, head_dim: 128})

  it('reads rows with their line numbers and MFU precision', () => {
    const r = readTableCsv('dtype,seq_len,latency_us,mfu\n\nbf16,1024,110.493,0.525\n', target, source)
    expect(r.rows).toHaveLength(1)
    expect(r.rows[0]).toMatchObject({line: 3, values: {dtype: 'bf16', seq_len: 1024, latency_us: 110.493, mfu: 0.525}, mfuDecimals: {mfu: 3}})
  })

  it('names the columns of a file without a header with --columns', () => {
    const r = readTableCsv('bf16,1024,110.493,0.525\n', target, source, {columns: ['dtype', 'seq_len', 'latency_us', 'mfu']})
    expect(r.rows[0].line).toBe(1)
  })

  it('checks the header against the layout', () => {
    expect(() => readTableCsv('dtype,seq,latency_us,mfu\n', target, source)).toThrow(/in\.csv: header: missing "seq_len"; unexpected "seq"/)
    expect(() => readTableCsv('bf16,1024,110.493,0.525\n', target, source, {columns: ['a', 'b', 'c', 'd']})).toThrow(/--columns: missing/)
  })
})

const gemm = layoutById('gemm')
const row = (m: number, k: number, n: number, latency: number, line: number): ValidRow => ({
  target: makeTarget(gemm, 'h20', 'data', {}),
  values: {m, k, n, latency_us: latency, mfu: 0.5},
  mfuDecimals: {},
  source,
  line,
  mfuChecks: [],
})
const existing = (m: number, latency: number): TableEntry => ({
  values: {m, k: 2048, n: 6144, latency_us: latency, mfu: 0.5},
  prov: {key: [2048, 6144, m], source: null},
  file: 'old.csv',
  line: 2,
  count: 1,
  fromExisting: true,
})

describe('merging into a table', () => {
  it('an identical duplicate collapses; a different one is an error naming both', () => {
    const same = mergeRows(gemm, [existing(16, 10)], undefined, [row(16, 2048, 6144, 10, 5)], 'error')
    expect(same).toMatchObject({merged: 1, issues: []})
    const diff = mergeRows(gemm, [existing(16, 10)], undefined, [row(16, 2048, 6144, 12, 5)], 'error')
    expect(diff.issues[0].message).toMatch(/duplicate key k=2048 n=6144 m=16 with different values: latency_us=10 mfu=0\.5 \(old\.csv:2\) vs latency_us=12 mfu=0\.5 \(here\)/)
    expect(diff.rejected).toHaveLength(1)
  })

  it('keep, replace and mean', () => {
    const latency = (policy: 'keep' | 'replace' | 'mean') =>
      mergeRows(gemm, [existing(16, 10)], undefined, [row(16, 2048, 6144, 12, 5)], policy).entries[0].values.latency_us
    expect(latency('keep')).toBe(10)
    expect(latency('replace')).toBe(12)
    expect(latency('mean')).toBe(11)
  })
})

describe('row order', () => {
  it('sorts attention rows by their grid keys', () => {
    const l = layoutById('mha-decode')
    const v = (kv: string, b: number, len: number) => ({dtype: 'bf16', kv_dtype: kv, batch_size: b, kv_len: len})
    const sorted = sortForTable(l, [v('fp8', 1, 1024), v('bf16', 16, 1024), v('bf16', 1, 4096), v('bf16', 1, 1024)], (x) => x)
    expect(sorted.map((x) => `${x.kv_dtype} ${x.batch_size} ${x.kv_len}`)).toEqual(['bf16 1 1024', 'bf16 1 4096', 'bf16 16 1024', 'fp8 1 1024'])
  })

  it('keeps GEMM (k, n) sites in first-seen order and sorts m within a site', () => {
    const v = (m: number, k: number, n: number) => ({m, k, n})
    const sorted = sortForTable(gemm, [v(32, 7168, 1536), v(16, 2048, 512), v(16, 7168, 1536)], (x) => x)
    expect(sorted).toEqual([v(16, 7168, 1536), v(32, 7168, 1536), v(16, 2048, 512)])
    expect(tableCsv(gemm.columns, [{m: 16, k: 1, n: 2, latency_us: 1.5, mfu: 0.1}])).toBe('m,k,n,latency_us,mfu\n16,1,2,1.5,0.1\n')
  })
})

describe('latency outliers', () => {
  it('warns when latency drops by more than 20% while the work grows, naming both lines', () => {
    const l = layoutById('mha-prefill')
    const rows = [
      {values: {dtype: 'bf16', seq_len: 1024, latency_us: 100}, file: 'a.csv', line: 2},
      {values: {dtype: 'bf16', seq_len: 2048, latency_us: 85}, file: 'a.csv', line: 3},
      {values: {dtype: 'bf16', seq_len: 4096, latency_us: 60}, file: 'a.csv', line: 4},
    ]
    const issues = latencyDrops(l, l.columns, rows)
    expect(issues).toHaveLength(1)
    expect(issues[0]).toMatchObject({severity: 'warning', file: 'a.csv', line: 4})
    expect(issues[0].message).toMatch(/drops 29% \(85 -> 60 µs, from line 3\) while seq_len grows 2048 -> 4096/)
  })
})
