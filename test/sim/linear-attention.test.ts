/** GDN (linear-attention) layers: their share of the heads per GPU (linearTpShard) and a missing table borrowed from another GPU. */
import {describe, expect, it} from 'vitest'
import {linearStateBytesPerLayer} from '../../src/cost/kvcache.js'
import {linearShard} from '../../src/cost/shapes.js'
import {loadSimInputs} from '../../src/io/inputs.js'
import type {ProfileSwitches} from '../../src/profile.js'
import {DEFAULT_DEPLOYMENT} from '../../src/sim/deployment.js'
import {simulate} from '../../src/sim/simulate.js'
import {runCli} from '../helpers/cli.js'

// Qwen3.5-27B: 16 key heads and 48 value heads of 128, conv kernel 4
const qwen35_27b = {fullLayers: 16, linearLayers: 48, convKernel: 4, keyHeads: 16, keyHeadDim: 128, valueHeads: 48, valueHeadDim: 128}

const run = (model: string, gpu: string, tp: number, switches: Partial<ProfileSwitches> = {}) => {
  const i = loadSimInputs({model, gpu, profile: 'default', switches})
  return simulate(i.model, {...DEFAULT_DEPLOYMENT, worldSize: tp, tp, decodeBatch: 8, isl: 4096, osl: 1024}, i.gpu, i.tables, i.profile)
}
const core = (r: ReturnType<typeof run>, phase: 'prefill' | 'decode') => r[phase]!.steps.find((s) => s.id === 'linear-core')!

describe('GDN layers over tensor parallelism', () => {
  it('one GPU holds its share of the heads: 8 key and 24 value heads at tp 2, the table AIConfigurator keys that way', () => {
    expect(linearShard(qwen35_27b, {linearTp: 2})).toMatchObject({keyHeads: 8, valueHeads: 24, keyHeadDim: 128, valueHeadDim: 128, convKernel: 4})
    expect(linearShard(qwen35_27b, {linearTp: 1})).toBe(qwen35_27b)
    // heads that do not divide: the GPU with the most
    expect(linearShard(qwen35_27b, {linearTp: 5})).toMatchObject({keyHeads: 4, valueHeads: 10})
  })

  it("a request's recurrent state per layer: conv (48*128 + 2*16*128) * 3 * 2 bytes + SSM 48*128*128 * 4 bytes, half on each of 2 GPUs", () => {
    expect(linearStateBytesPerLayer(qwen35_27b)).toBe(61_440 + 3_145_728)
    expect(linearStateBytesPerLayer(linearShard(qwen35_27b, {linearTp: 2}))).toBe(30_720 + 1_572_864)
  })

  it('with linearTpShard the kernels of tp 2 read the per-GPU table; off (shipped), every GPU runs the whole layer', () => {
    expect(core(run('qwen3.5-27b', 'H200-SXM', 2, {linearTpShard: true}), 'decode').mfu!.table).toBe('gdn/decode/h200-sxm/4-8-128-24-128.csv')
    expect(core(run('qwen3.5-27b', 'H200-SXM', 2), 'decode').mfu!.table).toBe('gdn/decode/h200-sxm/4-16-128-48-128.csv')
    const sharded = run('qwen3.5-27b', 'H200-SXM', 2, {linearTpShard: true}).decode!.steps.find((s) => s.id === 'linear-o-proj')!
    const whole = run('qwen3.5-27b', 'H200-SXM', 2).decode!.steps.find((s) => s.id === 'linear-o-proj')!
    expect(sharded.shape).toMatchObject({k: 24 * 128})
    expect(whole.shape).toMatchObject({k: 48 * 128})
  })
})

describe('a GDN table the GPU lacks', () => {
  it("A100 (GDN decode measured, prefill not) reads the prefill table of the GPU whose GDN kernels time closest to its own", () => {
    // A100's GDN decode kernels time as H20's (median ratio 1.00); H20 measured 4-16-128-32-128 prefill: 592 us at 4096 tokens
    const c = core(run('qwen3.5-35b-a3b', 'A100-SXM', 1), 'prefill')
    expect(c.mfu).toMatchObject({kind: 'borrowed', table: 'gdn/prefill/h20/4-16-128-32-128.csv'})
    expect(c.computeSeconds! * 1e6).toBeCloseTo(592, 3)
    // H20 has no 48-value-head table: of the GPUs that do, H100's GDN kernels time closest (A100 1.44x), 76.33 + 563.6 us
    const d = core(run('qwen3.5-27b', 'A100-SXM', 1), 'prefill')
    expect(d.mfu).toMatchObject({kind: 'borrowed', table: 'gdn/prefill/h100-sxm/4-16-128-48-128.csv'})
    expect(d.computeSeconds! * 1e6).toBeCloseTo(639.93, 3)
  })

  it('says so in a warning, and the compat profile still refuses, as the reference does', async () => {
    const r = run('qwen3.5-27b', 'A100-SXM', 1)
    expect(r.warnings.map((w) => w.code)).toContain('gdn-borrowed')
    const compat = await runCli(['simulate', '--model', 'qwen3.5-27b', '--gpu', 'A100-SXM', '--world-size', '1', '--tp', '1', '--profile', 'infersim'])
    expect(compat.exitCode).not.toBe(0)
    expect(compat.stderr).toMatch(/GDN prefill table gdn\/prefill\/a100-sxm\/4-16-128-48-128\.csv does not exist/)
    expect(compat.stderr).not.toMatch(/\n\s+at /)
  })
})
