import {existsSync, mkdtempSync, readdirSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterAll, describe, expect, it} from 'vitest'
import {bundled} from '../../../src/io/paths.js'
import {gpuOfPath, listTablePaths} from '../../../src/io/tables.js'
import {runCli, runJson} from '../../helpers/cli.js'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const SYSTEMS = path.join(HERE, 'fixtures', 'systems')
const IMPORTED = ['h100-sxm', 'h200-sxm', 'b200-sxm', 'gb200-nvl72', 'a100-sxm', 'l40s']

describe('infersim ingest --format aiconfigurator', () => {
  const out = mkdtempSync(path.join(tmpdir(), 'infersim-aic-cli-'))
  afterAll(() => rmSync(out, {recursive: true, force: true}))

  it('imports a systems folder into --out and reports per GPU', async () => {
    const {json, exitCode} = await runJson(['ingest', '--format', 'aiconfigurator', SYSTEMS, '--out', out])
    expect(exitCode).toBe(0)
    expect(json.format).toBe('aiconfigurator')
    expect(json.gpus).toEqual([expect.objectContaining({name: 'L40S', system: 'l40s', known: true})])
    expect(json.gpus[0].tables).toBe(json.tables.length)
    expect(existsSync(path.join(out, 'mla', 'decode', 'l40s', '128-512-64.csv'))).toBe(true)
    expect(existsSync(path.join(out, 'comm', 'l40s', 'allreduce.provenance.json'))).toBe(true)
  })

  it('rejects more than one input and unknown distributions (usage errors)', async () => {
    const two = await runCli(['ingest', '--format', 'aiconfigurator', SYSTEMS, SYSTEMS, '--out', out])
    expect(two.exitCode).toBe(2)
    expect(two.stderr).toMatch(/takes one folder or \.parquet file/)
    const dist = await runCli(['ingest', '--format', 'aiconfigurator', SYSTEMS, '--moe-distribution', 'uniform', '--out', out])
    expect(dist.exitCode).toBe(2)
  })
})

describe('imported tables in bench_data', () => {
  it('stay under 25 MB of CSV for the six GPUs', () => {
    let bytes = 0
    let tables = 0
    for (const rel of listTablePaths(bundled.benchData)) {
      if (!IMPORTED.includes(gpuOfPath(rel))) continue
      bytes += statSync(path.join(bundled.benchData, rel)).size
      tables++
    }
    expect(tables).toBeGreaterThan(1000)
    expect(bytes).toBeLessThan(25e6)
  })

  it('every imported table has its provenance sidecar', () => {
    const missing = listTablePaths(bundled.benchData)
      .filter((rel) => IMPORTED.includes(gpuOfPath(rel)))
      .filter((rel) => !existsSync(path.join(bundled.benchData, rel.replace(/\.csv$/, '.provenance.json'))))
    expect(missing).toEqual([])
    expect(readdirSync(path.join(bundled.benchData, 'gemm', 'h100-sxm')).sort()).toEqual(['bf16.csv', 'bf16.provenance.json', 'data.csv', 'data.provenance.json'])
  })
})
