import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {engineFilePath, loadEngine, readEngineFile} from '../../src/io/engines.js'
import {ENGINE_NAMES, FITTED_NAMES} from '../../src/engine.js'

describe('engine files', () => {
  it.each(ENGINE_NAMES)('%s: every parameter has a value, a description and a source; the fit names its data', (name) => {
    const f = readEngineFile(engineFilePath(name))
    expect(f.engine).toBe(name)
    for (const [key, p] of Object.entries(f.parameters)) {
      expect(p.description.length, key).toBeGreaterThan(10)
      expect(p.source, key).toBeTruthy()
    }
    expect(f.fit?.data).toEqual(expect.arrayContaining([expect.stringMatching(/serving-h100\.csv/)]))
    for (const key of FITTED_NAMES) expect(f.parameters[key].source, key).toMatch(f.parameters[key].held ? /^held at .*: / : /fitted by infersim calibrate --fit/)
    const e = loadEngine(name)
    expect(e.params.max_prefill_tokens).toBeGreaterThan(0)
  })

  it('names the file and the field of a bad engine file', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'infersim-engines-'))
    const good = JSON.parse(readFileSync(engineFilePath('vllm'), 'utf8'))
    good.parameters.step_overhead_ms.value = -1
    writeFileSync(path.join(dir, 'vllm.json'), JSON.stringify(good))
    expect(() => loadEngine('vllm', dir)).toThrow(/engine file .*vllm\.json: parameters\.step_overhead_ms\.value: must be >= 0/)
    good.parameters.step_overhead_ms.value = 1
    writeFileSync(path.join(dir, 'sglang.json'), JSON.stringify({...good, engine: 'vllm'}))
    expect(() => loadEngine('sglang', dir)).toThrow(/"engine" is "vllm" but the file is named sglang\.json/)
    expect(() => loadEngine('tgi', dir)).toThrow(/unknown engine "tgi"; known engines: trtllm, vllm, sglang/)
  })
})
