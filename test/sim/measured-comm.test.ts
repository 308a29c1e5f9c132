/** B8: collectives from measured comm tables where they cover the group, the formula elsewhere. */
import {describe, expect, it} from 'vitest'
import {loadSimInputs} from '../../src/io/inputs.js'
import {DEFAULT_DEPLOYMENT, type Deployment} from '../../src/sim/deployment.js'
import {simulate} from '../../src/sim/simulate.js'
import {lookupCollective, ringCarry} from '../../src/tables/comm-lookup.js'
import {parseTableCsv} from '../../src/io/tables.js'
import {tableSetFrom} from '../../src/tables/types.js'

const TABLE = 'num_gpus,message_bytes,latency_us\n2,1000,10\n2,4000,20\n8,1000,40\n8,4000,80\n'
const tables = tableSetFrom('/x', [parseTableCsv(TABLE, 'comm/g/allreduce.csv')])

describe('lookupCollective', () => {
  it('interpolates log-log in message size between measured rows', () => {
    const r = lookupCollective(tables, 'g', 'allreduce', 2, 2000)!
    expect(r.seconds * 1e6).toBeCloseTo(10 * Math.sqrt(2), 6)
    expect(r.lines).toEqual([2, 3])
  })

  it('blends GPU counts between measured ones, in log2', () => {
    const r = lookupCollective(tables, 'g', 'allreduce', 4, 1000)!
    expect(r.seconds * 1e6).toBeCloseTo(20, 6)
  })

  it('grows with the bytes beyond the largest message and holds below the smallest', () => {
    expect(lookupCollective(tables, 'g', 'allreduce', 2, 8000)!.seconds * 1e6).toBeCloseTo(40, 6)
    expect(lookupCollective(tables, 'g', 'allreduce', 2, 10)!.seconds * 1e6).toBeCloseTo(10, 6)
  })

  it('carries the nearest measured count to other GPU counts by the ring share (g-1)/g', () => {
    // 16 GPUs from the 8-GPU curve: 40 us x (15/16) / (7/8)
    const r = lookupCollective(tables, 'g', 'allreduce', 16, 1000)!
    expect(r.seconds * 1e6).toBeCloseTo((40 * 15) / 16 / (7 / 8), 6)
    expect(r.kind).toBe('extrapolated')
    expect(r.note).toMatch(/8 GPUs' curve carried to 16/)
    expect(ringCarry(8, 4)).toBeCloseTo(7 / 6, 12)
  })

  it('takes no more time for a message than for any larger one (the lower envelope), with that row as its source', () => {
    const zigzag = tableSetFrom('/x', [parseTableCsv('num_gpus,message_bytes,latency_us\n4,1000,10\n4,2000,30\n4,4000,15\n4,8000,40\n', 'comm/g/deepep_normal_dispatch.csv')])
    const at2000 = lookupCollective(zigzag, 'g', 'deepep_normal_dispatch', 4, 2000)!
    expect(at2000.seconds * 1e6).toBeCloseTo(15, 6)
    expect(at2000.lines).toContain(4)
    expect(at2000.lines).not.toContain(3)
    // between 1,000 (10 us) and 2,000 (15 us, 4,000's), log-log: 10 x 1.5^(1/2) at the geometric middle
    expect(lookupCollective(zigzag, 'g', 'deepep_normal_dispatch', 4, Math.sqrt(2) * 1000)!.seconds * 1e6).toBeCloseTo(10 * Math.sqrt(1.5), 6)
    expect(lookupCollective(zigzag, 'g', 'deepep_normal_dispatch', 4, 8000)!.seconds * 1e6).toBeCloseTo(40, 6)
  })

  it("H100's 8-GPU all-reduce of 1 KiB: 3.494 us (its 4 KiB row), not its own row's 15.6 us", async () => {
    const {readFileSync} = await import('node:fs')
    const path = await import('node:path')
    const rel = 'comm/h100-sxm/allreduce.csv'
    const h100 = tableSetFrom('/x', [parseTableCsv(readFileSync(path.resolve(import.meta.dirname, '..', '..', 'bench_data', rel), 'utf8'), rel)])
    expect(lookupCollective(h100, 'h100-sxm', 'allreduce', 8, 1024)!.seconds * 1e6).toBeCloseTo(3.494, 6)
  })

  it('has no answer for DeepEP tables outside their counts, or without a table', () => {
    const deepep = tableSetFrom('/x', [parseTableCsv(TABLE, 'comm/g/deepep_ll_dispatch.csv')])
    expect(lookupCollective(deepep, 'g', 'deepep_ll_dispatch', 16, 1000)).toBeUndefined()
    expect(lookupCollective(tables, 'g', 'deepep_ll_dispatch', 8, 1000)).toBeUndefined()
  })
})

describe('GB200 NVL72 at tp 8', () => {
  // GB200's tables stop at the 4 GPUs of a tray: 4,1048576,9.863 and 4,2097152,14.91 us (AIConfigurator's GB200 all-reduce).
  it("times the 8-GPU all-reduce from the 4-GPU curve, carried by 7/8 over 3/4, not by the formula's bandwidth alone", () => {
    const i = loadSimInputs({model: 'llama-3.1-70b', gpu: 'GB200-NVL72', profile: 'default'})
    const d: Deployment = {...DEFAULT_DEPLOYMENT, worldSize: 8, tp: 8, decodeBatch: 64, fp8Gemm: true, mode: 'decode'}
    const step = simulate(i.model, d, i.gpu, i.tables, i.profile).decode!.steps.find((s) => s.id === 'comm-before')!
    // 64 tokens x 8192 x 2 bytes = 1 MiB: 9.863 us at 4 GPUs, x 7/6
    expect(step.seconds * 1e6).toBeCloseTo((9.863 * 7) / 6, 2)
    expect(step.source?.table).toBe('comm/gb200-nvl72/allreduce.csv')
  })

  it('reads the table across two trays too: one NVLink domain joins the rack (a serving row lays tp 8 out over 2 trays of 4)', () => {
    const gb200 = loadSimInputs({model: 'llama-3.1-70b', gpu: 'GB200-NVL72', profile: 'default'})
    const d: Deployment = {...DEFAULT_DEPLOYMENT, worldSize: 8, tp: 8, nodes: 2, decodeBatch: 64, fp8Gemm: true, mode: 'decode'}
    const step = simulate(gb200.model, d, gb200.gpu, gb200.tables, gb200.profile).decode!.steps.find((s) => s.id === 'comm-before')!
    expect(step.seconds * 1e6).toBeCloseTo((9.863 * 7) / 6, 2)
    // Two H200 nodes are two NVLink domains: their tp 16 all-reduce crosses the network, which no table times.
    const h200 = loadSimInputs({model: 'llama-3.1-70b', gpu: 'H200-SXM', profile: 'default'})
    const across = simulate(h200.model, {...d, worldSize: 16, tp: 16}, h200.gpu, h200.tables, h200.profile).decode!.steps.find((s) => s.id === 'comm-before')!
    expect(across.source).toBeUndefined()
  })
})

describe('simulate with measured collectives', () => {
  const d: Deployment = {...DEFAULT_DEPLOYMENT, worldSize: 4, tp: 4, decodeBatch: 64, mode: 'decode'}
  const run = (profile: 'default' | 'infersim', id: string) => {
    const i = loadSimInputs({model: 'llama-3.1-70b', gpu: 'H100-SXM', profile})
    return simulate(i.model, d, i.gpu, i.tables, i.profile).decode!.steps.find((s) => s.id === id)!
  }

  it('the default profile times the TP all-reduces from the H100 table and names it', () => {
    expect(run('default', 'comm-before').source?.table).toBe('comm/h100-sxm/allreduce.csv')
    expect(run('default', 'comm-after').source?.table).toBe('comm/h100-sxm/allreduce.csv')
  })

  it('the compat profile keeps the bandwidth formula', () => {
    expect(run('infersim', 'tp-allreduce').source).toBeUndefined()
  })
})
