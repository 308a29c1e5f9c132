/** Which GPU a missing GDN table is borrowed from (src/tables/gdn-borrow.ts). */
import {describe, expect, it} from 'vitest'
import {parseTableCsv} from '../../src/io/tables.js'
import {gdnDonor} from '../../src/tables/gdn-borrow.js'
import {tableSetFrom} from '../../src/tables/types.js'

const decode = (gpu: string, us: number) => parseTableCsv(`batchsize,conv,gdn_update\n1,${us / 2},${us / 2}\n64,${us},${us}\n`, `gdn/decode/${gpu}/4-16-128-32-128.csv`)
const prefill = (gpu: string, shape = '4-16-128-32-128') => parseTableCsv('seq_len,conv,chunk_gdn\n4096,10,500\n', `gdn/prefill/${gpu}/${shape}.csv`)

describe('gdnDonor', () => {
  it('takes the GPU whose GDN kernels time closest to this one (median ratio over shared tables and batch sizes)', () => {
    // this GPU: 10 and 20 us; fast: 5 and 10 (ratio 2); near: 11 and 22 (ratio 0.91)
    const set = tableSetFrom('/x', [decode('mine', 20), decode('fast', 10), prefill('fast'), decode('near', 22), prefill('near')])
    expect(gdnDonor(set, 'gdn/prefill/mine/4-16-128-32-128.csv')).toEqual({path: 'gdn/prefill/near/4-16-128-32-128.csv', gpu: 'near', ratio: 20 / 22})
  })

  it('skips a GPU without the shape asked for, and gives up without a table of its own to compare', () => {
    const set = tableSetFrom('/x', [decode('mine', 20), decode('near', 22), prefill('near', '4-8-128-16-128'), decode('fast', 10), prefill('fast')])
    expect(gdnDonor(set, 'gdn/prefill/mine/4-16-128-32-128.csv')?.gpu).toBe('fast')
    expect(gdnDonor(tableSetFrom('/x', [prefill('fast'), decode('fast', 10)]), 'gdn/prefill/mine/4-16-128-32-128.csv')).toBeUndefined()
    expect(gdnDonor(set, 'mha/prefill/mine/8-1-128.csv')).toBeUndefined()
  })
})
