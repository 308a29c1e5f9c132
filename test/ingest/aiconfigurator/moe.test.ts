import {describe, expect, it} from 'vitest'
import {mapMoe} from '../../../src/ingest/aiconfigurator/moe.js'
import {close, OPTIONS, rows, SRC, table, values} from './rows.js'

const shape = {op_name: 'moe', hidden_size: 4096, inter_size: 1536, topk: 8, num_experts: 128, moe_tp_size: 2, moe_ep_size: 4, distribution: 'balanced'}

describe('AIConfigurator MoE mapping', () => {
  const input = rows(shape, [
    {kernel_source: 'triton', moe_dtype: 'bfloat16', num_tokens: 64, latency: 0.3},
    {kernel_source: 'triton', moe_dtype: 'fp8_block', num_tokens: 64, latency: 0.2},
    {kernel_source: 'cutlass', moe_dtype: 'fp8_block', num_tokens: 64, latency: 0.25},
    {kernel_source: 'triton', moe_dtype: 'fp8_block', num_tokens: 64, latency: 0.1, distribution: 'power_law_1.2'},
    {kernel_source: 'triton', moe_dtype: 'fp8_block', num_tokens: 2, latency: 0.1},
    {kernel_source: 'triton', moe_dtype: 'fp8_block', num_tokens: 8192, latency: 3},
    {kernel_source: 'marlin', moe_dtype: 'int4_wo', num_tokens: 64, latency: 0.1},
  ])

  it("maps tp x ep to the simulator's key: num_gpus tp*ep, E/ep local experts, inter/tp, num_tokens/ep tokens per GPU", () => {
    const out = mapMoe(input, SRC, OPTIONS)
    expect(out.map((m) => m.table.path).sort()).toEqual([
      'grouped_gemm/decode/test-gpu/bf16.csv',
      'grouped_gemm/decode/test-gpu/data.csv',
      'grouped_gemm/decode/test-gpu/int4.csv',
      'grouped_gemm/prefill/test-gpu/bf16.csv',
      'grouped_gemm/prefill/test-gpu/data.csv',
      'grouped_gemm/prefill/test-gpu/int4.csv',
    ])
    const decode = values(table(out, 'grouped_gemm/decode/test-gpu/data.csv'))
    expect(decode).toHaveLength(1)
    expect(decode[0]).toMatchObject({num_experts: 128, num_gpus: 8, num_local_experts: 32, topk: 8, hidden_size: 4096, intermediate_size: 768, batch_size_per_gpu: 16, tokens_per_expert: 4})
  })

  it('splits the block latency 2:1 up:down with one MFU from the whole block FLOPs (fp8 peak for fp8 rows)', () => {
    const [row] = values(table(mapMoe(input, SRC, OPTIONS), 'grouped_gemm/decode/test-gpu/data.csv'))
    expect(row.up_proj_us).toBeCloseTo(133.3, 1)
    expect(row.down_proj_us).toBeCloseTo(66.67, 2)
    expect(close(row.up_mfu as number, (2 * 4096 * 768 * 16 * 8 * 3) / (200e-6 * 2000e12))).toBe(true)
    expect(row.down_mfu).toBe(row.up_mfu)
  })

  it('decode keeps up to 1024 tokens per GPU, prefill from 256 (here 16 and 2048)', () => {
    const out = mapMoe(input, SRC, OPTIONS)
    expect(values(table(out, 'grouped_gemm/prefill/test-gpu/data.csv')).map((r) => r.seq_len_per_gpu)).toEqual([2048])
    expect(values(table(out, 'grouped_gemm/decode/test-gpu/data.csv')).map((r) => r.batch_size_per_gpu)).toEqual([16])
  })

  it('--moe-distribution picks the routing distribution', () => {
    const out = mapMoe(input, SRC, {...OPTIONS, moeDistribution: 'power_law_1.2'})
    expect(values(table(out, 'grouped_gemm/decode/test-gpu/data.csv'))[0].up_proj_us).toBeCloseTo(66.67, 2)
  })

  it('int4 weight-only rows go to int4.csv with MFU against the bf16 peak (the math runs in bf16)', () => {
    const out = mapMoe(input, SRC, OPTIONS)
    const [row] = values(table(out, 'grouped_gemm/decode/test-gpu/int4.csv'))
    expect(close(row.up_mfu as number, (2 * 4096 * 768 * 16 * 8 * 3) / (100e-6 * OPTIONS.peaks.bf16 * 1e12))).toBe(true)
    expect(table(out, 'grouped_gemm/decode/test-gpu/int4.csv').rows).toHaveLength(1)
  })
})
