/** Checks, before a long sweep, that an output file can be written (its folder exists or can be made, and is writable). */
import {accessSync, constants, mkdirSync, statSync} from 'node:fs'
import path from 'node:path'
import {inputError} from '../errors.js'
import {displayPath} from '../io/paths.js'

export function assertWritable(file: string): void {
  const full = path.resolve(file)
  try {
    if (statSync(full, {throwIfNoEntry: false})?.isDirectory()) throw new Error('it is a directory')
    const dir = path.dirname(full)
    mkdirSync(dir, {recursive: true})
    accessSync(dir, constants.W_OK)
  } catch (error) {
    throw inputError(`cannot write ${displayPath(file)}: ${(error as Error).message}`)
  }
}
