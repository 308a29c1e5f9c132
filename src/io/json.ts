import {readFileSync} from 'node:fs'
import {inputError} from '../errors.js'
import {displayPath} from './paths.js'

/** Reads and parses a JSON file; every failure names the file. */
export function readJsonFile(file: string, what = 'file'): unknown {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a directory' : `cannot be read (${code ?? String(error)})`
    throw inputError(`${what} ${displayPath(file)} ${why}`)
  }
  try {
    return parseJson(text)
  } catch (error) {
    throw inputError(`${what} ${displayPath(file)} is not valid JSON: ${(error as Error).message}`)
  }
}

/** JSON.parse that accepts a leading UTF-8 byte-order mark, as editors on Windows write it. */
export const parseJson = (text: string): unknown => JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text)
