/**
 * A GEMM table's (k, n) sites are found from its stored runs when it is a
 * columnar copy sorted by (k, n), from its rows' groups otherwise
 * (src/tables/interpolate/gemm.ts): every lookup, at a measured site or
 * borrowed from the nearest, must come out the same either way.
 */
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {loadTableSet, parseTableCsv} from '../../src/io/tables.js'
import {ColumnarTable} from '../../src/tables/columnar.js'
import {lookupGemmIn, nearestSiteDistance} from '../../src/tables/interpolate/gemm.js'
import {ROOT} from '../helpers/cli.js'

describe('GEMM sites from stored runs and from row groups', () => {
  it('give the same lookup for measured and unmeasured shapes of the H100 table', () => {
    const rel = 'gemm/h100-sxm/bf16.csv'
    const copy = loadTableSet(path.join(ROOT, 'bench_data'), ['h100-sxm']).get(rel)!
    const parsed = parseTableCsv(readFileSync(path.join(ROOT, 'bench_data', rel), 'utf8'), rel)
    expect(copy).toBeInstanceOf(ColumnarTable)
    expect(parsed).not.toBeInstanceOf(ColumnarTable)
    const env = {memBw: 3350, gemmDtype: 'bf16' as const}
    const sizes = [16, 128, 1000, 2048, 2560, 5120, 7168, 8192, 14336, 32064, 65536, 1 << 20]
    let compared = 0
    for (const k of sizes) {
      for (const n of sizes) {
        expect(nearestSiteDistance(copy, k, n)).toBe(nearestSiteDistance(parsed, k, n))
        for (const m of [1, 96, 4096]) {
          expect(lookupGemmIn(copy, m, k, n, env, 'utilisation'), `${m} x ${k} x ${n}`).toEqual(lookupGemmIn(parsed, m, k, n, env, 'utilisation'))
          compared++
        }
      }
    }
    expect(compared).toBe(432)
  })
})
