// A GEMM row far slower than a row of more tokens at the same (k, n) takes that row's time (src/tables/interpolate/gemm.ts).
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {loadTableSet, parseTableCsv} from '../../src/io/tables.js'
import {GEMM_SLOWER_THAN_MORE_TOKENS, lookupGemmIn} from '../../src/tables/interpolate/gemm.js'
import {ROOT} from '../helpers/cli.js'

const env = {memBw: 6400, gemmDtype: 'fp8' as const}

describe('GEMM rows slower than a row of more tokens', () => {
  it("GB200's FP8 4096 x 4096 at m = 8: m = 9's 9.268 us, not its own 17.88 us (MFU 0.003002 x 17.88 / 9.268)", () => {
    const rel = 'gemm/gb200-nvl72/data.csv'
    for (const table of [parseTableCsv(readFileSync(path.join(ROOT, 'bench_data', rel), 'utf8'), rel), loadTableSet(path.join(ROOT, 'bench_data'), ['gb200-nvl72']).get(rel)!]) {
      const looked = lookupGemmIn(table, 8, 4096, 4096, env, 'mfu')!
      expect(looked.value).toBeCloseTo((0.003002 * 17.88) / 9.268, 6)
      // its neighbours keep their own rows: m = 7, 9.34 us (MFU 0.005029)
      expect(lookupGemmIn(table, 7, 4096, 4096, env, 'mfu')!.value).toBeCloseTo(0.005029, 6)
    }
  })

  it('keeps a row within the noise of larger ones, and caps one beyond it', () => {
    expect(GEMM_SLOWER_THAN_MORE_TOKENS).toBe(1.3)
    // m = 2 at 12 us is 1.2x m = 4's 10 us: kept; m = 8 at 30 us is 3x m = 16's 10 us: 10 us. MFU at a 1,000 TFLOP/s peak.
    const P = 1e15
    const rows = [[1, 10], [2, 12], [4, 10], [8, 30], [16, 10], [32, 20]].map(([m, us]) => `${m},1024,1024,${us},${(2 * m * 1024 * 1024) / (us * 1e-6 * P)}`)
    const t = parseTableCsv(['m,k,n,latency_us,mfu', ...rows].join('\n'), 'gemm/x/data.csv')
    const timeUs = (m: number) => (2 * m * 1024 * 1024) / (lookupGemmIn(t, m, 1024, 1024, env, 'mfu')!.value * P) / 1e-6
    expect(timeUs(2)).toBeCloseTo(12, 6)
    expect(timeUs(8)).toBeCloseTo(10, 6)
    expect(timeUs(32)).toBeCloseTo(20, 6)
  })
})
