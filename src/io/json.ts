import {readFileSync} from 'node:fs'
import {inputError} from '../errors.js'
import {displayPath} from './paths.js'
import {jsonProblem} from './problems.js'

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
  } catch {
    throw inputError(`${what} ${displayPath(file)} ${jsonProblem(withoutBom(text))}`)
  }
}

/** JSON.parse that accepts a leading UTF-8 byte-order mark, as editors on Windows write it. */
export const parseJson = (text: string): unknown => JSON.parse(withoutBom(text))

const withoutBom = (text: string): string => (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text)
