/** B8: collectives from measured comm tables where they cover the group, the formula elsewhere. */
import {describe, expect, it} from 'vitest'
import {loadSimInputs} from '../../src/io/inputs.js'
import {DEFAULT_DEPLOYMENT, type Deployment} from '../../src/sim/deployment.js'
import {simulate} from '../../src/sim/simulate.js'
import {lookupCollective} from '../../src/tables/comm-lookup.js'
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

  it('has no answer outside the measured GPU counts or without a table', () => {
    expect(lookupCollective(tables, 'g', 'allreduce', 16, 1000)).toBeUndefined()
    expect(lookupCollective(tables, 'g', 'deepep_ll_dispatch', 8, 1000)).toBeUndefined()
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
