import {readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {loadEngine} from '../../../src/io/engines.js'
import {FIXTURE_ACCURACY, fixtureEngineDir} from './helpers.js'

describe('engine accuracy block', () => {
  it('an engine file may carry its cross-validated error; the loader keeps it, and an engine without one has none', () => {
    const dir = fixtureEngineDir()
    expect(loadEngine('sglang', dir).accuracy).toEqual(FIXTURE_ACCURACY.sglang)
    expect(loadEngine('vllm', dir).accuracy).toBeUndefined()
    // the bundled engines carry the held-out error of their fit
    expect(loadEngine('vllm').accuracy?.heldOut).toMatch(/leave one GPU out/)
  })

  it.each([
    [(a: any) => (a.ttft.median = -0.1), /engine file .*sglang\.json: accuracy\.ttft\.median: must be >= 0/],
    [(a: any) => delete a.tpot, /engine file .*sglang\.json: accuracy: must have required property 'tpot'/],
    [(a: any) => (a.rows = 2.5), /engine file .*sglang\.json: accuracy\.rows: must be integer/],
  ])('a bad accuracy block names the file and the field (%#)', (spoil, message) => {
    const dir = fixtureEngineDir()
    const file = path.join(dir, 'sglang.json')
    const data = JSON.parse(readFileSync(file, 'utf8'))
    spoil(data.accuracy)
    writeFileSync(file, JSON.stringify(data))
    expect(() => loadEngine('sglang', dir)).toThrow(message)
  })
})
