/** What the fuzz suite found, each pinned by the smallest input that showed it. */
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {parseMeasurements} from '../../src/calibrate/measurements.js'
import {InfersimError} from '../../src/errors.js'
import {readEngineFile} from '../../src/io/engines.js'
import {readGpuFile} from '../../src/io/gpus.js'
import {parseTableCsv} from '../../src/io/tables.js'
import {nearestGemmMfu} from '../../src/tables/nearest.js'
import {ROOT} from '../helpers/cli.js'

const dir = mkdtempSync(path.join(tmpdir(), 'infersim-findings-'))

describe('fuzz findings', () => {
  it('compat lookups keep an MFU below 0.0005 unrounded: rounded to 3 decimals it is 0, an infinite kernel time', () => {
    // AIConfigurator tables of fast GPUs hold such MFUs for tiny GEMMs (m=1); InferSim's own tables never did.
    const table = parseTableCsv('m,k,n,latency_us,mfu\n1,128,128,5.1,0.000000856\n2,128,128,5.2,0.0042\n', 'gemm/x/data.csv')
    const tiny = nearestGemmMfu(table, 1, 128, 128)!
    expect(tiny.value).toBe(0.000000856)
    expect(tiny.note).toMatch(/kept unrounded/)
    expect(nearestGemmMfu(table, 2, 128, 128)!.value).toBe(0.004)
  })

  it('a GPU spec whose figures would make Infinity (a default MFU of 5e-324, 1e308 GiB) is refused by its schema', () => {
    const doc = JSON.parse(readFileSync(path.join(ROOT, 'data', 'gpus.json'), 'utf8'))
    for (const [field, value] of [
      ['defaultMfu', 5e-324],
      ['memGiB', 1e308],
      ['fp16Tflops', 0.0000001],
    ] as const) {
      const file = path.join(dir, `gpus-${field}.json`)
      writeFileSync(file, JSON.stringify({gpus: [{...doc.gpus[0], [field]: value}]}))
      expect(() => readGpuFile(file)).toThrow(new RegExp(`GPU file .*gpus\\.0\\.${field}: must be (<=|>=)`))
    }
  })

  it('an engine file with a scale of 1e308 (an infinite TTFT) is refused by its schema', () => {
    const doc = JSON.parse(readFileSync(path.join(ROOT, 'data', 'engines', 'sglang.json'), 'utf8'))
    doc.parameters.attention_scale.value = 1e308
    const file = path.join(mkdtempSync(path.join(dir, 'e-')), 'sglang.json')
    writeFileSync(file, JSON.stringify(doc))
    expect(() => readEngineFile(file)).toThrow(/parameters\.attention_scale\.value: must be <= 1000000/)
  })

  it('a measurements file whose first line ends in a lone CR is an error, not a raw CSV exception', () => {
    let error: unknown
    try {
      parseMeasurements('\r,', 'm.csv', dir)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(InfersimError)
    expect((error as Error).message).toMatch(/^m\.csv: line 1: the header lacks column/)
  })
})
