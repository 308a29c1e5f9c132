/** Reading a text file with a clear message, and writing one atomically (temp file + rename). */
import {existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {inputError} from '../errors.js'
import {failpoint} from './failpoint.js'
import {fsErrorReason} from './fs-errors.js'
import {displayPath} from './paths.js'
import {removeFile, removeStaleTemps, tempPathFor} from './temp-files.js'

export function readTextFile(file: string, what = 'file'): string {
  try {
    return readFileSync(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a directory' : `cannot be read (${code ?? String(error)})`
    throw inputError(`${what} ${displayPath(file)} ${why}`)
  }
}

/**
 * Writes `text` to a temp file beside `file`, then renames it over `file`: a
 * failure leaves `file` as it was, and the message names `file`, never the
 * temp file. Synchronous, so a signal cannot stop it halfway (src/io/interrupt.ts);
 * a SIGKILL's leftover is removed by the next write into the folder.
 */
export function writeFileAtomic(file: string, text: string): void {
  const dir = path.dirname(path.resolve(file))
  const tmp = tempPathFor(file)
  try {
    mkdirSync(dir, {recursive: true})
    removeStaleTemps(dir)
    if (statSync(file, {throwIfNoEntry: false})?.isDirectory()) throw Object.assign(new Error(), {code: 'EISDIR'})
    writeFileSync(tmp, text)
    failpoint('write-file:written')
    renameSync(tmp, file)
  } catch (error) {
    removeFile(tmp)
    throw inputError(`cannot write ${displayPath(file)}: ${fsErrorReason(error)}`)
  }
}

/** Files directly in `dir` whose names end with `suffix`, sorted, as full paths ([] when `dir` is missing). */
export function listFiles(dir: string, suffix: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir)
    .filter((f) => f.endsWith(suffix))
    .sort()
    .map((f) => path.join(dir, f))
}
