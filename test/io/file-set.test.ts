/** All-or-nothing writes of a set of files (src/io/file-set.ts): commit, failure, lock, and recovery after a kill. */
import {spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {hostname, tmpdir} from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {JOURNAL, lockFileSet, stagedPathOf, writeFileSet} from '../../src/io/file-set.js'
import {removeLegacyTemps} from '../../src/ingest/write-atomic.js'
import {removeStaleTemps} from '../../src/io/temp-files.js'

const scratch = () => mkdtempSync(path.join(tmpdir(), 'file-set-'))
/** The id of a process that has exited. */
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid!

/** Every file under `dir` with its text, hidden ones included. */
function tree(dir: string, rel = ''): Record<string, string> {
  const out: Record<string, string> = {}
  for (const e of readdirSync(path.join(dir, rel), {withFileTypes: true})) {
    const r = path.join(rel, e.name)
    if (e.isDirectory()) Object.assign(out, tree(dir, r), {[`${r}/`]: ''})
    else out[r] = readFileSync(path.join(dir, r), 'utf8')
  }
  return out
}

function killedWriter(dir: string, stage: 'plan' | 'commit', files: {target: string; content: string; staged: boolean}[], madeDirs: string[] = []): void {
  const journal = path.join(dir, JOURNAL)
  mkdirSync(journal)
  writeFileSync(path.join(journal, 'owner.json'), JSON.stringify({pid: deadPid(), host: hostname(), started: '2025-01-01T00:00:00Z', command: 'ingest'}))
  const plan = {files: files.map((f) => ({target: f.target, staged: stagedPathOf(f.target)})), madeDirs}
  writeFileSync(path.join(journal, stage === 'plan' ? 'plan.json' : 'commit.json'), JSON.stringify(plan))
  for (const d of madeDirs) mkdirSync(d, {recursive: true})
  for (const f of files) if (f.staged) writeFileSync(stagedPathOf(f.target), f.content)
}

describe('writeFileSet', () => {
  it('writes every file, making folders, and leaves no journal or staged file', () => {
    const dir = scratch()
    writeFileSync(path.join(dir, 'a.csv'), 'old a\n')
    writeFileSet(dir, [
      {path: path.join(dir, 'a.csv'), content: 'new a\n'},
      {path: path.join(dir, 'x', 'y', 'b.csv'), content: 'new b\n'},
    ], 'test')
    expect(tree(dir)).toEqual({'a.csv': 'new a\n', 'x/': '', 'x/y/': '', 'x/y/b.csv': 'new b\n'})
  })

  it('a failure while writing changes nothing, removes what it made, and names the user\'s file', () => {
    const dir = scratch()
    writeFileSync(path.join(dir, 'a.csv'), 'old a\n')
    writeFileSync(path.join(dir, 'blocker'), 'a file, not a folder\n')
    const before = tree(dir)
    let message = ''
    try {
      writeFileSet(dir, [
        {path: path.join(dir, 'a.csv'), content: 'new a\n'},
        {path: path.join(dir, 'new', 'c.csv'), content: 'new c\n'},
        {path: path.join(dir, 'blocker', 'b.csv'), content: 'new b\n'},
      ], 'test')
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).toMatch(/^cannot write .*blocker.*: a part of the path is not a folder; nothing was changed$/)
    expect(message).not.toMatch(/staged|journal|\.tmp/)
    expect(tree(dir)).toEqual(before)
  })

  it('refuses while another live process holds the folder', () => {
    const dir = scratch()
    const held = lockFileSet(dir, 'ingest')
    expect(() => lockFileSet(dir, 'ingest')).toThrow(new RegExp(`another infersim \\(ingest, pid ${process.pid} on .*\\) is writing under`))
    held.release()
    lockFileSet(dir, 'ingest').release()
    expect(readdirSync(dir)).toEqual([])
  })
})

describe('recovery of a write a killed process left', () => {
  it('before the commit point: rolls back (staged files and made folders removed, targets as they were)', () => {
    const dir = scratch()
    writeFileSync(path.join(dir, 'a.csv'), 'old a\n')
    const before = tree(dir)
    killedWriter(dir, 'plan', [
      {target: path.join(dir, 'a.csv'), content: 'new a\n', staged: true},
      {target: path.join(dir, 'n', 'b.csv'), content: 'new b\n', staged: false},
    ], [path.join(dir, 'n')])
    const w = lockFileSet(dir, 'ingest')
    expect(w.recovered).toMatchObject({outcome: 'rolled back', files: 2, owner: {command: 'ingest'}})
    w.release()
    expect(tree(dir)).toEqual(before)
  })

  it('after the commit point: completes (the staged files left are put in place)', () => {
    const dir = scratch()
    writeFileSync(path.join(dir, 'a.csv'), 'old a\n')
    writeFileSync(path.join(dir, 'b.csv'), 'new b\n') // already renamed before the kill
    killedWriter(dir, 'commit', [
      {target: path.join(dir, 'a.csv'), content: 'new a\n', staged: true},
      {target: path.join(dir, 'b.csv'), content: '', staged: false},
    ])
    const w = lockFileSet(dir, 'ingest')
    expect(w.recovered).toMatchObject({outcome: 'completed', files: 1})
    w.release()
    expect(tree(dir)).toEqual({'a.csv': 'new a\n', 'b.csv': 'new b\n'})
  })

  it('finishes a recovery that was itself killed, and removes a lock folder never put in place', () => {
    const dir = scratch()
    writeFileSync(path.join(dir, 'a.csv'), 'old a\n')
    killedWriter(dir, 'commit', [{target: path.join(dir, 'a.csv'), content: 'new a\n', staged: true}])
    const {renameSync} = require('node:fs') as typeof import('node:fs')
    renameSync(path.join(dir, JOURNAL), path.join(dir, `${JOURNAL}.recovering.${deadPid()}`))
    mkdirSync(path.join(dir, `${JOURNAL}.new.${deadPid()}`))
    lockFileSet(dir, 'ingest').release()
    expect(tree(dir)).toEqual({'a.csv': 'new a\n'})
  })

  it('removes the per-table temp files of earlier versions, not those of a live process', () => {
    const dir = scratch()
    mkdirSync(path.join(dir, 'gemm', 'h20'), {recursive: true})
    writeFileSync(path.join(dir, 'gemm', 'h20', `data.csv.tmp-${deadPid()}-k3j2x9q1ab`), 'x')
    writeFileSync(path.join(dir, 'gemm', 'h20', `data.provenance.json.tmp-${deadPid()}-a1b2c3d4e5`), 'x')
    writeFileSync(path.join(dir, 'gemm', 'h20', `fp8.csv.tmp-${process.pid}-zz9y8x7w6v`), 'x')
    expect(removeLegacyTemps(dir)).toBe(2)
    expect(readdirSync(path.join(dir, 'gemm', 'h20'))).toEqual([`fp8.csv.tmp-${process.pid}-zz9y8x7w6v`])
    expect(existsSync(path.join(dir, JOURNAL))).toBe(false)
  })

  it('removes single-file temps of gone processes (this and the earlier naming), and nothing that merely looks alike', () => {
    const dir = scratch()
    const dead = deadPid()
    const names = [`.f.csv.infersim-${dead}.tmp`, `.f.csv.${dead}.1732912345678.points.tmp`, `.plot.svg.${dead}.1732912345678.tmp`, `.f.csv.infersim-${process.pid}.tmp`, '.backup.2024.0101.tmp', 'notes.tmp']
    for (const n of names) writeFileSync(path.join(dir, n), 'x')
    expect(removeStaleTemps(dir)).toBe(3)
    expect(readdirSync(dir).sort()).toEqual([`.f.csv.infersim-${process.pid}.tmp`, '.backup.2024.0101.tmp', 'notes.tmp'].sort())
  })
})

describe('large files', () => {
  it('are written whole, a character split across two slices included', () => {
    const dir = scratch()
    const text = `${'x'.repeat((1 << 20) - 1)}😀${'y'.repeat(1000)}\n`
    writeFileSet(dir, [{path: path.join(dir, 'big.csv'), content: text}], 'test')
    expect(readFileSync(path.join(dir, 'big.csv'), 'utf8')).toBe(text)
  })
})
