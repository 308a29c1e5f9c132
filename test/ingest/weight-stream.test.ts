/** Ingest names GEMM tables whose rows run faster than their weights stream from memory (src/ingest/validate/weight-stream.ts). */
import {describe, expect, it} from 'vitest'
import {loadGpus} from '../../src/io/gpus.js'
import {layoutById} from '../../src/ingest/layouts/catalog.js'
import {readTableCsv} from '../../src/ingest/readers/csv.js'
import {makeTarget} from '../../src/ingest/target.js'
import {validateRows} from '../../src/ingest/validate/rows.js'
import {weightStreamUs} from '../../src/ingest/validate/weight-stream.js'

const source = {display: 'l40s-gemm.csv', recorded: 'l40s-gemm.csv', sha256: 'a'.repeat(64)}

describe('weightStreamUs', () => {
  it('is the weight bytes over the datasheet bandwidth', () => {
    // 768 x 10240 bf16 = 15,728,640 B at 864 GB/s
    expect(weightStreamUs({k: 768, n: 10240}, 'bf16', 864)).toBeCloseTo(18.204, 3)
    expect(weightStreamUs({k: 768, n: 10240}, 'fp8', 864)).toBeCloseTo(9.102, 3)
    expect(weightStreamUs({k: 768, n: 10240}, 'mystery', 864)).toBeUndefined()
  })
})

describe('ingesting L40S GEMM rows', () => {
  // Rows of AIConfigurator's L40S gemm_perf (SGLang 0.5.14, bf16): the first two beat the 864 GB/s stream
  // (6.827 us against 18.204 us; 9.586 us against 14.564 us for 4096 x 1536), the third does not (70.02 us against 58.25 us).
  const csv = 'm,k,n,latency_us,mfu\n1,768,10240,6.827,0.006364\n1,4096,1536,9.586,0.003626\n1,4096,6144,70.02,0.001985\n'
  const target = makeTarget(layoutById('gemm'), 'l40s', 'bf16', {})
  const {rows} = readTableCsv(csv, {...target, stemDtype: 'bf16'}, source)
  const {valid, issues} = validateRows(rows, loadGpus(), false)

  it('keeps every row and warns once for the table, naming the furthest row', () => {
    expect(valid).toHaveLength(3)
    const stream = issues.filter((i) => i.code === 'faster-than-memory')
    expect(stream).toHaveLength(1)
    expect(stream[0]).toMatchObject({severity: 'warning', file: 'l40s-gemm.csv', line: 2})
    expect(stream[0].message).toMatch(/^2 of 3 rows for gemm\/l40s\/bf16\.csv run faster than their weights stream at the GPU's 864 GB\/s, this one 2\.67x \(m=1 k=768 n=10240: 6\.827 µs, 18\.20 µs to stream\)/)
  })
})
