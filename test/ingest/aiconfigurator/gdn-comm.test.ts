import {describe, expect, it} from 'vitest'
import {mapCollectives, mapDeepEp} from '../../../src/ingest/aiconfigurator/comm.js'
import {mapGdn} from '../../../src/ingest/aiconfigurator/gdn.js'
import {OPTIONS, rows, SRC, table, values} from './rows.js'

describe('AIConfigurator GDN mapping', () => {
  const heads = {op_name: 'gdn', d_conv: 4, num_k_heads: 16, head_k_dim: 128, num_v_heads: 32, head_v_dim: 128, d_model: 2048}
  const input = rows(heads, [
    {phase: 'context', kernel_source: 'causal_conv1d_fn', batch_size: 1, seq_len: 4096, num_tokens: 4096, latency: 0.01},
    {phase: 'context', kernel_source: 'chunk_gated_delta_rule', batch_size: 1, seq_len: 4096, num_tokens: 4096, latency: 0.2},
    {phase: 'context', kernel_source: 'chunk_gated_delta_rule', batch_size: 1, seq_len: 4096, num_tokens: 4096, latency: 0.15, d_model: 4096},
    {phase: 'context', kernel_source: 'causal_conv1d_fn', batch_size: 2, seq_len: 4096, num_tokens: 8192, latency: 0.02},
    {phase: 'context', kernel_source: 'chunk_gated_delta_rule', batch_size: 2, seq_len: 4096, num_tokens: 8192, latency: 0.3},
    {phase: 'generation', kernel_source: 'causal_conv1d_update', batch_size: 64, seq_len: 1, num_tokens: 64, latency: 0.005},
    {phase: 'generation', kernel_source: 'fused_recurrent_gated_delta_rule_packed_decode', batch_size: 64, seq_len: 1, num_tokens: 64, latency: 0.05},
    {phase: 'generation', kernel_source: 'causal_conv1d_update', batch_size: 128, seq_len: 1, num_tokens: 128, latency: 0.006},
  ])

  it('kernel parts become the columns of InferSim-style GDN tables (µs)', () => {
    const out = mapGdn(input, SRC, OPTIONS)
    const prefill = table(out, 'gdn/prefill/test-gpu/4-16-128-32-128.csv')
    expect(prefill.columns).toEqual(['seq_len', 'conv', 'chunk_gdn'])
    // batch 1 is nearest 4096/4096 tokens; the faster chunk kernel of two models with the same heads is kept
    expect(values(prefill)).toEqual([{seq_len: 4096, conv: 10, chunk_gdn: 150}])
    const decode = table(out, 'gdn/decode/test-gpu/4-16-128-32-128.csv')
    expect(decode.columns).toEqual(['batchsize', 'conv', 'gdn_update'])
    // batch 128 lacks its recurrent part: no row
    expect(values(decode)).toEqual([{batchsize: 64, conv: 5, gdn_update: 50}])
  })
})

describe('AIConfigurator communication mapping', () => {
  const custom = rows({op_name: 'all_reduce', allreduce_dtype: 'bfloat16', num_gpus: 8, message_size: 1024}, [
    {kernel_source: 'SGLang_CustomAllReduce_graph', latency: 0.004},
    {kernel_source: 'SGLang_CustomAllReduce_eager', latency: 0.03},
    {kernel_source: 'SGLang_CustomAllReduce_graph', latency: 0.5, message_size: 1 << 24},
  ])
  const nccl = rows({kernel_source: 'NCCL', num_gpus: 8}, [
    {op_name: 'all_reduce', nccl_dtype: 'half', message_size: 1024, latency: 0.01},
    {op_name: 'all_reduce', nccl_dtype: 'half', message_size: 1 << 24, latency: 0.3},
    {op_name: 'all_reduce', nccl_dtype: 'int8', message_size: 1 << 25, latency: 0.1},
    {op_name: 'all_gather', nccl_dtype: 'int8', message_size: 2048, latency: 0.02},
    {op_name: 'all_gather', nccl_dtype: 'half', message_size: 1024, latency: 0.03},
  ])

  it('all-reduce keeps the faster of custom all-reduce and NCCL per size; sizes in bytes', () => {
    const out = mapCollectives({customAllreduce: {rows: custom, src: SRC}, nccl: {rows: nccl, src: {...SRC, file: 'nccl.parquet'}}}, OPTIONS)
    const ar = values(table(out, 'comm/test-gpu/allreduce.csv'))
    expect(ar).toEqual([
      {num_gpus: 8, message_bytes: 2048, latency_us: 4},
      {num_gpus: 8, message_bytes: 2 * (1 << 24), latency_us: 300},
    ])
    const prov = out.find((m) => m.table.path.endsWith('allreduce.csv'))!.provenance
    expect(prov.kernelSources).toEqual({SGLang_CustomAllReduce_graph: 1, 'NCCL half': 1})
    expect(prov.inputs.map((i) => i.file).sort()).toEqual(['nccl.parquet', SRC.file])
  })

  it('collectives without arithmetic take any dtype by bytes (fastest kept)', () => {
    const out = mapCollectives({nccl: {rows: nccl, src: SRC}}, OPTIONS)
    expect(values(table(out, 'comm/test-gpu/allgather.csv'))).toEqual([{num_gpus: 8, message_bytes: 2048, latency_us: 20}])
  })

  it('DeepEP: payload bytes tokens*topk*hidden (fp8 dispatch, bf16 combine), GPUs from nodes', () => {
    const ll = rows({op_name: 'll', kernel_source: 'deepep', node_num: 2, hidden_size: 7168, num_topk: 8, num_experts: 256}, [
      {num_token: 128, dispatch_avg_t_us: 100, combine_avg_t_us: 150, dispatch_bandwidth_gbps: 1, combine_bandwidth_gbps: 1},
    ])
    const out = mapDeepEp(ll, SRC, 'll', OPTIONS)
    expect(values(table(out, 'comm/test-gpu/deepep_ll_dispatch.csv'))).toEqual([{num_gpus: 16, message_bytes: 128 * 8 * 7168, latency_us: 100}])
    expect(values(table(out, 'comm/test-gpu/deepep_ll_combine.csv'))).toEqual([{num_gpus: 16, message_bytes: 128 * 8 * 7168 * 2, latency_us: 150}])
    const normal = rows({op_name: 'normal', kernel_source: 'deepep', node_num: 1, hidden_size: 7168, num_topk: 8, num_experts: 256, num_token: 4096}, [
      {dispatch_sms: 24, dispatch_transmit_us: 300, dispatch_notify_us: 10, combine_sms: 24, combine_transmit_us: 500, combine_notify_us: 0},
      {dispatch_sms: 4, dispatch_transmit_us: 900, dispatch_notify_us: 10, combine_sms: 4, combine_transmit_us: 400, combine_notify_us: 0},
    ])
    const n = mapDeepEp(normal, SRC, 'normal', OPTIONS)
    expect(values(table(n, 'comm/test-gpu/deepep_normal_dispatch.csv'))[0].latency_us).toBe(310)
    expect(values(table(n, 'comm/test-gpu/deepep_normal_combine.csv'))[0].latency_us).toBe(400)
  })
})
