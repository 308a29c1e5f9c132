/** Shipped data files the run time reads without a schema check (src/io/gpus.ts) are checked here. */
import {readFileSync} from 'node:fs'
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
