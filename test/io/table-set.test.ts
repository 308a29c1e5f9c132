/** A table set answers "is there such a table" per path, without listing folders, exactly as its listing would. */
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {listTablePaths, loadTableSet} from '../../src/io/tables.js'
import {ROOT} from '../helpers/cli.js'

const BENCH = path.join(ROOT, 'bench_data')

describe('loadTableSet', () => {
  it('has() agrees with the listing: every listed table, and none of the others', () => {
    for (const gpus of [['h100-sxm'], ['h20', 'h800'], undefined]) {
      const listed = listTablePaths(BENCH, gpus)
      const fresh = loadTableSet(BENCH, gpus)
      expect(listed.every((p) => fresh.has(p))).toBe(true)
      const others = listTablePaths(BENCH).filter((p) => !listed.includes(p))
      expect(others.some((p) => fresh.has(p))).toBe(false)
      expect(fresh.paths()).toEqual(listed)
    }
  })

  it('is not fooled by paths the listing skips', () => {
    const tables = loadTableSet(BENCH, ['h20'])
    for (const rel of [
      'gemm/h20/data.provenance.json',
      'gemm/h20',
      'gemm/h20/nope.csv',
      'gemm/h800/data.csv',
      'raw/infersim-reference/h20/gemm.csv',
      'gemm//h20/data.csv',
      '../bench_data/gemm/h20/data.csv',
    ]) {
      expect(tables.has(rel), rel).toBe(false)
      expect(tables.get(rel), rel).toBeUndefined()
    }
    expect(tables.has('gemm/h20/data.csv')).toBe(true)
    // raw/ holds real CSV files, never read as tables.
    expect(loadTableSet(BENCH).has('raw/infersim-reference/dsa/prefill/h800/logits-64-128.csv')).toBe(false)
  })
})
