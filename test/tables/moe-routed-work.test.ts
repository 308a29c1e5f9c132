// What a MoE key's tokens count: each GPU of the group sees them entering the layer, so one GPU's experts
// process tokens x topk pairs, whether the experts are split over the GPUs (InferSim's keys) or each expert
// is split over them (AIConfigurator's moe_tp keys, whose MFU column counts 2 D I m topk 3 FLOPs).
import {describe, expect, it} from 'vitest'
import {parseTableCsv} from '../../src/io/tables.js'
import {defaultInterpolator} from '../../src/tables/interpolate/index.js'
import {groupedGemmWork, routedTokens} from '../../src/tables/interpolate/grouped-gemm.js'
import {tableSetFrom} from '../../src/tables/types.js'

// Qwen3-235B-A22B's MoE (128 experts, top-8, hidden 4096, expert width 1536) at moe_tp 8 and 4.
const tp8 = {experts: 128, gpus: 8, localExperts: 128, topk: 8, hidden: 4096, intermediate: 192}
const tp4 = {...tp8, gpus: 4, intermediate: 384}

describe('routed work of a MoE key', () => {
  it('a moe_tp key: tokens x topk pairs, the FLOPs its MFU column counts', () => {
    expect(routedTokens(tp8, 1)).toBe(8)
    const [up, down] = groupedGemmWork(tp8, 1, {})
    // gate+up: 2 x 8 pairs x 4096 x (2 x 192) = 25,165,824; down: 2 x 8 x 192 x 4096 = 12,582,912
    expect(up.flops).toBe(25_165_824)
    expect(down.flops).toBe(12_582_912)
    // Together 2 D I m topk 3 = 2 x 4096 x 192 x 1 x 8 x 3.
    expect(up.flops + down.flops).toBe(2 * 4096 * 192 * 8 * 3)
  })

  it('an expert-parallel key (DeepSeek over 8 GPUs, 32 experts each): tokens x topk pairs too', () => {
    const ep8 = {experts: 256, gpus: 8, localExperts: 32, topk: 8, hidden: 7168, intermediate: 2048}
    // The group's 8 x 4 tokens pick 8 experts each; a GPU holds 1/8 of them: 32 pairs.
    expect(routedTokens(ep8, 4)).toBe(32)
  })

  it('a borrowed key reads its donor at the same tokens, each expert seeing as many', () => {
    // The donor (moe_tp 4) measured at 1, 2, 4 and 8 tokens (lines 2-5); the query (moe_tp 8) at 2 tokens.
    const rows = [1, 2, 4, 8].map((m, i) => `128,4,128,8,4096,384,${m},${(m * 8) / 128},${20 + 10 * i},0.001,${10 + 5 * i},0.001`)
    const csv = ['num_experts,num_gpus,num_local_experts,topk,hidden_size,intermediate_size,batch_size_per_gpu,tokens_per_expert,up_proj_us,up_mfu,down_proj_us,down_mfu', ...rows].join('\n')
    const path = 'grouped_gemm/decode/h100-sxm/data.csv'
    const tables = tableSetFrom('/bench', [parseTableCsv(csv, path)])
    const got = defaultInterpolator.groupedGemm(tables, path, 'decode', tp8, 2, {memBw: 2680})!
    expect(got.kind).toBe('borrowed')
    expect(got.lines).toEqual([3])
  })
})
