// An MHA lookup is charged at most the time of the GPU's configuration with more query heads over the same KV heads.
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {parseTableCsv} from '../../src/io/tables.js'
import {defaultInterpolator} from '../../src/tables/interpolate/index.js'
import {largerHeads} from '../../src/tables/larger-heads.js'
import {MfuResolver} from '../../src/tables/resolver.js'
import {tableSetFrom} from '../../src/tables/types.js'

const ROOT = path.resolve(import.meta.dirname, '..', '..')
const bundled = (rels: string[]) => tableSetFrom('/bench', rels.map((rel) => parseTableCsv(readFileSync(path.join(ROOT, 'bench_data', rel), 'utf8'), rel)))

const resolverOf = (rels: string[], gpuKey: string, memBw: number, interpolate = true) =>
  new MfuResolver({
    tables: bundled(rels),
    gpuKey,
    defaultMfu: 0.64,
    memBw,
    interpolate,
    rooflineFallback: interpolate,
    interpolator: interpolate ? defaultInterpolator : undefined,
  })

describe('fewer query heads, at most the time of more', () => {
  const B200 = ['mha/decode/b200-sxm/3-1-256.csv', 'mha/decode/b200-sxm/4-1-256.csv', 'mha/prefill/b200-sxm/3-1-256.csv', 'mha/prefill/b200-sxm/4-1-256.csv']

  it('finds the nearest larger configuration of the same KV heads, head_dim and window', () => {
    const tables = bundled([...B200, 'mha/decode/b200-sxm/8-1-256.csv', 'mha/decode/b200-sxm/4-2-256.csv', 'mha/decode/b200-sxm/4-1-128.csv'])
    expect(largerHeads(tables, 'mha/decode/b200-sxm/3-1-256.csv')).toEqual({path: 'mha/decode/b200-sxm/4-1-256.csv', share: 0.75})
    expect(largerHeads(tables, 'mha/decode/b200-sxm/4-1-256.csv')).toEqual({path: 'mha/decode/b200-sxm/8-1-256.csv', share: 0.5})
    expect(largerHeads(tables, 'mha/decode/b200-sxm/8-1-256.csv')).toBeUndefined()
    expect(largerHeads(tables, 'mla/decode/b200-sxm/16-512-64.csv')).toBeUndefined()
  })

  it("B200 decode, 3 heads over 1 KV head of 256, one request at 8,192 keys: 4-1-256's 14.48 us, not its own 84.21 us", () => {
    const r = resolverOf(B200, 'b200-sxm', 6160)
    const looked = r.decodeAttention('mha/decode/b200-sxm/3-1-256.csv', 1, 8192, false)
    // 4-1-256's row: MFU 0.00103 on 4 heads' FLOPs; 3 heads' FLOPs in the same 14.48 us: 0.00103 x 3/4.
    expect(looked.value).toBeCloseTo(0.00103 * 0.75, 8)
    // By hand: 3 heads x 8,192 keys x 4 x 256 FLOPs = 25.17 MFLOP in 14.48 us at 2,250 TFLOP/s.
    expect((3 * 8192 * 4 * 256) / (looked.value * 2250e12) * 1e6).toBeCloseTo(14.48, 1)
    expect(looked.table).toBe('mha/decode/b200-sxm/4-1-256.csv')
    expect(looked.note).toMatch(/^at most the time of mha\/decode\/b200-sxm\/4-1-256\.csv/)
    r.decodeAttention('mha/decode/b200-sxm/3-1-256.csv', 1, 8192, false)
    const warned = r.warnings.filter((w) => w.code === 'fewer-heads-slower')
    expect(warned).toHaveLength(1)
    expect(warned[0].message).toMatch(/^mha\/decode\/b200-sxm\/3-1-256\.csv: its kernel takes 5\.8x the time of mha\/decode\/b200-sxm\/4-1-256\.csv \(batch 1, KV length 8192\)/)
  })

  it("B200 prefill of 8,192 tokens, 3 heads: 4-1-256's 161.7 us (MFU 0.4197 x 3/4), not its own 719 us", () => {
    const r = resolverOf(B200, 'b200-sxm', 6160)
    expect(r.prefillAttention('mha/prefill/b200-sxm/3-1-256.csv', 8192).value).toBeCloseTo(0.4197 * 0.75, 6)
  })

  it('keeps a row faster than the larger configuration (H200, 64 requests at 8,192 keys: 146.8 us against 171.7 us)', () => {
    const r = resolverOf(['mha/decode/h200-sxm/3-1-256.csv', 'mha/decode/h200-sxm/4-1-256.csv'], 'h200-sxm', 3840)
    const looked = r.decodeAttention('mha/decode/h200-sxm/3-1-256.csv', 64, 8192, false)
    expect(looked.value).toBe(0.01109)
    expect(looked.table).toBe('mha/decode/h200-sxm/3-1-256.csv')
    expect(r.warnings).toEqual([])
  })

  it('in the compat profile reads the rows as measured', () => {
    const compat = resolverOf(B200, 'b200-sxm', 6160, false)
    expect(compat.decodeAttention('mha/decode/b200-sxm/3-1-256.csv', 1, 8192, false).value).toBe(0.0001328)
    expect(compat.prefillAttention('mha/prefill/b200-sxm/3-1-256.csv', 8192).value).toBeCloseTo(0.07079, 3)
  })
})
