/** Reads and writes serving-engine files (data/engines/<name>.json), schema-checked. */
import {existsSync} from 'node:fs'
import path from 'node:path'
import {usageError} from '../errors.js'
import {assertValid} from '../schemas/validate.js'
import {ENGINE_NAMES, type Engine, type EngineParamName, type EngineParams} from '../engine.js'
import {readJsonFile} from './json.js'
import {bundled, displayPath} from './paths.js'
import {writeFileAtomic} from './text-file.js'
import {quoteText} from '../util/quote.js'

export interface EngineParamEntry {
  value: number | boolean
  description: string
  source?: string
}

export interface EngineFile {
  engine: string
  title: string
  description: string
  parameters: Record<EngineParamName, EngineParamEntry>
  fit?: Record<string, unknown>
}

export function engineFilePath(name: string, dir = bundled.engines): string {
  return path.join(dir, `${name}.json`)
}

export function readEngineFile(file: string): EngineFile {
  const data = readJsonFile(file, 'engine file')
  const parsed = assertValid<EngineFile>('engine', data, `engine file ${displayPath(file)}`)
  const expected = path.basename(file, '.json')
  if (parsed.engine !== expected) throw usageError(`engine file ${displayPath(file)}: "engine" is ${quoteText(parsed.engine)} but the file is named ${expected}.json`)
  return parsed
}

export function engineFromFile(f: EngineFile): Engine {
  const params = {} as Record<string, number | boolean>
  for (const [k, v] of Object.entries(f.parameters)) params[k] = v.value
  return {name: f.engine, params: params as unknown as EngineParams}
}

const cache = new Map<string, Engine>()

/** An engine by name from `dir` (default: the bundled data/engines). */
export function loadEngine(name: string, dir = bundled.engines): Engine {
  const key = `${dir}|${name}`
  const hit = cache.get(key)
  if (hit) return hit
  if (!(ENGINE_NAMES as readonly string[]).includes(name)) throw usageError(`unknown engine "${name}"; known engines: ${ENGINE_NAMES.join(', ')}`)
  const file = engineFilePath(name, dir)
  if (!existsSync(file)) throw usageError(`engine file ${displayPath(file)} does not exist`)
  const engine = engineFromFile(readEngineFile(file))
  cache.set(key, engine)
  return engine
}

/** Forget loaded engines (after a fit rewrote their files). */
export function clearEngineCache(): void {
  cache.clear()
}

export function writeEngineFile(file: string, f: EngineFile): void {
  assertValid('engine', f, `engine file to write to ${displayPath(file)}`)
  writeFileAtomic(file, `${JSON.stringify(f, null, 2)}\n`)
}
