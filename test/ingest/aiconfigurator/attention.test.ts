import {describe, expect, it} from 'vitest'
import {mapDecodeAttention, mapPrefillAttention} from '../../../src/ingest/aiconfigurator/attention.js'
import {mapDecodeMla, mapPrefillMla} from '../../../src/ingest/aiconfigurator/mla.js'
import {close, OPTIONS, rows, SRC, table, values} from './rows.js'

const heads = {num_heads: 32, num_key_value_heads: 8, head_dim: 128, beam_width: 1}

describe('AIConfigurator decode attention mapping', () => {
  const input = rows(
    {...heads, op_name: 'generation_attention', isl: 1, attn_dtype: 'bfloat16', window_size: 0, batch_size: 16, step: 1023},
    [
      {kernel_source: 'fa3', kv_cache_dtype: 'bfloat16', latency: 0.02},
      {kernel_source: 'triton', kv_cache_dtype: 'bfloat16', latency: 0.03},
      {kernel_source: 'triton', kv_cache_dtype: 'fp8', latency: 0.015},
      {kernel_source: 'fa3', kv_cache_dtype: 'bfloat16', latency: 0.001, window_size: 128},
      {kernel_source: 'fa3', kv_cache_dtype: 'bfloat16', latency: 0.5, num_heads: 64},
    ],
  )

  it('one table per head configuration and window, kv_len = isl + step', () => {
    const out = mapDecodeAttention(input, SRC, OPTIONS)
    expect(out.map((m) => m.table.path).sort()).toEqual(['mha/decode/test-gpu/32-8-128-w128.csv', 'mha/decode/test-gpu/32-8-128.csv', 'mha/decode/test-gpu/64-8-128.csv'])
    const t = table(out, 'mha/decode/test-gpu/32-8-128.csv')
    expect(t.columns).toEqual(['dtype', 'kv_dtype', 'batch_size', 'kv_len', 'latency_us', 'mfu'])
    expect(values(t)).toEqual([
      expect.objectContaining({dtype: 'bf16', kv_dtype: 'bf16', batch_size: 16, kv_len: 1024, latency_us: 20}),
      expect.objectContaining({dtype: 'bf16', kv_dtype: 'fp8', batch_size: 16, kv_len: 1024, latency_us: 15}),
    ])
  })

  it('MFU uses the decode core FLOPs the simulator counts (batch*4*H*hd*kv_len) against the bf16 peak', () => {
    const [row] = values(table(mapDecodeAttention(input, SRC, OPTIONS), 'mha/decode/test-gpu/32-8-128.csv'))
    expect(close(row.mfu as number, (16 * 4 * 32 * 128 * 1024) / (20e-6 * 1000e12))).toBe(true)
  })

  it('a sliding-window kernel goes to its own -w<window> table, its MFU over the window of keys it reads', () => {
    const [row] = values(table(mapDecodeAttention(input, SRC, OPTIONS), 'mha/decode/test-gpu/32-8-128-w128.csv'))
    // context 1024, window 128: 16 requests x 4*32*128 FLOPs x 128 keys in 1 us at the 1000 TFLOP/s bf16 peak
    expect(row).toMatchObject({kv_len: 1024, latency_us: 1})
    expect(close(row.mfu as number, (16 * 4 * 32 * 128 * 128) / (1e-6 * 1000e12))).toBe(true)
  })

  it('older collections without window_size are full attention', () => {
    const old = input.filter((r) => r.window_size === 0n).map(({window_size: _w, ...r}) => r)
    expect(values(table(mapDecodeAttention(old, SRC, OPTIONS), 'mha/decode/test-gpu/32-8-128.csv'))[0].latency_us).toBe(20)
  })
})

describe('AIConfigurator prefill attention mapping', () => {
  const at = (batch: number, latency: number, extra = {}) => ({batch_size: batch, latency, ...extra})
  const input = rows({...heads, op_name: 'context_attention', kernel_source: 'fa3', attn_dtype: 'bfloat16', kv_cache_dtype: 'bfloat16', window_size: 0, step: 0, isl: 1024}, [
    at(1, 0.1),
    at(2, 0.18),
    at(4, 0.32),
    at(8, 0.6),
    at(4, 0.2, {kv_cache_dtype: 'fp8', attn_dtype: 'fp8'}),
    at(1, 2, {isl: 8192}),
    at(1, 0.25, {isl: 8192, window_size: 128}),
  ])

  it('per seq_len, the batch nearest prefillTokens/seq_len, latency per request', () => {
    const t = table(mapPrefillAttention(input, SRC, OPTIONS), 'mha/prefill/test-gpu/32-8-128.csv')
    expect(t.columns).toEqual(['dtype', 'seq_len', 'latency_us', 'mfu'])
    expect(values(t).map((r) => [r.seq_len, r.latency_us])).toEqual([
      [1024, 80],
      [8192, 2000],
    ])
    const small = values(table(mapPrefillAttention(input, SRC, {...OPTIONS, prefillTokens: 1024}), 'mha/prefill/test-gpu/32-8-128.csv'))
    expect(small[0].latency_us).toBe(100)
  })

  it('MFU uses the simulator prefill FLOPs (isl * 4*H*hd*isl / 1.8), so FLOPs / (peak * mfu) gives the latency back', () => {
    const [row] = values(table(mapPrefillAttention(input, SRC, OPTIONS), 'mha/prefill/test-gpu/32-8-128.csv'))
    const flops = (1024 * 4 * 32 * 128 * 1024) / 1.8
    expect(close(flops / (1000e12 * (row.mfu as number)), 80e-6)).toBe(true)
  })

  it('a sliding-window prefill: its own table, FLOPs causal over the first window then window keys a query', () => {
    const t = table(mapPrefillAttention(input, SRC, OPTIONS), 'mha/prefill/test-gpu/32-8-128-w128.csv')
    const [row] = values(t)
    expect(row).toMatchObject({seq_len: 8192, latency_us: 250})
    // 128 x 128 pairs / 1.8 in the first window, then 8064 queries x 128 keys, 4*32*128 FLOPs a pair
    const flops = ((128 * 128) / 1.8 + 8064 * 128) * 4 * 32 * 128
    expect(close(flops / (1000e12 * (row.mfu as number)), 250e-6)).toBe(true)
  })
})

describe('AIConfigurator MLA mapping', () => {
  const common = {op_name: 'mla', kernel_source: 'flash_attention', mla_dtype: 'bfloat16', tp_size: 4, num_heads: 32}

  it('decode: <Htp>-512-64 tables, FLOPs with the heads a GPU holds', () => {
    const input = rows({...common, isl: 1, step: 4095, batch_size: 8}, [
      {kv_cache_dtype: 'bfloat16', latency: 0.05},
      {kv_cache_dtype: 'fp8', latency: 0.04},
    ])
    const t = table(mapDecodeMla(input, SRC, OPTIONS), 'mla/decode/test-gpu/32-512-64.csv')
    const rowsOut = values(t)
    expect(rowsOut.map((r) => [r.kv_dtype, r.kv_len, r.latency_us])).toEqual([
      ['bf16', 4096, 50],
      ['fp8', 4096, 40],
    ])
    const flops = 8 * (2 * 32 * (512 + 64) * 4096 + 2 * 4096 * 32 * 512)
    expect(close(rowsOut[0].mfu as number, flops / (50e-6 * 1000e12))).toBe(true)
  })

  it('prefill: <Htp>-128-64 tables, bf16 KV rows, per-request latency of the kernel the engine runs', () => {
    const input = rows({...common, step: 0, isl: 4096}, [
      {batch_size: 1, kv_cache_dtype: 'bfloat16', latency: 3},
      {batch_size: 1, kv_cache_dtype: 'fp8', latency: 1},
      {batch_size: 2, kv_cache_dtype: 'bfloat16', latency: 5},
    ])
    const engine = rows({...common, kernel_source: 'trtllm_mla', step: 0, isl: 4096}, [{batch_size: 1, kv_cache_dtype: 'bfloat16', latency: 3}])
    // TensorRT-LLM's kernel times the expanded prefill the engine runs: the latency as measured
    const [expanded] = values(table(mapPrefillMla(engine, SRC, OPTIONS), 'mla/prefill/test-gpu/32-128-64.csv'))
    expect(expanded.latency_us).toBe(3000)
    const flops = (4096 * (2 * 32 * (128 + 64) * 4096 + 2 * 4096 * 32 * 128)) / 1.8
    expect(close(expanded.mfu as number, flops / (3000e-6 * 1000e12))).toBe(true)
    // flash_attention timed the absorbed 576/512 kernel: per head and query-key pair 2(512+64) + 2x512 = 2176 FLOPs,
    // against 2(128+64) + 2x128 = 640 for the expanded kernel SGLang's prefill runs; same utilisation -> 3000 x 640/2176
    const [absorbed] = values(table(mapPrefillMla(input, SRC, OPTIONS), 'mla/prefill/test-gpu/32-128-64.csv'))
    expect(close(absorbed.latency_us as number, (3000 * 640) / 2176)).toBe(true)
  })
})
