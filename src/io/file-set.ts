/**
 * Writes a set of files all or nothing, whatever moment the process is killed
 * at (docs/files.md). A journal folder `<dir>/.infersim-journal` is the lock of
 * `dir`; each new file is staged beside its target (same folder, so the final
 * rename is atomic) as `.<name>.infersim-staged`.
 *
 *   1. lock: a prepared folder holding owner.json (pid, host) is renamed to the
 *      journal folder; the rename fails while another writer holds it;
 *   2. plan.json lists every target, its staged file and the folders to make;
 *   3. the staged files are written;
 *   4. plan.json is renamed to commit.json: the commit point;
 *   5. each staged file is renamed over its target; the journal is removed.
 *
 * A run that finds a journal whose owner is gone finishes it first: with
 * commit.json it renames the staged files that are left (roll forward), with
 * only plan.json it deletes them and the folders it made (roll back).
 */
import {closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync, writeSync} from 'node:fs'
import {hostname} from 'node:os'
import path from 'node:path'
import {inputError} from '../errors.js'
import {failpoint} from './failpoint.js'
import {fsErrorReason} from './fs-errors.js'
import {onInterrupt} from './interrupt.js'
import {displayPath} from './paths.js'
import {ownerMayRun, processAlive, removeFile} from './temp-files.js'

export const JOURNAL = '.infersim-journal'
const STAGED_SUFFIX = '.infersim-staged'

export interface FileToWrite {
  /** Absolute path. */
  path: string
  content: string
}

interface Owner {
  pid: number
  host: string
  started: string
  command: string
}

interface Plan {
  files: {target: string; staged: string}[]
  /** Folders the write creates, parents first. */
  madeDirs: string[]
}

export interface Recovery {
  outcome: 'completed' | 'rolled back'
  files: number
  owner?: Owner
}

export const stagedPathOf = (target: string) => path.join(path.dirname(target), `.${path.basename(target)}${STAGED_SUFFIX}`)

const readJson = <T>(file: string): T | undefined => {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T
  } catch {
    return undefined
  }
}

/** Writes `file` whole under `dir` (temp + rename: a reader sees all of it or none). */
function writeWhole(dir: string, name: string, text: string): void {
  writeFileSync(path.join(dir, `${name}.tmp`), text)
  renameSync(path.join(dir, `${name}.tmp`), path.join(dir, name))
}

/** Finishes (commit.json) or undoes (plan.json only) the write a journal folder records, then removes it. */
function recoverJournal(journal: string): Recovery {
  const owner = readJson<Owner>(path.join(journal, 'owner.json'))
  const committed = readJson<Plan>(path.join(journal, 'commit.json'))
  let recovery: Recovery
  if (committed) {
    let files = 0
    for (const f of committed.files) {
      if (!existsSync(f.staged)) continue
      renameSync(f.staged, f.target)
      files++
    }
    recovery = {outcome: 'completed', files, owner}
  } else {
    const plan = readJson<Plan>(path.join(journal, 'plan.json'))
    for (const f of plan?.files ?? []) removeFile(f.staged)
    for (const d of [...(plan?.madeDirs ?? [])].reverse()) removeIfEmpty(d)
    recovery = {outcome: 'rolled back', files: plan?.files.length ?? 0, owner}
  }
  rmSync(journal, {recursive: true, force: true})
  return recovery
}

function removeIfEmpty(dir: string): void {
  try {
    rmdirSync(dir)
  } catch {
    // Not empty (something else lives there) or already gone.
  }
}

const SLICE_CHARS = 1 << 20

/** Writes a text a megabyte at a time: a table of a million rows is never also held as one buffer of its bytes. */
function writeInSlices(file: string, text: string): void {
  const fd = openSync(file, 'w')
  try {
    for (let start = 0; start < text.length; ) {
      let end = Math.min(start + SLICE_CHARS, text.length)
      const last = text.charCodeAt(end - 1)
      if (last >= 0xd800 && last <= 0xdbff) end++ // never split a surrogate pair
      writeSync(fd, text.slice(start, end))
      start = end
    }
  } finally {
    closeSync(fd)
  }
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p, {throwIfNoEntry: false})?.isDirectory() ?? false
  } catch {
    return false // e.g. a part of the path is a file: writing the staged file reports it
  }
}

const pidIn = (name: string, prefix: string) => (name.startsWith(prefix) ? Number(name.slice(prefix.length).split('.')[0]) : undefined)

/**
 * Journals of dead writers in `dir`: the lock itself, one being recovered by a
 * process that died too, and lock folders never put in place. Returns what was
 * finished or undone.
 */
function recoverStale(dir: string): Recovery | undefined {
  let recovered: Recovery | undefined
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name)
    const recovering = pidIn(name, `${JOURNAL}.recovering.`)
    const preparing = pidIn(name, `${JOURNAL}.new.`)
    if (recovering !== undefined && !processAlive(recovering)) recovered = recoverJournal(full)
    else if (preparing !== undefined && !processAlive(preparing)) rmSync(full, {recursive: true, force: true})
  }
  const journal = path.join(dir, JOURNAL)
  const owner = readJson<Owner>(path.join(journal, 'owner.json'))
  if (!existsSync(journal) || (owner && ownerMayRun(owner.pid, owner.host))) return recovered
  // Take the stale journal over with one atomic rename: of two recovering runs, one wins.
  const mine = path.join(dir, `${JOURNAL}.recovering.${process.pid}`)
  try {
    renameSync(journal, mine)
  } catch {
    return recovered
  }
  return recoverJournal(mine)
}

export interface FileSetWriter {
  readonly dir: string
  /** What an interrupted earlier write left and this lock finished or undid. */
  readonly recovered?: Recovery
  /** Writes every file (absolute paths, anywhere) all or nothing, then releases the lock. */
  commit(files: readonly FileToWrite[]): void
  /** Releases the lock without writing (idempotent). */
  release(): void
}

/**
 * Takes the write lock of `dir` (made if missing), first finishing or undoing
 * a write that a killed process left there. Refuses while another live
 * process holds it.
 */
export function lockFileSet(dir: string, command: string): FileSetWriter {
  const root = path.resolve(dir)
  const madeRoot = !existsSync(root)
  try {
    mkdirSync(root, {recursive: true})
  } catch (error) {
    throw inputError(`cannot write under ${displayPath(root)}: ${fsErrorReason(error)}`)
  }
  const recovered = recoverStale(root)
  const journal = path.join(root, JOURNAL)
  const prepared = path.join(root, `${JOURNAL}.new.${process.pid}`)
  const owner: Owner = {pid: process.pid, host: hostname(), started: new Date().toISOString(), command}
  try {
    mkdirSync(prepared)
    writeFileSync(path.join(prepared, 'owner.json'), `${JSON.stringify(owner)}\n`)
    renameSync(prepared, journal)
  } catch (error) {
    rmSync(prepared, {recursive: true, force: true})
    const code = (error as NodeJS.ErrnoException).code
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw inputError(`cannot write under ${displayPath(root)}: ${fsErrorReason(error)}`)
    const holder = readJson<Owner>(path.join(journal, 'owner.json'))
    throw inputError(
      `another infersim ${holder ? `(${holder.command}, pid ${holder.pid} on ${holder.host}, since ${holder.started}) ` : ''}is writing under ${displayPath(root)}; ` +
        `try again when it has finished (if it no longer runs, remove ${displayPath(journal)} and run again: the next run finishes or undoes its write)`,
    )
  }
  let state: 'locked' | 'committed' | 'released' = 'locked'
  let plan: Plan | undefined
  const undo = () => {
    for (const f of plan?.files ?? []) removeFile(f.staged)
    for (const d of [...(plan?.madeDirs ?? [])].reverse()) removeIfEmpty(d)
  }
  const release = () => {
    if (state === 'released') return
    if (state === 'committed') recoverJournal(journal)
    else {
      undo()
      rmSync(journal, {recursive: true, force: true})
      if (madeRoot) removeIfEmpty(root)
    }
    state = 'released'
    forget()
  }
  const forget = onInterrupt(release)

  const commit = (files: readonly FileToWrite[]) => {
    if (state !== 'locked') throw new Error('file set already written')
    const planned: Plan = {files: files.map((f) => ({target: path.resolve(f.path), staged: stagedPathOf(path.resolve(f.path))})), madeDirs: []}
    for (const f of planned.files) {
      if (isDirectory(f.target)) {
        release()
        throw inputError(`cannot write ${displayPath(f.target)}: ${fsErrorReason({code: 'EISDIR'})}; nothing was changed`)
      }
      for (let d = path.dirname(f.target); !existsSync(d) && !planned.madeDirs.includes(d); d = path.dirname(d)) planned.madeDirs.push(d)
    }
    planned.madeDirs.sort((a, b) => a.length - b.length)
    let current = ''
    try {
      writeWhole(journal, 'plan.json', `${JSON.stringify(planned)}\n`)
      plan = planned
      failpoint('file-set:planned')
      for (const d of planned.madeDirs) {
        current = d
        mkdirSync(d)
      }
      files.forEach((f, i) => {
        current = planned.files[i].target
        writeInSlices(planned.files[i].staged, f.content)
        failpoint('file-set:staged')
      })
    } catch (error) {
      release()
      throw inputError(`cannot write ${displayPath(current || root)}: ${fsErrorReason(error)}; nothing was changed`)
    }
    renameSync(path.join(journal, 'plan.json'), path.join(journal, 'commit.json'))
    state = 'committed'
    failpoint('file-set:committed')
    for (const f of planned.files) {
      try {
        renameSync(f.staged, f.target)
      } catch (error) {
        // Committed: the journal stays, and the next writer into `dir` completes the write.
        forget()
        state = 'released'
        throw inputError(`cannot put ${displayPath(f.target)} in place: ${fsErrorReason(error)}; the next run that writes under ${displayPath(root)} completes the write`)
      }
      failpoint('file-set:renamed')
    }
    release()
  }

  return {dir: root, recovered, commit, release}
}

/** Takes the lock of `dir`, writes the files all or nothing, releases it. */
export function writeFileSet(dir: string, files: readonly FileToWrite[], command: string): Recovery | undefined {
  const writer = lockFileSet(dir, command)
  writer.commit(files)
  return writer.recovered
}
