/**
 * The per-layer step model: hand-worked figures for the cost-model fixes
 * (MLA heads per GPU, experts actually loaded, collectives per layout, engine
 * overheads, roofline bound labels), and simulate and serving sharing it.
 */
import {describe, expect, it} from 'vitest'
import {layerCollectives} from '../../src/cost/collectives.js'
import type {EngineParams} from '../../src/engine.js'
import {loadEngine} from '../../src/io/engines.js'
import {loadSimInputs} from '../../src/io/inputs.js'
import {servingContext} from '../../src/serving/context.js'
import {buildStepCost} from '../../src/serving/step-cost.js'
import {DEFAULT_DEPLOYMENT, type Deployment} from '../../src/sim/deployment.js'
import {stepLayerSeconds, type PhaseResult} from '../../src/sim/result.js'
import {simulate} from '../../src/sim/simulate.js'

const decode = (d: Partial<Deployment>): Deployment => ({...DEFAULT_DEPLOYMENT, mode: 'decode', ...d})

function run(model: string, gpu: string, d: Deployment, profile: 'default' | 'infersim' = 'default', engine?: {name: string; params: EngineParams}) {
  const i = loadSimInputs({model, gpu, profile})
  return simulate(i.model, d, i.gpu, i.tables, i.profile, engine ? {engine} : {})
}

const step = (p: PhaseResult, id: string) => p.steps.find((s) => s.id === id)!
const collectivesOf = (p: PhaseResult) => p.steps.flatMap((s) => s.collectives ?? [])

describe('collectives per layout (one layer, 64 tokens per GPU, hidden 4096)', () => {
  const base = {nodes: 1, deepep: false, hidden: 4096, topk: 8}
  const tensor = 64 * 4096 * 2
  const ops = (c: ReturnType<typeof layerCollectives>) => [...c.beforeFfn, ...c.afterFfn].map((x) => `${x.op}/${x.gpus}/${x.bytes}`)

  it('dense TP 4: two all-reduces of the tokens\' hidden states over the 4 GPUs', () => {
    expect(ops(layerCollectives({...base, worldSize: 4, tp: 4}, 64, 'decode', false))).toEqual([`allreduce/4/${tensor}`, `allreduce/4/${tensor}`])
  })

  it('MoE with TP, or attention TP with MoE EP inside the group: the same two all-reduces', () => {
    expect(ops(layerCollectives({...base, worldSize: 8, tp: 8}, 64, 'decode', true))).toEqual([`allreduce/8/${tensor}`, `allreduce/8/${tensor}`])
  })

  it('attention data-parallel with DeepEP over 16 GPUs: low-latency dispatch (fp8) and combine (bf16) of 64 x top-8 token copies, no all-reduce', () => {
    const c = layerCollectives({...base, worldSize: 16, tp: 1, nodes: 2, deepep: true}, 64, 'decode', true)
    expect(ops(c)).toEqual([`deepep_ll_dispatch/16/${64 * 8 * 4096}`, `deepep_ll_combine/16/${64 * 8 * 4096 * 2}`])
    expect(ops(layerCollectives({...base, worldSize: 16, tp: 1, nodes: 2, deepep: true}, 64, 'prefill', true))[0]).toMatch(/^deepep_normal_dispatch/)
  })

  it('attention data-parallel without DeepEP: all-gather of the 4 groups\' tokens before the experts, reduce-scatter after', () => {
    expect(ops(layerCollectives({...base, worldSize: 4, tp: 1}, 64, 'decode', true))).toEqual([`allgather/4/${tensor * 4}`, `reduce_scatter/4/${tensor * 4}`])
  })

  it('a leading dense layer under data-parallel attention runs no collective; one GPU runs none', () => {
    expect(ops(layerCollectives({...base, worldSize: 16, tp: 1, deepep: true}, 64, 'decode', false))).toEqual([])
    expect(ops(layerCollectives({...base, worldSize: 1, tp: 1}, 64, 'decode', true))).toEqual([])
  })
})

describe('simulate runs exactly those collectives', () => {
  it('Llama-3.1-70B on 4 H100 with tp 4: two all-reduces per layer (the reference adds a third)', () => {
    const d = decode({worldSize: 4, tp: 4, decodeBatch: 64})
    const fixed = collectivesOf(run('llama-3.1-70b', 'H100-SXM', d).decode!)
    expect(fixed.map((c) => c.op)).toEqual(['allreduce', 'allreduce'])
    // 64 tokens x hidden 8192 x 2 bytes
    for (const c of fixed) expect(c.bytes).toBe(64 * 8192 * 2)
    const reference = run('llama-3.1-70b', 'H100-SXM', d, 'infersim').decode!
    expect(reference.steps.filter((s) => s.part === 'comm' && s.seconds > 0).map((s) => s.id)).toEqual(['comm-before', 'comm-after', 'tp-allreduce'])
  })

  it('DeepSeek-V3 on 16 H200 with DeepEP: dispatch and combine on MoE layers, nothing on its 3 dense layers', () => {
    const r = run('deepseek-v3', 'H200-SXM', decode({worldSize: 16, nodes: 2, tp: 1, deepep: true, fp8Gemm: true, decodeBatch: 32}))
    expect(collectivesOf(r.decode!).map((c) => c.op)).toEqual(['deepep_ll_dispatch', 'deepep_ll_combine'])
    expect(r.decode!.groups.map((g) => g.count)).toEqual([58, 3])
  })
})

describe('MLA attention core with the heads one GPU holds', () => {
  it('DeepSeek-R1 on 8 B200 (tp 8, 16 heads per GPU), 181 requests at KV 5,100: within 10% of the table', () => {
    // mla/decode/b200-sxm/16-512-64.csv rows (batch, kv_len: latency us): (128, 4096) 124.1, (128, 8192) 228.5,
    // (256, 4096) 227.2, (256, 8192) 437.5. Blending log latency in log2 batch (181: 0.5) and log2 kv (5100: 0.316):
    // exp(0.342 ln 124.1 + 0.158 ln 228.5 + 0.342 ln 227.2 + 0.158 ln 437.5) = 205.1 us.
    const r = run('deepseek-r1', 'B200-SXM', decode({worldSize: 8, tp: 8, decodeBatch: 181, isl: 4074, osl: 2052}))
    const core = step(r.decode!, 'attn-core')
    expect(r.decode!.steps.find((s) => s.id === 'attn-core')!.shape).toEqual({batch: 181, kv_len: 5100})
    expect(core.seconds * 1e6).toBeGreaterThan(205.1 * 0.9)
    expect(core.seconds * 1e6).toBeLessThan(205.1 * 1.1)
  })
})

describe('experts actually loaded', () => {
  it('Qwen3-30B-A3B, one H100, batch 1: TPOT near the weights one token reads over HBM, not all 128 experts', () => {
    // Active weights per token (bf16): per layer attention q 2048x4096 + k,v 2 x 2048x512 + o 4096x2048 = 18.9M,
    // 8 experts x 3 x 2048 x 768 = 37.7M, router 2048 x 128 = 0.26M -> 56.9M x 48 layers = 2.73G, LM head
    // 151,936 x 2048 = 0.31G: 3.04G parameters = 6.08 GB. At H100's 3.35 TB/s: 1.82 ms. All 128 experts would be
    // 48 x 128 x 3 x 2048 x 768 x 2 bytes = 58 GB: 17 ms.
    const r = run('qwen3-30b-a3b', 'H100-SXM', decode({decodeBatch: 1}), 'default', loadEngine('sglang'))
    expect(r.decode!.latencyMs).toBeGreaterThan(1.82)
    expect(r.decode!.latencyMs).toBeLessThan(7)
    // one token picks 8 of 128 experts: 8 experts' weights, 8 x 3 x 2048 x 768 x 2 bytes per layer
    expect(step(r.decode!, 'ffn').memoryFloorSeconds! * r.inputs.gpu.memBwGBs * r.inputs.gpu.memBwEfficiency * 1024 ** 3).toBeCloseTo(8 * 3 * 2048 * 768 * 2, -3)
  })
})

describe('bound labels from the roofline', () => {
  it('decode attention and a batch-1 FFN sit on the memory floor, whatever MFU their tables give', () => {
    const r = run('llama-3.1-8b', 'H100-SXM', decode({decodeBatch: 8}))
    for (const id of ['attn-core', 'ffn']) {
      const s = step(r.decode!, id)
      expect(s.mfu!.value).toBeLessThan(0.2)
      expect(s.memoryFloorSeconds!).toBeGreaterThan(s.computeFloorSeconds!)
      expect(s.bound).toBe('memory')
    }
  })

  it('a long prefill\'s GEMMs sit on the compute floor', () => {
    const r = run('llama-3.1-8b', 'H100-SXM', {...DEFAULT_DEPLOYMENT, mode: 'prefill', maxPrefillTokens: 8192})
    expect(step(r.prefill!, 'o-proj').bound).toBe('compute')
  })
})

describe('engine overheads in plain simulate', () => {
  const params = (step: number, perRequest: number, mixed: number) =>
    ({step_overhead_ms: step, per_request_overhead_ms: perRequest, mixed_step_overhead_ms: mixed, layer_overhead_us: 10, moe_layer_overhead_us: 20}) as EngineParams

  it('the default profile adds the engine\'s step and per-request costs; the compat profile keeps 30 ms and 5 ms', () => {
    const d = {...DEFAULT_DEPLOYMENT, decodeBatch: 16}
    const r = run('llama-3.1-8b', 'H100-SXM', d, 'default', {name: 'test', params: params(1, 0.1, 2)})
    // decode: 1 + 0.1 x 16 requests + 10 us x 32 layers (a dense model: no MoE layers);
    // prefill of 4096 tokens of 4096-token prompts: 1 + 0.1 x 1 + 2 + 10 us x 32 layers
    expect(r.decode!.overheadMs).toBeCloseTo(2.6 + 0.32, 9)
    expect(r.prefill!.overheadMs).toBeCloseTo(3.1 + 0.32, 9)
    const compat = run('llama-3.1-8b', 'H100-SXM', d, 'infersim', {name: 'test', params: params(1, 0.1, 2)})
    expect([compat.prefill!.overheadMs, compat.decode!.overheadMs]).toEqual([30, 5])
  })
})

describe('simulate and serving share the layer model', () => {
  // One token: the serving curve's first grid point (later points are kept non-decreasing, which may lift them).
  it('the serving step cost\'s GEMM part for one token is the sum of simulate\'s matrix steps of a one-request decode', () => {
    const i = loadSimInputs({model: 'qwen3-30b-a3b', gpu: 'H100-SXM', profile: 'default'})
    const d: Deployment = {...DEFAULT_DEPLOYMENT, worldSize: 2, tp: 2, isl: 1024, osl: 512, mode: 'decode', decodeBatch: 1}
    const sim = simulate(i.model, d, i.gpu, i.tables, i.profile).decode!
    const perLayer = (part: string) => sim.steps.filter((s) => s.part === part && s.id !== 'lm-head').reduce((a, s) => a + stepLayerSeconds(s), 0)
    const {ctx} = servingContext(i.model, d, i.gpu, i.tables, i.profile)
    const cost = buildStepCost(ctx, {isl: 1024, osl: 512})
    expect(cost.gemmSeconds(1)).toBeCloseTo(48 * perLayer('gemm'), 12)
    expect(cost.moeSeconds(1)).toBeCloseTo(48 * perLayer('moe'), 12)
  })
})
