// Leave-one-out scoring: what is hidden, what is compared, and the acceptance figure on the reference tables.
import {describe, expect, it} from 'vitest'
import {loadGpus} from '../../src/io/gpus.js'
import {loadTableSet, parseTableCsv} from '../../src/io/tables.js'
import {effectiveRates, findGpu} from '../../src/hardware/gpu.js'
import {scoreTables, type ScoreGpu} from '../../src/tables/score.js'
import {errorStats} from '../../src/tables/score-stats.js'
import {tableSetFrom} from '../../src/tables/types.js'

const h20: ScoreGpu = {defaultMfu: 0.6, memBw: 3277, fp16Tflops: 148, fp8Tflops: 296}

describe('errorStats', () => {
  it('gives the median and the 90th percentile between order statistics', () => {
    expect(errorStats([5, 1, 3])).toEqual({n: 3, median: 3, p90: 4.6})
    expect(errorStats([]).n).toBe(0)
  })
})

describe('leave-one-out', () => {
  // MFU doubles with m up to 0.8: log-linear in m, so hiding an inner point and blending its neighbours in log space recovers it.
  const ms = [16, 32, 64, 128, 256, 512]
  const csv = ['m,k,n,latency_us,mfu', ...ms.map((m) => `${m},4096,4096,${((2 * m * 4096 * 4096) / ((m / 640) * 296e6)).toFixed(4)},${m / 640}`)]
  const gpu = () => h20

  it('recovers inner points of a log-linear table exactly, where the nearest point is off by a factor 2', () => {
    const r = scoreTables(tableSetFrom('/b', [parseTableCsv(csv.join('\n'), 'gemm/h20/data.csv')]), {gpu})
    const t = r.tables[0]
    expect(t.points).toBe(6)
    expect(t.kinds).toEqual({interpolated: 4, extrapolated: 2})
    // The 4 inner points: interpolation exact; nearest (last m' <= m) is half the value, 50% off.
    expect(t.interpolated.median).toBeLessThan(1e-9)
    expect(t.nearest.median).toBeCloseTo(50, 6)
    expect(r.families.map((f) => f.family)).toEqual(['gemm'])
    expect(r.overall.points).toBe(6)
  })

  it('hides duplicated points together and does not score MFUs rounded to 0', () => {
    const dup = [...csv, csv[3], '1024,4096,4096,100,0'].join('\n')
    const r = scoreTables(tableSetFrom('/b', [parseTableCsv(dup, 'gemm/h20/data.csv')]), {gpu})
    expect(r.tables[0].points).toBe(6)
    expect(r.tables[0].unscorable).toBe(1)
    // Had the duplicate of m=64 stayed visible, its point would be an exact hit.
    expect(r.tables[0].kinds.exact).toBeUndefined()
  })

  it('compares every quantity on demand and lists what it cannot score', () => {
    const tables = tableSetFrom('/b', [
      parseTableCsv(csv.join('\n'), 'gemm/h20/data.csv'),
      parseTableCsv('seq_len,conv\n4096,65', 'gdn/prefill/h20/4-16-128-32-128.csv'),
      parseTableCsv(csv.join('\n'), 'gemm/x1/data.csv'),
    ])
    const r = scoreTables(tables, {gpu: (k) => (k === 'h20' ? h20 : undefined), compareQuantities: true})
    expect(Object.keys(r.overall.byQuantity!).sort()).toEqual(['latency', 'mfu', 'utilisation'])
    expect(r.notScored).toEqual([
      {table: 'gdn/prefill/h20/4-16-128-32-128.csv', reason: 'not an MFU table the simulator looks up'},
      {table: 'gemm/x1/data.csv', reason: 'unknown GPU "x1"'},
    ])
  })
})

describe('acceptance on the reference tables (InferSim H20 and H800)', () => {
  it('halves the nearest-point median error at least', () => {
    const gpus = loadGpus()
    const tables = loadTableSet(undefined, ['h20', 'h800'])
    const r = scoreTables(tables, {
      gpu: (key) => {
        const g = findGpu(gpus, key)
        return g && {defaultMfu: g.defaultMfu, memBw: effectiveRates(g).memBw, fp16Tflops: g.fp16Tflops, fp8Tflops: g.fp8Tflops}
      },
    })
    expect(r.overall.points).toBeGreaterThan(1500)
    expect(r.overall.interpolated.median).toBeLessThanOrEqual(r.overall.nearest.median / 2)
  })
})
