import {createHash} from 'node:crypto'
import {copyFileSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {parquetReadObjects} from 'hyparquet'
import {compressors} from 'hyparquet-compressors'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {importAiconfigurator, type ImportResult} from '../../../src/ingest/aiconfigurator/import.js'
import {writeImportedTables} from '../../../src/ingest/aiconfigurator/write.js'
import {loadGpus} from '../../../src/io/gpus.js'
import {loadTableSet} from '../../../src/io/tables.js'
import {validator} from '../../../src/schemas/validate.js'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const SYSTEMS = path.join(HERE, 'fixtures', 'systems')
const MLA_CONTEXT = path.join(SYSTEMS, 'l40s', 'mla', 'sglang', '0.5.14', 'context_mla_perf.parquet')

function listFiles(dir: string, rel = ''): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, {withFileTypes: true}).flatMap((e) =>
    e.isDirectory() ? listFiles(path.join(dir, e.name), `${rel}${e.name}/`) : [`${rel}${e.name}`],
  )
}

describe('AIConfigurator import of real Parquet tables (L40S fixture)', () => {
  let result: ImportResult
  const tmp = mkdtempSync(path.join(tmpdir(), 'infersim-aic-'))
  afterAll(() => rmSync(tmp, {recursive: true, force: true}))
  beforeAll(async () => {
    result = await importAiconfigurator(SYSTEMS)
  })

  it('names the GPU from the system folder and derives its entry from the yaml', () => {
    expect(result.gpus.map((g) => [g.name, g.key, g.system])).toEqual([['L40S', 'l40s', 'l40s']])
    expect(result.gpus[0].spec).toMatchObject({bf16Flops: 362.05e12, fp8Flops: 733e12, gpusPerNode: 8})
  })

  it('maps MLA and communication tables, and says which files it skipped and why', () => {
    const paths = result.tables.map((t) => t.table.path)
    expect(paths).toContain('mla/decode/l40s/128-512-64.csv')
    expect(paths).toContain('mla/prefill/l40s/128-128-64.csv')
    expect(paths).toEqual(expect.arrayContaining(['comm/l40s/allreduce.csv', 'comm/l40s/allgather.csv', 'comm/l40s/alltoall.csv', 'comm/l40s/reduce_scatter.csv']))
    expect(result.skipped).toEqual([])
  })

  it("maps MLA's batched matmuls per dtype: the fastest kernel of each heads, tokens and op, in µs", async () => {
    const file = path.join(SYSTEMS, 'l40s', 'mla_bmm', 'sglang', '0.5.14', 'mla_bmm_perf.parquet')
    const buf = readFileSync(file)
    const rows = (await parquetReadObjects({file: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength), compressors})) as Record<string, unknown>[]
    const fastest = (dtype: string, op: string, heads: number, tokens: number) =>
      1000 * Math.min(...rows.filter((r) => r.bmm_dtype === dtype && r.op_name === op && Number(r.num_heads) === heads && Number(r.num_tokens) === tokens).map((r) => Number(r.latency)))
    const bf16 = result.tables.find((t) => t.table.path === 'mla_bmm/l40s/bf16.csv')!
    expect(bf16.table.columns).toEqual(['heads', 'tokens', 'q_wk_us', 'o_wv_us'])
    expect(result.tables.map((t) => t.table.path)).toContain('mla_bmm/l40s/fp8.csv')
    for (const [heads, tokens] of [[128, 1], [16, 256]]) {
      const row = bf16.table.rows.find((r) => r.values.heads === heads && r.values.tokens === tokens)!
      expect(row.values.q_wk_us).toBeCloseTo(fastest('bfloat16', 'mla_gen_pre', heads, tokens), 2)
      expect(row.values.o_wv_us).toBeCloseTo(fastest('bfloat16', 'mla_gen_post', heads, tokens), 2)
    }
  })

  it('records each input with its SHA-256 and the runtime it was measured with', () => {
    const t = result.tables.find((m) => m.table.path === 'mla/prefill/l40s/128-128-64.csv')!
    const sha = createHash('sha256').update(readFileSync(MLA_CONTEXT)).digest('hex')
    expect(t.provenance.inputs).toEqual([{file: 'systems/l40s/mla/sglang/0.5.14/context_mla_perf.parquet', sha256: sha}])
    expect(t.provenance).toMatchObject({license: 'Apache-2.0', framework: 'SGLang', version: '0.5.14'})
    expect(t.provenance.device).toMatch(/L40S/)
  })

  it('writes tables the simulator loads, with sidecars valid against the provenance schema; a re-import is byte-identical', () => {
    const gpus = loadGpus()
    const first = writeImportedTables(result.tables, {out: tmp, gpus, now: new Date('2026-01-01T00:00:00Z')})
    expect(first.errors).toEqual([])
    expect(first.rows).toBeGreaterThan(0)
    const written = listFiles(tmp).sort()
    expect(written.filter((f) => f.endsWith('.csv'))).toHaveLength(result.tables.length)
    const check = validator('provenance')
    for (const f of written.filter((x) => x.endsWith('.provenance.json'))) expect(check(JSON.parse(readFileSync(path.join(tmp, f), 'utf8')))).toBe(true)
    const tables = loadTableSet(tmp, ['l40s'])
    expect(tables.get('mla/decode/l40s/128-512-64.csv')!.rows.length).toBeGreaterThan(100)
    const before = new Map(written.map((f) => [f, readFileSync(path.join(tmp, f), 'utf8')]))
    writeImportedTables(result.tables, {out: tmp, gpus, now: new Date('2027-06-01T00:00:00Z')})
    for (const [f, text] of before) expect(readFileSync(path.join(tmp, f), 'utf8')).toBe(text)
  })

  it('a dry run writes nothing', () => {
    const dry = mkdtempSync(path.join(tmpdir(), 'infersim-aic-dry-'))
    try {
      const s = writeImportedTables(result.tables, {out: dry, gpus: loadGpus(), dryRun: true})
      expect(s.tables.length).toBe(result.tables.length)
      expect(listFiles(dry)).toEqual([])
    } finally {
      rmSync(dry, {recursive: true, force: true})
    }
  })
})

describe('AIConfigurator import: bad inputs', () => {
  it('a damaged Parquet file is an error naming it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'infersim-aic-bad-'))
    try {
      cpSync(SYSTEMS, path.join(dir, 'systems'), {recursive: true})
      writeFileSync(path.join(dir, 'systems', 'l40s', 'mla', 'sglang', '0.5.14', 'generation_mla_perf.parquet'), 'not parquet at all')
      await expect(importAiconfigurator(path.join(dir, 'systems'))).rejects.toThrow(/generation_mla_perf\.parquet: not a readable Parquet file/)
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })

  it('a lone table outside the systems layout needs --gpu, then takes the peaks of that known GPU', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'infersim-aic-lone-'))
    try {
      const file = path.join(dir, 'context_mla_perf.parquet')
      copyFileSync(MLA_CONTEXT, file)
      await expect(importAiconfigurator(file)).rejects.toThrow(/cannot tell which GPU.*pass --gpu NAME/)
      const r = await importAiconfigurator(file, {gpu: 'L40S', gpus: loadGpus()})
      expect(r.tables.length).toBeGreaterThan(0)
      expect(r.tables.every((t) => t.table.path.startsWith('mla/prefill/l40s/'))).toBe(true)
      // data/gpus.json's L40S peaks are the yaml's: the same rows as the folder import
      const viaFolder = (await importAiconfigurator(SYSTEMS)).tables.find((t) => t.table.path === 'mla/prefill/l40s/128-128-64.csv')!
      expect(r.tables.find((t) => t.table.path === 'mla/prefill/l40s/128-128-64.csv')!.table.rows).toEqual(viaFolder.table.rows)
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })

  it('a path that is not there, or not Parquet, is a usage error', async () => {
    await expect(importAiconfigurator('/nonexistent/aic')).rejects.toThrow(/no such file or folder/)
    await expect(importAiconfigurator(path.join(HERE, 'fixtures', 'README.md'))).rejects.toThrow(/not a \.parquet file/)
  })
})
