import {describe, expect, it} from 'vitest'
import {mapMoe} from '../../../src/ingest/aiconfigurator/moe.js'
import {mapWideEpMoe} from '../../../src/ingest/aiconfigurator/wideep-moe.js'
import {close, OPTIONS, rows, SRC, table, values} from './rows.js'

const shape = {op_name: 'moe', hidden_size: 4096, inter_size: 1536, topk: 8, num_experts: 128, moe_tp_size: 2, moe_ep_size: 1, distribution: 'balanced'}

describe('AIConfigurator MoE mapping', () => {
  const input = rows(shape, [
    {kernel_source: 'triton', moe_dtype: 'bfloat16', num_tokens: 64, latency: 0.3},
    {kernel_source: 'triton', moe_dtype: 'fp8_block', num_tokens: 64, latency: 0.2},
    {kernel_source: 'cutlass', moe_dtype: 'fp8_block', num_tokens: 64, latency: 0.25},
    {kernel_source: 'triton', moe_dtype: 'fp8_block', num_tokens: 64, latency: 0.1, distribution: 'power_law_1.2'},
    {kernel_source: 'triton', moe_dtype: 'fp8_block', num_tokens: 2048, latency: 3},
    {kernel_source: 'marlin', moe_dtype: 'int4_wo', num_tokens: 64, latency: 0.1},
    // expert-parallel rows: every token reaches rank 0 in this collection, so they are not one GPU's share
    {kernel_source: 'triton', moe_dtype: 'fp8_block', num_tokens: 64, latency: 0.19, moe_ep_size: 4},
  ])

  it("keeps moe_ep 1 rows as the simulator's key: num_gpus moe_tp, all E experts local, inter/tp, num_tokens tokens", () => {
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
    // 64 tokens x top-8 over 128 local experts: 4 tokens per expert
    expect(decode[0]).toMatchObject({num_experts: 128, num_gpus: 2, num_local_experts: 128, topk: 8, hidden_size: 4096, intermediate_size: 768, batch_size_per_gpu: 64, tokens_per_expert: 4})
  })

  it('drops every moe_ep > 1 row', () => {
    const out = mapMoe(input, SRC, OPTIONS)
    for (const m of out) for (const r of values(m.table)) expect(r.num_local_experts).toBe(128)
    expect(out[0].provenance.filters.join(' ')).toMatch(/moe_ep_size 1 only/)
  })

  it('splits the block latency 2:1 up:down with one MFU from the whole block FLOPs (fp8 peak for fp8 rows)', () => {
    const [row] = values(table(mapMoe(input, SRC, OPTIONS), 'grouped_gemm/decode/test-gpu/data.csv'))
    expect(row.up_proj_us).toBeCloseTo(133.3, 1)
    expect(row.down_proj_us).toBeCloseTo(66.67, 2)
    expect(close(row.up_mfu as number, (2 * 4096 * 768 * 64 * 8 * 3) / (200e-6 * 2000e12))).toBe(true)
    expect(row.down_mfu).toBe(row.up_mfu)
  })

  it('decode keeps up to 1024 tokens per GPU, prefill from 256 (here 64 and 2048)', () => {
    const out = mapMoe(input, SRC, OPTIONS)
    expect(values(table(out, 'grouped_gemm/prefill/test-gpu/data.csv')).map((r) => r.seq_len_per_gpu)).toEqual([2048])
    expect(values(table(out, 'grouped_gemm/decode/test-gpu/data.csv')).map((r) => r.batch_size_per_gpu)).toEqual([64])
  })

  it('--moe-distribution picks the routing distribution', () => {
    const out = mapMoe(input, SRC, {...OPTIONS, moeDistribution: 'power_law_1.2'})
    expect(values(table(out, 'grouped_gemm/decode/test-gpu/data.csv'))[0].up_proj_us).toBeCloseTo(66.67, 2)
  })

  it('int4 weight-only rows go to int4.csv with MFU against the bf16 peak (the math runs in bf16)', () => {
    const out = mapMoe(input, SRC, OPTIONS)
    const [row] = values(table(out, 'grouped_gemm/decode/test-gpu/int4.csv'))
    expect(close(row.up_mfu as number, (2 * 4096 * 768 * 64 * 8 * 3) / (100e-6 * OPTIONS.peaks.bf16 * 1e12))).toBe(true)
    expect(table(out, 'grouped_gemm/decode/test-gpu/int4.csv').rows).toHaveLength(1)
  })

  it("MXFP4 experts: the faster of w4a16 and Blackwell's w4a8 (MXFP8 activations) per shape, in int4.csv", () => {
    const mx = rows(shape, [
      {kernel_source: 'flashinfer_trtllm', moe_dtype: 'w4a16_mxfp4', num_tokens: 64, latency: 0.38},
      {kernel_source: 'flashinfer_trtllm', moe_dtype: 'w4a8_mxfp4_mxfp8', num_tokens: 64, latency: 0.29},
      {kernel_source: 'flashinfer_trtllm', moe_dtype: 'w4a16_mxfp4', num_tokens: 512, latency: 0.69},
    ])
    const t = table(mapMoe(mx, SRC, OPTIONS), 'grouped_gemm/decode/test-gpu/int4.csv')
    // block latency split 2:1 up:down: 290 us -> 193.3 + 96.7; 690 us -> 460 + 230
    expect(values(t).map((r) => [r.batch_size_per_gpu, r.up_proj_us, r.down_proj_us])).toEqual([
      [64, 193.3, 96.67],
      [512, 460, 230],
    ])
  })
})

describe('AIConfigurator wide-EP MoE mapping', () => {
  const wide = {op_name: 'moe_generation', hidden_size: 7168, inter_size: 2048, topk: 8, num_experts: 256, moe_tp_size: 1, moe_dtype: 'fp8_block', kernel_source: 'deepepmoe'}
  const input = rows(wide, [
    {num_tokens: 256, moe_ep_size: 8, distribution: 'uniform', latency: 0.4},
    {num_tokens: 256, moe_ep_size: 8, distribution: 'power_law_1.01', latency: 0.5},
    {num_tokens: 100, moe_ep_size: 8, distribution: 'uniform', latency: 0.3},
  ])

  it('writes one table per distribution: num_gpus ep, E/ep local experts, num_tokens/ep tokens per GPU', () => {
    const out = mapWideEpMoe(input, SRC, OPTIONS, 'decode')
    expect(out.map((m) => m.table.path)).toEqual(['grouped_gemm/decode/test-gpu/wideep-power_law_1.01.csv', 'grouped_gemm/decode/test-gpu/wideep-uniform.csv'])
    const [row] = values(table(out, 'grouped_gemm/decode/test-gpu/wideep-uniform.csv'))
    // 256 tokens over 8 GPUs: 32 per GPU, x top-8 over 32 local experts = 8 per expert; 100 tokens do not split evenly and are dropped
    expect(row).toMatchObject({num_experts: 256, num_gpus: 8, num_local_experts: 32, batch_size_per_gpu: 32, tokens_per_expert: 8})
    expect(close(row.up_mfu as number, (2 * 7168 * 2048 * 32 * 8 * 3) / (400e-6 * 2000e12))).toBe(true)
  })
})
