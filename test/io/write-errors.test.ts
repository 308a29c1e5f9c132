/** A failed write names the user's path and the reason, never the temp file it wrote first. */
import {mkdirSync, mkdtempSync, readdirSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {writeFileAtomic} from '../../src/io/text-file.js'
import {runCli} from '../helpers/cli.js'

const TEMP_NAME = /\.tmp\b|infersim-\d+|staged/

function messageOf(f: () => void): string {
  try {
    f()
  } catch (error) {
    return (error as Error).message
  }
  throw new Error('expected an error')
}

describe('write errors', () => {
  it('a target that is a folder: the message names it, the temp file is gone', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'write-err-'))
    mkdirSync(path.join(dir, 'baseline.json'))
    const m = messageOf(() => writeFileAtomic(path.join(dir, 'baseline.json'), '{}'))
    expect(m).toBe(`cannot write ${path.join(dir, 'baseline.json')}: it is a directory`)
    expect(readdirSync(dir)).toEqual(['baseline.json'])
  })

  it('a folder on the way that is a file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'write-err-'))
    writeFileSync(path.join(dir, 'notes'), 'x')
    const m = messageOf(() => writeFileAtomic(path.join(dir, 'notes', 'fit.json'), '{}'))
    expect(m).toMatch(/^cannot write .*notes\/fit\.json: /)
    expect(m).not.toMatch(TEMP_NAME)
  })

  it('calibrate --plot onto a folder fails before any work, naming the plot', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'write-err-'))
    mkdirSync(path.join(dir, 'calib.svg'))
    const r = await runCli(['calibrate', '--measurements', 'calibration/measurements.csv', '--plot', path.join(dir, 'calib.svg')])
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toMatch(/cannot write plot .*calib\.svg: it is a directory/)
    expect(r.stderr).not.toMatch(TEMP_NAME)
    expect(r.stdout).toBe('')
  })
})
