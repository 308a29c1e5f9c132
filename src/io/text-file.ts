/** Reading a text file with a clear message, and writing one atomically (temp file + rename). */
import {existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {inputError} from '../errors.js'
import {displayPath} from './paths.js'

export function readTextFile(file: string, what = 'file'): string {
  try {
    return readFileSync(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a directory' : `cannot be read (${code ?? String(error)})`
    throw inputError(`${what} ${displayPath(file)} ${why}`)
  }
}

/** Writes `text` to a temp file beside `file`, then renames it over `file`: a failure leaves `file` as it was. */
export function writeFileAtomic(file: string, text: string): void {
  const dir = path.dirname(path.resolve(file))
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`)
  try {
    mkdirSync(dir, {recursive: true})
    writeFileSync(tmp, text)
    renameSync(tmp, file)
  } catch (error) {
    rmSync(tmp, {force: true})
    throw inputError(`cannot write ${displayPath(file)}: ${(error as Error).message}`)
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
