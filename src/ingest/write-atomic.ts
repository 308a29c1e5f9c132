/**
 * Writes a set of files under one root, all or nothing as far as the file
 * system allows: every file goes to a temp file first; only when all are
 * written are they renamed into place. Nothing is written outside the root.
 */
import {mkdirSync, renameSync, rmdirSync, unlinkSync, writeFileSync, existsSync} from 'node:fs'
import path from 'node:path'
import {inputError} from '../errors.js'

export interface FileToWrite {
  /** Path relative to the root, forward slashes. */
  rel: string
  content: string
}

/** Absolute path of `rel` under `root`; throws when it would land outside. */
export function insideRoot(root: string, rel: string): string {
  const base = path.resolve(root)
  const abs = path.resolve(base, rel)
  const back = path.relative(base, abs)
  if (!back || back.startsWith('..') || path.isAbsolute(back)) throw inputError(`refusing to write "${rel}": it is outside ${root}`)
  return abs
}

function makeDirs(dir: string, created: string[]): void {
  if (existsSync(dir)) return
  makeDirs(path.dirname(dir), created)
  mkdirSync(dir)
  created.push(dir)
}

export function writeFilesAtomic(root: string, files: readonly FileToWrite[]): void {
  const targets = files.map((f) => ({abs: insideRoot(root, f.rel), content: f.content}))
  const created: string[] = []
  const temps: {tmp: string; abs: string}[] = []
  try {
    for (const t of targets) {
      makeDirs(path.dirname(t.abs), created)
      const tmp = `${t.abs}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`
      writeFileSync(tmp, t.content)
      temps.push({tmp, abs: t.abs})
    }
  } catch (error) {
    for (const t of temps) unlinkSync(t.tmp)
    for (const d of created.reverse()) rmdirSync(d)
    throw inputError(`cannot write tables under ${root}: ${(error as Error).message}; nothing was changed`)
  }
  for (const t of temps) renameSync(t.tmp, t.abs)
}
