/**
 * Checks, before long work, that an output can be written, so that a run
 * fails at once instead of after its work: an existing file there is a
 * writable file, not a folder, and a file can be created in its folder or, when
 * that folder does not exist yet, in the nearest one that does (a real probe,
 * which also catches a read-only file system). Nothing is left behind.
 */
import {accessSync, constants, closeSync, openSync, rmSync, statSync} from 'node:fs'
import path from 'node:path'
import {inputError} from '../errors.js'
import {fsErrorReason} from './fs-errors.js'
import {displayPath} from './paths.js'
import {tempPathFor} from './temp-files.js'

export function assertWritable(file: string, what?: string): void {
  const full = path.resolve(file)
  try {
    const existing = statSync(full, {throwIfNoEntry: false})
    if (existing?.isDirectory()) throw Object.assign(new Error(), {code: 'EISDIR'})
    if (existing) accessSync(full, constants.W_OK)
    assertFolderWritable(path.dirname(full))
  } catch (error) {
    throw inputError(`cannot write ${what ? `${what} ` : ''}${displayPath(file)}: ${fsErrorReason(error)}`)
  }
}

/** Creates and removes a probe file in `dir` or its nearest existing ancestor; throws the file-system error. */
function assertFolderWritable(dir: string): void {
  let existing = dir
  while (!statSync(existing, {throwIfNoEntry: false})) existing = path.dirname(existing)
  if (!statSync(existing).isDirectory()) throw Object.assign(new Error(), {code: 'ENOTDIR'})
  const probe = tempPathFor(path.join(existing, 'write-probe'))
  closeSync(openSync(probe, 'w'))
  rmSync(probe, {force: true})
}

/** As assertWritable, for a folder that files will be written into. */
export function assertFolderWritableFor(dir: string, what = 'folder'): void {
  try {
    if (statSync(dir, {throwIfNoEntry: false})?.isFile()) throw Object.assign(new Error(), {code: 'ENOTDIR'})
    assertFolderWritable(path.resolve(dir))
  } catch (error) {
    throw inputError(`cannot write into ${what} ${displayPath(dir)}: ${fsErrorReason(error)}`)
  }
}
