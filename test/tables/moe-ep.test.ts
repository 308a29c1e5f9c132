/** MoE lookups under expert parallelism: the ep = 1 curve's share, wide-EP tables, borrowing that sees the expert count. */
import {describe, expect, it} from 'vitest'
import {parseTableCsv} from '../../src/io/tables.js'
import {defaultInterpolator} from '../../src/tables/interpolate/index.js'
import {tableSetFrom} from '../../src/tables/types.js'

const HEADER = 'num_experts,num_gpus,num_local_experts,topk,hidden_size,intermediate_size'
const env = {memBw: 3000}

/** ep = 1 rows of one key at these token counts, MFU = tokens / 10000 (a made-up curve). */
function curve(phase: 'decode' | 'prefill', tokens: number[]) {
  const col = phase === 'decode' ? 'batch_size_per_gpu' : 'seq_len_per_gpu'
  const lines = [`${HEADER},${col},tokens_per_expert,up_proj_us,up_mfu,down_proj_us,down_mfu`]
  for (const t of tokens) lines.push(`128,1,128,8,2048,768,${t},${(t * 8) / 128},100,${t / 10000},50,${t / 10000}`)
  return parseTableCsv(lines.join('\n'), `grouped_gemm/${phase}/g/data.csv`)
}

describe('expert-parallel share of the ep = 1 curve', () => {
  const tables = tableSetFrom('/x', [curve('decode', [64, 256, 1024]), curve('prefill', [1024, 4096, 16384])])
  const ep8 = {experts: 128, gpus: 8, localExperts: 16, topk: 8, hidden: 2048, intermediate: 768}

  it('reads the ep = 1 MFU at the group\'s token count: 32 tokens per GPU x 8 GPUs = 256', () => {
    const got = defaultInterpolator.groupedGemm(tables, 'grouped_gemm/decode/g/data.csv', 'decode', ep8, 32, env)!
    expect(got.value).toBeCloseTo(256 / 10000, 9)
    expect(got.kind).toBe('interpolated')
    expect(got.note).toMatch(/expert-parallel share \(ep 8\) of the ep = 1 curve at the group's 256 tokens/)
  })

  it('reads the prefill table when the group\'s tokens lie beyond the decode table (512 x 8 = 4096)', () => {
    const got = defaultInterpolator.groupedGemm(tables, 'grouped_gemm/decode/g/data.csv', 'decode', ep8, 512, env)!
    expect(got.table).toBe('grouped_gemm/prefill/g/data.csv')
    expect(got.value).toBeCloseTo(4096 / 10000, 9)
  })
})

describe('wide-EP tables', () => {
  const col = 'batch_size_per_gpu'
  const lines = [`${HEADER},${col},tokens_per_expert,up_proj_us,up_mfu,down_proj_us,down_mfu`]
  // ep 8 and ep 32 of DeepSeek's shape, 16 and 64 tokens per GPU; MFU 0.1 and 0.4 at ep 8, 0.2 and 0.8 at ep 32
  for (const [ep, t, mfu] of [
    [8, 16, 0.1],
    [8, 64, 0.4],
    [32, 16, 0.2],
    [32, 64, 0.8],
  ]) lines.push(`256,${ep},${256 / ep},8,7168,2048,${t},${(t * 8 * ep) / 256},100,${mfu},50,${mfu}`)
  const path = 'grouped_gemm/decode/g/wideep-uniform.csv'
  const tables = tableSetFrom('/x', [parseTableCsv(lines.join('\n'), path)])
  const key = (ep: number) => ({experts: 256, gpus: ep, localExperts: 256 / ep, topk: 8, hidden: 7168, intermediate: 2048})

  it('answers a measured EP size from its own rows', () => {
    expect(defaultInterpolator.wideEp(tables, path, 'decode', key(8), 16, env)!.value).toBeCloseTo(0.1, 9)
  })

  it('blends two measured EP sizes in log2 at the same tokens per GPU (ep 16 halfway between 8 and 32)', () => {
    const got = defaultInterpolator.wideEp(tables, path, 'decode', key(16), 16, env)!
    expect(got.value).toBeCloseTo(Math.sqrt(0.1 * 0.2), 9)
    expect(got.note).toMatch(/ep 8 and ep 32/)
  })

  it('has no answer outside its EP sizes or for another shape', () => {
    expect(defaultInterpolator.wideEp(tables, path, 'decode', key(64), 16, env)).toBeUndefined()
    expect(defaultInterpolator.wideEp(tables, path, 'decode', {...key(8), experts: 384, localExperts: 48}, 16, env)).toBeUndefined()
  })
})

describe('borrowing between MoE keys', () => {
  it('does not take a 256-expert key for a 384-expert one with the same local experts (Kimi K2 on 96 GPUs vs DeepSeek on 64)', () => {
    const lines = [`${HEADER},batch_size_per_gpu,tokens_per_expert,up_proj_us,up_mfu,down_proj_us,down_mfu`]
    for (const t of [16, 64]) lines.push(`256,64,4,8,7168,2048,${t},${t * 2},100,${t / 1000},50,${t / 1000}`)
    const tables = tableSetFrom('/x', [parseTableCsv(lines.join('\n'), 'grouped_gemm/decode/g/data.csv')])
    const kimi = {experts: 384, gpus: 96, localExperts: 4, topk: 8, hidden: 7168, intermediate: 2048}
    const got = defaultInterpolator.groupedGemm(tables, 'grouped_gemm/decode/g/data.csv', 'decode', kimi, 16, env)!
    expect(got.kind).toBe('borrowed')
    // ep 96 against ep 64: log2(1.5) = 0.58 apart, not 0
    expect(got.note).toMatch(/log2 distance 0\.58/)
  })
})
