// The default profile's simulations read MFU through the interpolation; the compat profile never does.
import {describe, expect, it} from 'vitest'
import {runJson} from '../helpers/cli.js'

const kindsOf = (json: {prefill?: {steps: {mfu?: {kind: string}}[]}; decode?: {steps: {mfu?: {kind: string}}[]}}) =>
  new Set([...(json.prefill?.steps ?? []), ...(json.decode?.steps ?? [])].flatMap((s) => (s.mfu ? [s.mfu.kind] : [])))

describe('simulate and the MFU lookups', () => {
  it('interpolates under the default profile', async () => {
    const {json} = await runJson(['simulate', '--model', 'qwen3-8b', '--gpu', 'H20'])
    const kinds = kindsOf(json)
    expect(kinds.has('interpolated')).toBe(true)
    expect(kinds.has('nearest')).toBe(false)
  })

  it('keeps the nearest point under --profile infersim', async () => {
    const {json} = await runJson(['simulate', '--model', 'qwen3-8b', '--gpu', 'H20', '--profile', 'infersim'])
    const kinds = kindsOf(json)
    for (const k of ['interpolated', 'extrapolated', 'borrowed']) expect(kinds.has(k)).toBe(false)
    expect(kinds.has('nearest')).toBe(true)
  })
})
