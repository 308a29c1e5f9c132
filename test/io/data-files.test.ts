/** Shipped data files the run time reads without a schema check (src/io/gpus.ts, src/io/engines.ts) are checked here. */
import {readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {expect, it} from 'vitest'
import {validator} from '../../src/schemas/validate.js'
import {ROOT} from '../helpers/cli.js'

it('data/gpus.json passes the GPU file schema', () => {
  const validate = validator('gpu')
  const ok = validate(JSON.parse(readFileSync(path.join(ROOT, 'data', 'gpus.json'), 'utf8')))
  expect(validate.errors ?? []).toEqual([])
  expect(ok).toBe(true)
})

it('data/engines/*.json pass the engine file schema and are named for their engine', () => {
  const validate = validator('engine')
  const dir = path.join(ROOT, 'data', 'engines')
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'))
  expect(files.sort()).toEqual(['sglang.json', 'trtllm.json', 'vllm.json'])
  for (const f of files) {
    const data = JSON.parse(readFileSync(path.join(dir, f), 'utf8'))
    const ok = validate(data)
    expect(validate.errors ?? [], f).toEqual([])
    expect(ok).toBe(true)
    expect(`${data.engine}.json`).toBe(f)
  }
})
