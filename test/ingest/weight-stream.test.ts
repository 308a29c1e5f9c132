/** Ingest names GEMM and MLA batched-matmul tables whose rows run faster than their weights stream from memory (src/ingest/validate/weight-stream.ts). */
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
    expect(stream[0].message).toMatch(/^2 of 3 timings in gemm\/l40s\/bf16\.csv run faster than their weights stream at the GPU's 864 GB\/s, this one 2\.67x \(m=1 k=768 n=10240: 6\.827 µs, 18\.20 µs to stream\)/)
  })
})

describe('ingesting L40S MLA batched-matmul rows', () => {
  // Rows of the bundled L40S table (AIConfigurator's mla_bmm_perf): 128 heads hold 128 x 128 x 512 BF16 weights,
  // 16,777,216 B, 19.418 us at 864 GB/s; at one token both matmuls beat it (7.053 and 8.294 us), at 16 heads
  // (2.43 us to stream) neither does.
  const csv = 'heads,tokens,q_wk_us,o_wv_us\n16,1,4.378,4.403\n128,1,7.053,8.294\n'
  const target = makeTarget(layoutById('mla_bmm'), 'l40s', 'bf16', {})
  const {rows} = readTableCsv(csv, {...target, stemDtype: 'bf16'}, {...source, display: 'l40s-bmm.csv'})
  const {valid, issues} = validateRows(rows, loadGpus(), false)

  it('keeps the rows and names the furthest timing of the two matmuls', () => {
    expect(valid).toHaveLength(2)
    const stream = issues.filter((i) => i.code === 'faster-than-memory')
    expect(stream).toHaveLength(1)
    expect(stream[0]).toMatchObject({severity: 'warning', file: 'l40s-bmm.csv', line: 3})
    expect(stream[0].message).toMatch(/^2 of 4 timings in mla_bmm\/l40s\/bf16\.csv run faster than their weights stream at the GPU's 864 GB\/s, this one 2\.75x \(heads=128 tokens=1 q_wk_us: 7\.053 µs, 19\.42 µs to stream\)/)
  })
})
