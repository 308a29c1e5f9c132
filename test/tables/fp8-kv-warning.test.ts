// FP8-KV decode attention is charged at most the BF16 time at the same point, and a table whose FP8-KV rows are much slower says so.
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {parseTableCsv} from '../../src/io/tables.js'
import {defaultInterpolator} from '../../src/tables/interpolate/index.js'
import {MfuResolver} from '../../src/tables/resolver.js'
import {tableSetFrom, type KernelTable} from '../../src/tables/types.js'

const ROOT = path.resolve(import.meta.dirname, '..', '..')

const resolverOf = (table: KernelTable, gpuKey: string, interpolate = true) =>
  new MfuResolver({
    tables: tableSetFrom('/bench', [table]),
    gpuKey,
    defaultMfu: 0.6,
    memBw: 3277,
    interpolate,
    rooflineFallback: interpolate,
    interpolator: interpolate ? defaultInterpolator : undefined,
  })

/** One decode point measured with both KV dtypes; MFU on the same FLOPs, so its ratio is the time ratio. */
function table(bf16Mfu: number, fp8Mfu: number): KernelTable {
  const csv = ['dtype,kv_dtype,batch_size,kv_len,latency_us,mfu', `bf16,bf16,8,1024,100,${bf16Mfu}`, `bf16,fp8,8,1024,${(100 * bf16Mfu) / fp8Mfu},${fp8Mfu}`].join('\n')
  return parseTableCsv(csv, 'mha/decode/h20/32-8-128.csv')
}

describe('FP8-KV decode attention slower than BF16', () => {
  const PATH = 'mha/decode/h20/32-8-128.csv'

  it('is charged the BF16 time, and warns once, with the ratio, where FP8 KV takes more than 1.25x', () => {
    const r = resolverOf(table(0.02, 0.01), 'h20')
    const looked = r.decodeAttention(PATH, 8, 1024, true)
    expect(looked.value).toBe(0.02)
    expect(looked.note).toMatch(/^FP8-KV rows slower than BF16 here: the BF16 time/)
    r.decodeAttention(PATH, 8, 1024, true)
    const warned = r.warnings.filter((w) => w.code === 'fp8-kv-slower')
    expect(warned).toHaveLength(1)
    expect(warned[0].message).toMatch(/^mha\/decode\/h20\/32-8-128\.csv: its FP8-KV decode kernel takes 2\.0x its BF16 time \(batch 8, KV length 1024\); charged the BF16 time/)
  })

  it('keeps a faster FP8 row, and caps a slightly slower one without a warning', () => {
    const faster = resolverOf(table(0.02, 0.03), 'h20')
    expect(faster.decodeAttention(PATH, 8, 1024, true).value).toBe(0.03)
    const slightly = resolverOf(table(0.02, 0.017), 'h20')
    expect(slightly.decodeAttention(PATH, 8, 1024, true).value).toBe(0.02)
    expect([...faster.warnings, ...slightly.warnings]).toEqual([])
  })

  it('in the compat profile reads the FP8 rows as measured, and says so', () => {
    const compat = resolverOf(table(0.02, 0.01), 'h20', false)
    expect(compat.decodeAttention(PATH, 8, 1024, true).value).toBe(0.01)
    expect(compat.warnings.map((w) => w.message)).toEqual([expect.stringMatching(/takes 2\.0x its BF16 time \(batch 8, KV length 1024\); read as measured, as the reference does/)])
  })

  it("says it of the bundled H200 MLA table (SGLang's FP8-KV kernel: 536.5 us against 92.08 us at batch 64, KV 4096)", () => {
    const rel = 'mla/decode/h200-sxm/16-512-64.csv'
    const r = resolverOf(parseTableCsv(readFileSync(path.join(ROOT, 'bench_data', rel), 'utf8'), rel), 'h200-sxm')
    // The BF16 row's MFU (0.1002), not the FP8 row's (0.0172).
    expect(r.decodeAttention(rel, 64, 4096, true).value).toBe(0.1002)
    expect(r.warnings.map((w) => w.message)).toEqual([expect.stringMatching(/takes 5\.8x its BF16 time \(batch 64, KV length 4096\)/)])
  })
})
