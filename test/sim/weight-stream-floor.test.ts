/** A GEMM takes at least its weights' bytes at the datasheet memory bandwidth (switch weightStreamFloor). */
import {describe, expect, it} from 'vitest'
import {loadSimInputs} from '../../src/io/inputs.js'
import {getProfile} from '../../src/profile.js'
import {DEFAULT_DEPLOYMENT, type Deployment} from '../../src/sim/deployment.js'
import {simulate} from '../../src/sim/simulate.js'

// Qwen3-8B at tp 4 on L40S (864 GB/s), one request decoding. Per GPU the QKV projection is 4096 x 1536 and the
// O projection 1024 x 4096, BF16. AIConfigurator's L40S gemm_perf (SGLang 0.5.14) times them at m = 1 in
// 9.586 us and 6.172 us (bench_data/gemm/l40s/bf16.csv), faster than their weights stream from memory:
// 4096 * 1536 * 2 B / 864 GB/s = 14.564 us and 1024 * 4096 * 2 B / 864 GB/s = 9.709 us. The benchmark kept
// 12.6 MB and 8.4 MB of weights in the 96 MB L2; a served model's layers come from memory every step.
const TABLE_US = {qkv: 9.586, o: 6.172}
const STREAM_US = {qkv: (4096 * 1536 * 2) / 864e3, o: (1024 * 4096 * 2) / 864e3}

const deployment: Deployment = {...DEFAULT_DEPLOYMENT, worldSize: 4, tp: 4, decodeBatch: 1, isl: 1024, osl: 1024, mode: 'decode'}
const inputs = loadSimInputs({model: 'qwen3-8b', gpu: 'L40S', profile: 'default'})

const stepUs = (id: string, floor: boolean) => {
  const r = simulate(inputs.model, deployment, inputs.gpu, inputs.tables, getProfile('default', {weightStreamFloor: floor}))
  return r.decode!.steps.find((s) => s.id === id)!.seconds * 1e6
}

describe('weightStreamFloor', () => {
  it('times a GEMM whose table row beats its weights at the datasheet bandwidth by the bandwidth', () => {
    expect(STREAM_US.qkv).toBeCloseTo(14.564, 3)
    expect(stepUs('qkv-proj', true)).toBeCloseTo(STREAM_US.qkv, 3)
    expect(stepUs('o-proj', true)).toBeCloseTo(STREAM_US.o, 3)
  })

  it('off, the table row as measured', () => {
    expect(stepUs('qkv-proj', false)).toBeCloseTo(TABLE_US.qkv, 2)
    expect(stepUs('o-proj', false)).toBeCloseTo(TABLE_US.o, 2)
  })

  it('is on by default and off in the compat profile', () => {
    expect(getProfile('default').switches.weightStreamFloor).toBe(true)
    expect(getProfile('infersim').switches.weightStreamFloor).toBe(false)
  })

  it('leaves a GEMM slower than its weights stream as measured (H100: every BF16 row is)', () => {
    const h100 = loadSimInputs({model: 'qwen3-8b', gpu: 'H100-SXM', profile: 'default'})
    const us = (floor: boolean) =>
      simulate(h100.model, deployment, h100.gpu, h100.tables, getProfile('default', {weightStreamFloor: floor})).decode!.steps.find((s) => s.id === 'qkv-proj')!.seconds
    expect(us(true)).toBe(us(false))
  })
})
