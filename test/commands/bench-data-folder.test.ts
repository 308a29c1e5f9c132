/** --bench-data that is missing, a file, or a folder without tables: an error naming the folder on every command that reads tables. */
import {mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {runCli} from '../helpers/cli.js'

const dir = mkdtempSync(path.join(tmpdir(), 'infersim-bench-data-'))
const missing = path.join(dir, 'nonexistent')
const file = path.join(dir, 'tables.csv')
writeFileSync(file, 'm,k,n,latency_us,mfu\n16,4096,4096,10,0.1\n')
const empty = path.join(dir, 'empty')
mkdirSync(path.join(empty, 'gemm', 'h20'), {recursive: true})
writeFileSync(path.join(empty, 'README.md'), 'no tables here\n')

const commands: [string, string[]][] = [
  ['simulate', ['simulate', '--model', 'qwen3-8b']],
  ['sweep', ['sweep', '--model', 'qwen3-8b', '--max-gpus', '1', '--workers', '0']],
  ['calibrate', ['calibrate', '--profile', 'default']],
  ['mfu', ['mfu', '--kernel', 'gemm', '--m', '16', '--k', '4096', '--n', '4096']],
  ['tables', ['tables']],
  ['tables --model', ['tables', '--model', 'qwen3-8b']],
  ['tables score', ['tables:score']],
]

const cases: [string, string, RegExp][] = [
  ['a folder that does not exist', missing, /kernel-table folder .*nonexistent does not exist/],
  ['a file', file, /kernel-table folder .*tables\.csv is a file, not a folder of tables/],
  ['a folder with no tables', empty, /no kernel tables under .*empty: the folder holds no \.csv table/],
]

describe('--bench-data must be a folder of kernel tables', () => {
  for (const [name, argv] of commands) {
    for (const [what, folder, message] of cases) {
      it(`${name}: ${what} is an error naming it`, async () => {
        const r = await runCli([...argv, '--bench-data', folder])
        expect(r.exitCode).toBe(1)
        expect(r.stderr).toMatch(message)
        expect(r.stdout).toBe('')
      })
    }
  }

  it('--json gives the same error as JSON', async () => {
    const r = await runCli(['simulate', '--bench-data', missing, '--json'])
    expect(r.exitCode).toBe(1)
    expect(JSON.parse(r.stdout).error.message).toMatch(/kernel-table folder .*nonexistent does not exist/)
  })
})
