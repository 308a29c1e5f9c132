// A decode attention table whose FP8-KV rows are much slower than its BF16 rows says so in the result.
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
  it('warns once, with the ratio, where FP8 KV takes more than 1.25x the BF16 time', () => {
    const r = resolverOf(table(0.02, 0.01), 'h20')
    expect(r.decodeAttention('mha/decode/h20/32-8-128.csv', 8, 1024, true).value).toBe(0.01)
    r.decodeAttention('mha/decode/h20/32-8-128.csv', 8, 1024, true)
    const warned = r.warnings.filter((w) => w.code === 'fp8-kv-slower')
    expect(warned).toHaveLength(1)
    expect(warned[0].message).toMatch(/^mha\/decode\/h20\/32-8-128\.csv: decode attention with FP8 KV takes 2\.0x its BF16 time \(batch 8, KV length 1024\)/)
  })

  it('stays quiet where FP8 KV is at most 1.25x slower, or faster, and in the compat profile', () => {
    for (const fp8 of [0.017, 0.03]) {
      const r = resolverOf(table(0.02, fp8), 'h20')
      r.decodeAttention('mha/decode/h20/32-8-128.csv', 8, 1024, true)
      expect(r.warnings).toEqual([])
    }
    const compat = resolverOf(table(0.02, 0.01), 'h20', false)
    compat.decodeAttention('mha/decode/h20/32-8-128.csv', 8, 1024, true)
    expect(compat.warnings).toEqual([])
  })

  it("says it of the bundled H200 MLA table (SGLang's FP8-KV kernel: 536.5 us against 92.08 us at batch 64, KV 4096)", () => {
    const rel = 'mla/decode/h200-sxm/16-512-64.csv'
    const r = resolverOf(parseTableCsv(readFileSync(path.join(ROOT, 'bench_data', rel), 'utf8'), rel), 'h200-sxm')
    r.decodeAttention(rel, 64, 4096, true)
    expect(r.warnings.map((w) => w.message)).toEqual([expect.stringMatching(/takes 5\.8x its BF16 time \(batch 64, KV length 4096\)/)])
  })
})
