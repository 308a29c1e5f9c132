/** A measurements file with a header and no rows (or only bad rows) is an error, not "0 rows, MAPE 0.0%". */
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {runCli} from '../helpers/cli.js'

const HEADER = 'id,model,gpu,world_size,nodes,tp,fp8_gemm,fp8_kv,deepep,tbo,isl,osl,phase,max_prefill_tokens,decode_batch,metric,actual,source,notes'
const dir = mkdtempSync(path.join(tmpdir(), 'infersim-no-rows-'))
const write = (name: string, text: string) => {
  const f = path.join(dir, name)
  writeFileSync(f, text)
  return f
}

describe('calibrate without measurement rows', () => {
  it('a header-only file is an error naming it', async () => {
    const r = await runCli(['calibrate', '--measurements', write('header-only.csv', `${HEADER}\n`)])
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toMatch(/header-only\.csv: no measurement rows, only the header/)
    expect(r.stdout).not.toMatch(/MAPE/)
  })

  it('the same under --json and --keep-going', async () => {
    const r = await runCli(['calibrate', '--measurements', write('header-only-2.csv', `${HEADER}\r\n\r\n`), '--keep-going', '--json'])
    expect(r.exitCode).toBe(1)
    expect(JSON.parse(r.stdout).error.message).toMatch(/no measurement rows, only the header/)
  })

  it('only bad rows with --keep-going: an error with the first problem, not an empty summary', async () => {
    const bad = 'R1,qwen3-8b,H20,1,1,1,0,0,0,0,lots,128,decode,,8,tpot_ms,20,test,'
    const r = await runCli(['calibrate', '--measurements', write('all-bad.csv', `${HEADER}\n${bad}\n`), '--keep-going'])
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toMatch(/no measurement row can be evaluated: all 1 are bad; the first: .*all-bad\.csv: line 2 \(row R1\): column "isl": "lots" is not a number/)
    expect(r.stdout).not.toMatch(/MAPE/)
  })
})
