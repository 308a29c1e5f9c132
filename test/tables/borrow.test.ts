// Borrowing across shapes (GEMM sites, attention head configurations, MoE keys) and what falls back.
import {describe, expect, it} from 'vitest'
import {parseTableCsv} from '../../src/io/tables.js'
import {defaultInterpolator} from '../../src/tables/interpolate/index.js'
import {MfuResolver} from '../../src/tables/resolver.js'
import {tableSetFrom, type KernelTable} from '../../src/tables/types.js'

const env = {memBw: 3277}

function gemmCsv(sites: [number, number][]): string {
  const lines = ['m,k,n,latency_us,mfu']
  for (const [k, n] of sites) {
    for (const m of [16, 64, 256, 1024, 4096]) {
      const mfu = Math.min(0.8, m / 2048)
      const latency = (2 * m * k * n) / (mfu * 148e6)
      lines.push(`${m},${k},${n},${latency.toFixed(3)},${mfu}`)
    }
  }
  return lines.join('\n')
}

const decodeCsv = (mfuAt: (batch: number, kv: number) => number, kvDtype = 'bf16') =>
  [
    'dtype,kv_dtype,batch_size,kv_len,latency_us,mfu',
    ...[1, 16, 64].flatMap((b) => [1024, 4096, 16384].map((kv) => `bf16,${kvDtype},${b},${kv},${(b * kv * 4 * 32 * 128) / (mfuAt(b, kv) * 148e6)},${mfuAt(b, kv)}`)),
  ].join('\n')

const set = (...tables: KernelTable[]) => tableSetFrom('/bench', tables)

describe('GEMM shapes that were not measured', () => {
  const tables = set(parseTableCsv(gemmCsv([[4096, 4096], [4096, 8192]]), 'gemm/h20/data.csv'))

  it('borrow from the nearest (k, n) sites, rows named, value between theirs when compute-bound', () => {
    const got = defaultInterpolator.gemm(tables, 'gemm/h20/data.csv', 4096, 4096, 6144, env)!
    expect(got.kind).toBe('borrowed')
    expect(got.note).toMatch(/k=4096 n=4096.*k=4096 n=8192|k=4096 n=8192.*k=4096 n=4096/)
    expect(got.lines.length).toBe(2)
    expect(got.value).toBeCloseTo(0.8, 6)
  })

  it("on the line a + b k n through the nearest sites' times at the same m (a fixed part plus what grows with the weights)", () => {
    // Three sites whose m = 16 GEMM takes 5 + 1e-6 k n us; the query (k 4096, n 6144) lies between them: 5 + 25.165824 = 30.165824 us
    const us = (k: number, n: number) => 5 + 1e-6 * k * n
    const lines = ['m,k,n,latency_us,mfu']
    for (const [k, n] of [[4096, 4096], [4096, 8192], [8192, 8192]]) for (const m of [16, 64]) lines.push(`${m},${k},${n},${us(k, n) * (m / 16)},${(2 * m * k * n) / (us(k, n) * (m / 16) * 148e6)}`)
    const t = set(parseTableCsv(lines.join('\n'), 'gemm/h20/data.csv'))
    const got = defaultInterpolator.gemm(t, 'gemm/h20/data.csv', 16, 4096, 6144, env)!
    expect(got.note).toMatch(/time affine in k x n/)
    expect((2 * 16 * 4096 * 6144) / (got.value * 148e6)).toBeCloseTo(us(4096, 6144), 6)
  })

  it('keep the sites\' utilisation where the line has no fixed part (a negative intercept)', () => {
    // m = 16 times 1e-6 k n - 5 us: the line crosses zero, so the borrowed MFU is the sites' (scaled by the roofline)
    const lines = ['m,k,n,latency_us,mfu']
    for (const [k, n] of [[4096, 4096], [4096, 8192], [8192, 8192]]) for (const m of [16, 64]) {
      const us = (1e-6 * k * n - 5) * (m / 16)
      lines.push(`${m},${k},${n},${us},${(2 * m * k * n) / (us * 148e6)}`)
    }
    const t = set(parseTableCsv(lines.join('\n'), 'gemm/h20/data.csv'))
    expect(defaultInterpolator.gemm(t, 'gemm/h20/data.csv', 16, 4096, 6144, env)!.note).not.toMatch(/affine/)
  })

  it('fall back past the borrowing distance (the resolver then uses the roofline)', () => {
    expect(defaultInterpolator.gemm(tables, 'gemm/h20/data.csv', 64, 512, 256, env)).toBeUndefined()
    const resolver = new MfuResolver({tables, gpuKey: 'h20', defaultMfu: 0.6, memBw: 3277, interpolate: true, rooflineFallback: true, interpolator: defaultInterpolator})
    const got = resolver.gemm(64, 512, 256, {flops: 2 * 64 * 512 * 256, bytes: 512 * 256 * 2, peakTflops: 148})
    expect(got.kind).toBe('fallback')
    expect(resolver.warnings[0].message).toMatch(/no GEMM row covers m=64 k=512 n=256/)
  })

  it('read gemm/<gpu>/<dtype>.csv for that dtype when present', () => {
    const fp8 = parseTableCsv(gemmCsv([[4096, 4096]]).replace(/,0\.8$/gm, ',0.9'), 'gemm/h20/fp8.csv')
    const withFp8 = set(parseTableCsv(gemmCsv([[4096, 4096]]), 'gemm/h20/data.csv'), fp8)
    expect(defaultInterpolator.gemm(withFp8, 'gemm/h20/data.csv', 4096, 4096, 4096, {...env, gemmDtype: 'fp8'})!.table).toBe('gemm/h20/fp8.csv')
    expect(defaultInterpolator.gemm(withFp8, 'gemm/h20/data.csv', 4096, 4096, 4096, {...env, gemmDtype: 'bf16'})!.table).toBe('gemm/h20/data.csv')
  })
})

describe('attention head configurations without a table', () => {
  // Memory-bound decode: MFU grows with batch x kv only through rounding here; a flat 5% keeps the arithmetic plain.
  const measured = parseTableCsv(decodeCsv(() => 0.05), 'mha/decode/h20/32-8-128.csv')
  const tables = set(measured, parseTableCsv(decodeCsv(() => 0.3), 'mha/decode/h20/32-8-64.csv'))

  it('a grouped-query decode configuration between or beyond two measured ones: on the line a + b Hkv through their times', () => {
    // 32 query heads of 128, 16 requests at 4,096 keys taking 10 + 2 Hkv us whatever the KV heads (4, 8, 16 measured)
    const us = (kv: number) => 10 + 2 * kv
    const csv = (kv: number) =>
      ['dtype,kv_dtype,batch_size,kv_len,latency_us,mfu', ...[1, 16].flatMap((b) => [1024, 4096].map((l) => `bf16,bf16,${b},${l},${us(kv)},${(b * 4 * 32 * 128 * l) / (us(kv) * 148e6)}`))].join('\n')
    const t = set(...[4, 8, 16].map((kv) => parseTableCsv(csv(kv), `mha/decode/h20/32-${kv}-128.csv`)))
    const timeUs = (kv: number) => {
      const got = defaultInterpolator.decodeAttention(t, `mha/decode/h20/32-${kv}-128.csv`, 16, 4096, false, env)!
      expect(got.note).toMatch(/^time affine in the KV heads through mha\/decode\/h20\/32-/)
      return (16 * 4 * 32 * 128 * 4096) / (got.value * 148e6)
    }
    // 2 KV heads (below all three): 14 us, where the nearest (4 KV heads, 18 us) scaled by the bytes gives 9; 12 KV heads: 34 us
    expect(timeUs(2)).toBeCloseTo(14, 6)
    expect(timeUs(12)).toBeCloseTo(34, 6)
  })

  it('borrow the nearest configuration with the same head_dim, rescaled by FLOPs per byte', () => {
    // 32-4-128 reads half the KV bytes per FLOP of 32-8-128: at the same bandwidth utilisation, twice the MFU.
    const got = defaultInterpolator.decodeAttention(tables, 'mha/decode/h20/32-4-128.csv', 16, 4096, false, env)!
    expect(got.kind).toBe('borrowed')
    expect(got.table).toBe('mha/decode/h20/32-8-128.csv')
    expect(got.note).toMatch(/32-8-128\.csv \(log2 distance 1\.00\) for mha\/decode\/h20\/32-4-128\.csv/)
    expect(got.value).toBeCloseTo(0.1, 2)
  })

  it('do not borrow the other KV dtype; another head_dim only where the GPU has none of the query\'s, and say so', () => {
    expect(defaultInterpolator.decodeAttention(tables, 'mha/decode/h20/32-8-128.csv', 16, 4096, true, env)).toBeUndefined()
    expect(defaultInterpolator.decodeAttention(tables, 'mha/decode/h20/16-8-128.csv', 16, 4096, true, env)).toBeUndefined()
    const other = defaultInterpolator.decodeAttention(tables, 'mha/decode/h20/32-8-256.csv', 16, 4096, false, env)!
    expect(other.kind).toBe('borrowed')
    expect(other.note).toMatch(/head_dim 128 for 256/)
    // a table of the query's own head_dim wins over a nearer configuration of another
    const own = parseTableCsv('dtype,kv_dtype,batch_size,kv_len,latency_us,mfu\nbf16,bf16,16,4096,100,0.3', 'mha/decode/h20/8-1-256.csv')
    const both = set(...tables.paths().map((p) => tables.get(p)!), own)
    expect(defaultInterpolator.decodeAttention(both, 'mha/decode/h20/32-8-256.csv', 16, 4096, false, env)!.table).toBe('mha/decode/h20/8-1-256.csv')
  })

  it('borrow prefill configurations the same way', () => {
    const prefill = parseTableCsv('dtype,seq_len,latency_us,mfu\nbf16,1024,100,0.5\nbf16,4096,1000,0.8', 'mha/prefill/h20/32-8-128.csv')
    const got = defaultInterpolator.prefillAttention(set(prefill), 'mha/prefill/h20/64-8-128.csv', 2048, env)!
    expect(got.kind).toBe('borrowed')
    expect(got.value).toBeGreaterThan(0.5)
    expect(got.value).toBeLessThan(0.8)
  })
})

describe('MoE keys that were not measured', () => {
  const header = 'num_experts,num_gpus,num_local_experts,topk,hidden_size,intermediate_size,batch_size_per_gpu,tokens_per_expert,up_proj_us,up_mfu,down_proj_us,down_mfu'
  const rows = [16, 64, 256].map((b) => `128,8,16,8,2048,768,${b},${b / 2},${b},${b / 512},${b / 2},${b / 512}`)
  const tables = set(parseTableCsv([header, ...rows].join('\n'), 'grouped_gemm/decode/h20/data.csv'))
  const key = {experts: 128, gpus: 8, localExperts: 16, topk: 8, hidden: 2048, intermediate: 768}

  it('interpolate their own key and borrow the nearest key at the same tokens per expert', () => {
    expect(defaultInterpolator.groupedGemm(tables, 'grouped_gemm/decode/h20/data.csv', 'decode', key, 32, env)!.kind).toBe('interpolated')
    const other = {...key, experts: 256, gpus: 16}
    const got = defaultInterpolator.groupedGemm(tables, 'grouped_gemm/decode/h20/data.csv', 'decode', other, 32, env)!
    expect(got.kind).toBe('borrowed')
    // same widths, topk and local experts, but 16 local experts of 256 (ep 16) against 16 of 128 (ep 8): one log2 step apart
    expect(got.note).toMatch(/E=128 gpus=8 local=16 topk=8 D=2048 I=768 \(log2 distance 1\.00\)/)
  })

  it('fall back for keys far from every measured one', () => {
    const far = {experts: 256, gpus: 1, localExperts: 256, topk: 8, hidden: 7168, intermediate: 2048}
    expect(defaultInterpolator.groupedGemm(tables, 'grouped_gemm/decode/h20/data.csv', 'decode', far, 32, env)).toBeUndefined()
  })
})
