/**
 * A borrowed GEMM MFU is at most the best MFU its table measured: borrowing
 * rescales a neighbour's utilisation by the query's roofline, which can carry
 * it past anything the kernel reached on that GPU.
 */
import {readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'
import {simulate} from '../../src/index.js'

/** The largest value of a CSV's mfu column, read off the file. */
function bestMfuOf(file: string): number {
  const [header, ...lines] = readFileSync(file, 'utf8').trim().split('\n')
  const col = header.split(',').indexOf('mfu')
  return Math.max(...lines.map((l) => Number(l.split(',')[col])))
}

describe('borrowed GEMM lookups', () => {
  it('Qwen3-30B-A3B\'s LM head at 512 requests on H100 reads no more than the BF16 table\'s best (it read 0.95)', async () => {
    const best = bestMfuOf('bench_data/gemm/h100-sxm/bf16.csv')
    expect(best).toBeCloseTo(0.8448, 4)
    const r = await simulate({model: 'qwen3-30b-a3b', gpu: 'H100-SXM', worldSize: 8, tp: 1, isl: 2000, osl: 200, decodeBatch: 512, fp8Kv: true})
    const head = r.decode!.steps.find((s) => s.id === 'lm-head')!.mfu!
    expect(head.kind).toBe('borrowed')
    expect(head.table).toBe('gemm/h100-sxm/bf16.csv')
    expect(head.value).toBe(best)
    expect(head.note).toMatch(/at most the table's best measured MFU, 0\.8448/)
  })
})
