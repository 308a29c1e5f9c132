/**
 * Writes a set of tables under one root, all or nothing (src/io/file-set.ts).
 * Nothing is written outside the root.
 */
import {readdirSync, rmSync} from 'node:fs'
import path from 'node:path'
import {inputError} from '../errors.js'
import {lockFileSet, type FileSetWriter} from '../io/file-set.js'
import {processAlive} from '../io/temp-files.js'

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

/** Commits tables given relative to the writer's root. */
export function commitTables(writer: FileSetWriter, files: readonly FileToWrite[]): void {
  writer.commit(files.map((f) => ({path: insideRoot(writer.dir, f.rel), content: f.content})))
}

export function writeFilesAtomic(root: string, files: readonly FileToWrite[]): void {
  commitTables(lockFileSet(root, 'ingest'), files)
}

// Temp files of earlier versions: <table>.tmp-<pid>-<random>, one per table of an interrupted write.
const LEGACY_TEMP = /\.(?:csv|json)\.tmp-(\d+)-[a-z0-9]{6,}$/

/** Removes the temp files an earlier version left under `root` when it was killed; returns how many. */
export function removeLegacyTemps(root: string): number {
  let removed = 0
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, {withFileTypes: true})) {
      const full = path.join(dir, entry.name)
      if (entry.isDirectory()) {
        if (entry.name !== 'raw' && !entry.name.startsWith('.')) walk(full)
        continue
      }
      const m = LEGACY_TEMP.exec(entry.name)
      if (m && !processAlive(Number(m[1]))) {
        rmSync(full, {force: true})
        removed++
      }
    }
  }
  walk(path.resolve(root))
  return removed
}
