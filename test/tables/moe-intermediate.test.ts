// A MoE key that was not measured, read along the intermediate size of its shape's measured keys: the kernel's time at
// the same tokens is a fixed part plus the weights it streams, a line in the intermediate size.
import {describe, expect, it} from 'vitest'
import {parseTableCsv} from '../../src/io/tables.js'
import {loadSimInputs} from '../../src/io/inputs.js'
import {defaultInterpolator} from '../../src/tables/interpolate/index.js'
import {groupedGemmWork} from '../../src/tables/interpolate/grouped-gemm.js'
import {tableSetFrom} from '../../src/tables/types.js'
import {DEFAULT_DEPLOYMENT} from '../../src/sim/deployment.js'
import {simulate} from '../../src/sim/simulate.js'

const HEADER = 'num_experts,num_gpus,num_local_experts,topk,hidden_size,intermediate_size,batch_size_per_gpu,tokens_per_expert,up_proj_us,up_mfu,down_proj_us,down_mfu'
const PATH = 'grouped_gemm/decode/h100-sxm/data.csv'
const env = {memBw: 2680}
const key = (tp: number) => ({experts: 128, gpus: tp, localExperts: 128, topk: 8, hidden: 4096, intermediate: 1536 / tp})

/** A table of moe_tp keys whose up + down time at 4 tokens is `us[tp]` (up twice down), MFU consistent with it on a 989 TFLOP/s peak. */
function table(us: Record<number, number>) {
  const rows = Object.entries(us).flatMap(([tp, t]) =>
    [4, 8].map((m) => {
      const total = m === 4 ? t : 2 * t
      const flops = groupedGemmWork(key(Number(tp)), m, env).reduce((a, w) => a + w.flops, 0)
      const mfu = flops / (total * 1e-6 * 989e12)
      return `128,${tp},128,8,4096,${1536 / Number(tp)},${m},${(m * 8) / 128},${(2 * total) / 3},${mfu},${total / 3},${mfu}`
    }),
  )
  return tableSetFrom('/bench', [parseTableCsv([HEADER, ...rows].join('\n'), PATH)])
}

/** The time (us, on the 989 TFLOP/s peak) of a key at `tokens` from the lookup's MFU. */
const timeUs = (tables: ReturnType<typeof table>, tp: number, tokens: number) => {
  const got = defaultInterpolator.groupedGemm(tables, PATH, 'decode', key(tp), tokens, env)!
  const flops = groupedGemmWork(key(tp), tokens, env).reduce((a, w) => a + w.flops, 0)
  return {us: flops / (got.value * 989e12) / 1e-6, got}
}

describe('a MoE key along its intermediate size', () => {
  it('beyond the measured keys: on the line through the two nearest (20 + 0.05 I us)', () => {
    // I = 768 and 384 take 58.4 and 39.2 us at 4 tokens; the line gives 20 + 0.05 x 192 = 29.6 us at I = 192
    const {us, got} = timeUs(table({2: 58.4, 4: 39.2}), 8, 4)
    expect(us).toBeCloseTo(29.6, 6)
    expect(got.kind).toBe('borrowed')
    expect(got.note).toMatch(/time affine in the intermediate size, beyond the keys of I=384 and I=768/)
  })

  it('between two measured keys: on the line through them', () => {
    // I = 768 and 192 (tp 2 and 8) take 58.4 and 29.6 us; I = 384 lies on the line: 39.2 us
    const {us, got} = timeUs(table({2: 58.4, 8: 29.6}), 4, 4)
    expect(us).toBeCloseTo(39.2, 6)
    expect(got.note).toMatch(/between the keys of I=192 and I=768/)
  })

  it('never below the nearest key scaled by the work, never above the nearest key', () => {
    // A line that would cross zero (I = 768: 60 us, I = 384: 20 us): the nearest key scaled by the work, 20 x 192 / 384 = 10 us
    expect(timeUs(table({2: 60, 4: 20}), 8, 4).us).toBeCloseTo(10, 6)
    // A line falling with the size (I = 768: 30 us, I = 384: 40 us): no more than the nearest key's 40 us
    expect(timeUs(table({2: 30, 4: 40}), 8, 4).us).toBeCloseTo(40, 6)
  })

  it('one measured key of the shape: borrowed from it, scaled by the work', () => {
    const got = defaultInterpolator.groupedGemm(table({4: 39.2}), PATH, 'decode', key(8), 4, env)!
    expect(got.note).toMatch(/^borrowed from E=128 gpus=4/)
  })

  it("H100's measured FP8 table: Qwen3-235B at MoE TP 8, one token, 23.6 us, from its TP 2 and TP 4 rows", () => {
    // AIConfigurator moe_perf, SGLang on H100, fp8, one token: up + down 34.1 + 17.05 us at I = 768, 21.84 + 10.92 at I = 384;
    // the line: 32.76 - (51.15 - 32.76) / 384 x 192 = 23.565 us, where the TP 4 key scaled by the work gives 16.4.
    const i = loadSimInputs({model: 'qwen3-235b-a22b', gpu: 'H100-SXM', profile: 'default'})
    const d = {...DEFAULT_DEPLOYMENT, worldSize: 8, tp: 8, weightFormat: 'fp8' as const, decodeBatch: 1, mode: 'decode' as const}
    const ffn = simulate(i.model, d, i.gpu, i.tables, i.profile).decode!.steps.find((s) => s.id === 'ffn')!
    expect(ffn.seconds * 1e6).toBeCloseTo(23.565, 1)
  })
})
