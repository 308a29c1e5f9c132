// `infersim tables score`: leave-one-out per table, family and overall, as text and JSON.
import {mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {runCli, runJson} from '../helpers/cli.js'

function benchData(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'infersim-score-'))
  mkdirSync(path.join(root, 'gemm', 'h800'), {recursive: true})
  const rows = [16, 32, 64, 128, 256].map((m) => `${m},7168,1536,${((2 * m * 7168 * 1536) / ((m / 400) * 1979e6)).toFixed(3)},${m / 400}`)
  writeFileSync(path.join(root, 'gemm', 'h800', 'data.csv'), ['m,k,n,latency_us,mfu', ...rows].join('\n'))
  return root
}

describe('infersim tables score', () => {
  it('scores every table of a folder, per family and overall, as JSON', async () => {
    const {json, exitCode} = await runJson(['tables:score', '--bench-data', benchData(), '--quantities'])
    expect(exitCode).toBe(0)
    expect(json.tables.map((t: {table: string}) => t.table)).toEqual(['gemm/h800/data.csv'])
    expect(json.families[0]).toMatchObject({family: 'gemm', quantity: 'latency', points: 5})
    expect(json.overall.interpolated.median).toBeLessThan(json.overall.nearest.median)
    expect(Object.keys(json.overall.byQuantity).sort()).toEqual(['latency', 'mfu', 'utilisation'])
  })

  it('prints the per-table and per-family tables and the overall ratio; --borrowing adds leave-one-shape-out', async () => {
    const r = await runCli(['tables:score', '--gpu', 'H800', '--borrowing'])
    expect(r.exitCode).toBe(0)
    expect(r.stdout).toMatch(/gemm\/h800\/data\.csv +110 /)
    expect(r.stdout).toMatch(/^overall +\d+ /m)
    expect(r.stdout).toMatch(/Overall median error: interpolation [\d.]+% vs nearest point [\d.]+% \(ratio [\d.]+\)/)
    expect(r.stdout).toMatch(/Leave-one-shape-out/)
    expect(r.stdout).toMatch(/^gemm +<= 0\.50 /m)
  })

  it('says clearly when there is nothing to score', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'infersim-score-empty-'))
    const r = await runCli(['tables:score', '--bench-data', empty])
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toMatch(/no kernel tables under/)
    const bad = await runCli(['tables:score', '--gpu', 'NoSuchGpu'])
    expect(bad.exitCode).toBe(2)
    expect(bad.stderr).toMatch(/unknown GPU "NoSuchGpu"/)
  })
})
