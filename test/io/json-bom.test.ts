/** A UTF-8 byte-order mark (as Windows editors write it) before any JSON file the tool reads is accepted, as it is before a CSV. */
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {parseJson} from '../../src/io/json.js'
import {ROOT, runJson} from '../helpers/cli.js'

const withBom = (dir: string, name: string, text: string) => {
  const file = path.join(dir, name)
  writeFileSync(file, `\uFEFF${text}`)
  return file
}

describe('a BOM before JSON', () => {
  it('a config.json with a BOM simulates as the same config without one', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bom-'))
    const config = withBom(dir, 'config.json', readFileSync(path.join(ROOT, 'hf_configs', 'qwen3-8b.json'), 'utf8'))
    const plain = await runJson(['simulate', '--model', path.join(ROOT, 'hf_configs', 'qwen3-8b.json'), '--gpu', 'H20'])
    const bom = await runJson(['simulate', '--model', config, '--gpu', 'H20'])
    expect(bom.exitCode, bom.stderr).toBe(0)
    expect(bom.json.decode).toEqual(plain.json.decode)
  })

  it('a --gpu-spec file with a BOM is read', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bom-'))
    const h20 = JSON.parse(readFileSync(path.join(ROOT, 'data', 'gpus.json'), 'utf8')).gpus.find((g: {name: string}) => g.name === 'H20')
    const spec = withBom(dir, 'gpus.json', JSON.stringify({gpus: [{...h20, name: 'MyGPU', aliases: undefined}]}))
    const r = await runJson(['gpus', '--gpu-spec', spec])
    expect(r.exitCode, r.stderr).toBe(0)
    expect(JSON.stringify(r.json)).toMatch(/MyGPU/)
  })

  it('parseJson drops only a leading BOM', () => {
    expect(parseJson('\uFEFF{"a": 1}')).toEqual({a: 1})
    expect(() => parseJson('{"a": "\uFEFF"}')).not.toThrow()
  })
})
