/** DeepSeek V3.2 sparse attention (issue 8): default profile uses the dsa tables; compat treats it as MLA. */
import {describe, expect, it} from 'vitest'
import {loadSimInputs} from '../../src/io/inputs.js'
import {DEFAULT_DEPLOYMENT} from '../../src/sim/deployment.js'
import {simulate} from '../../src/sim/simulate.js'

const deployment = {...DEFAULT_DEPLOYMENT, worldSize: 128, nodes: 16, deepep: true, tbo: true, decodeBatch: 64, isl: 32768, osl: 1024}

function run(model: string, profile: 'default' | 'infersim') {
  const i = loadSimInputs({model, gpu: 'H800', profile})
  return simulate(i.model, deployment, i.gpu, i.tables, i.profile)
}

describe('DSA', () => {
  it('default profile: decode attention and the indexer come from the dsa tables', () => {
    const r = run('deepseek-v3.2', 'default')
    const core = r.decode!.steps.find((s) => s.id === 'attn-core')!
    const indexer = r.decode!.steps.find((s) => s.id === 'dsa-indexer')!
    expect(core.mfu!.table).toBe('dsa/decode/h800/attn-128-576-2048.csv')
    expect(indexer.mfu!.table).toBe('dsa/decode/h800/logits-64-128.csv')
    expect(r.prefill!.steps.find((s) => s.id === 'dsa-indexer')!.mfu!.table).toBe('dsa/prefill/h800/logits-64-128.csv')
  })

  it('at a long context sparse attention decodes faster than dense MLA of the same model', () => {
    const sparse = run('deepseek-v3.2', 'default').decode!.latencyMs
    const dense = run('deepseek-v3', 'default').decode!.latencyMs
    expect(sparse).toBeLessThan(dense)
  })

  it('the compat profile treats V3.2 as MLA (no indexer step, mla tables)', () => {
    const r = run('deepseek-v3.2', 'infersim')
    expect(r.decode!.steps.some((s) => s.id === 'dsa-indexer')).toBe(false)
    expect(r.decode!.steps.find((s) => s.id === 'attn-core')!.mfu!.table).toBe('mla/decode/h800/128-512-64.csv')
  })
})
