/** Reads and writes serving-engine files (data/engines/<name>.json), schema-checked. */
import {existsSync} from 'node:fs'
import path from 'node:path'
import {usageError} from '../errors.js'
import {assertValid} from '../schemas/validate.js'
import {ENGINE_NAMES, LATER_PARAMS, type Engine, type EngineAccuracy, type EngineParamName, type EngineParams, type GpuDefaultRule} from '../engine.js'
import {readJsonFile} from './json.js'
import {bundled, displayPath, userEngineDir} from './paths.js'
import {writeFileAtomic} from './text-file.js'
import {quoteText} from '../util/quote.js'

export interface EngineParamEntry {
  value: number | boolean | string
  description: string
  source?: string
  /** A fitted parameter that calibrate --fit keeps at its value (the source says why). */
  held?: boolean
}

export interface EngineFile {
  engine: string
  title: string
  description: string
  parameters: Record<EngineParamName, EngineParamEntry>
  gpu_defaults?: GpuDefaultRule[]
  fit?: Record<string, unknown>
  accuracy?: EngineAccuracy
}

export function engineFilePath(name: string, dir = bundled.engines): string {
  return path.join(dir, `${name}.json`)
}

/**
 * The file an engine's parameters are read from: `<dir>/<name>.json` when it
 * exists (dir: --engine-dir, default the user's engine folder, where
 * `calibrate --fit` writes), else the bundled data/engines/<name>.json.
 */
export function engineFileFor(name: string, dir = userEngineDir()): string {
  const mine = engineFilePath(name, dir)
  return existsSync(mine) ? mine : engineFilePath(name)
}

export function readEngineFile(file: string): EngineFile {
  const data = readJsonFile(file, 'engine file')
  // The bundled files are checked by the test suite (test/io/data-files.test.ts): loading the validator
  // costs more than a simulation. A user's file is always checked.
  const isBundled = path.resolve(path.dirname(file)) === path.resolve(bundled.engines)
  const parsed = isBundled ? (data as EngineFile) : assertValid<EngineFile>('engine', data, `engine file ${displayPath(file)}`)
  const expected = path.basename(file, '.json')
  if (parsed.engine !== expected) throw usageError(`engine file ${displayPath(file)}: "engine" is ${quoteText(parsed.engine)} but the file is named ${expected}.json`)
  const groups = parsed.accuracy?.byClients
  if (groups) checkClientsGroups(groups, `engine file ${displayPath(file)}: accuracy.byClients`)
  return parsed
}

/** Groups by clients per replica ascend, and only the last is open-ended: each load falls in exactly one. */
function checkClientsGroups(groups: NonNullable<EngineAccuracy['byClients']>, where: string): void {
  groups.forEach((g, i) => {
    const last = i === groups.length - 1
    if (last && g.clientsUpTo !== undefined) throw usageError(`${where}: the last group has clientsUpTo ${g.clientsUpTo}; it must have none (it holds every load above the one before)`)
    if (!last && g.clientsUpTo === undefined) throw usageError(`${where}[${i}]: only the last group may leave out clientsUpTo`)
    const before = i > 0 ? groups[i - 1].clientsUpTo : undefined
    if (!last && before !== undefined && g.clientsUpTo! <= before) throw usageError(`${where}[${i}]: clientsUpTo ${g.clientsUpTo} is not above the group before it (${before})`)
  })
}

export function engineFromFile(f: EngineFile): Engine {
  const params = {} as Record<string, number | boolean | string>
  for (const [k, v] of Object.entries(f.parameters)) params[k] = v.value
  const gpus = f.fit?.gpus
  const fittedGpus = Array.isArray(gpus) && gpus.every((g) => typeof g === 'string') ? (gpus as string[]) : undefined
  return {
    name: f.engine,
    params: params as unknown as EngineParams,
    ...(f.gpu_defaults ? {gpuDefaults: f.gpu_defaults} : {}),
    ...(f.accuracy ? {accuracy: f.accuracy} : {}),
    ...(fittedGpus ? {fittedGpus} : {}),
  }
}

const cache = new Map<string, Engine & {file: string}>()

/** An engine by name, from the file engineFileFor finds; `file` says which. */
export function loadEngine(name: string, dir?: string): Engine & {file: string} {
  if (!(ENGINE_NAMES as readonly string[]).includes(name)) throw usageError(`unknown engine "${name}"; known engines: ${ENGINE_NAMES.join(', ')}`)
  const file = engineFileFor(name, dir)
  const hit = cache.get(file)
  if (hit) return hit
  const engine = completeEngine(name, readEngineFile(file), file)
  cache.set(file, engine)
  return engine
}

/** An engine from a file's content, what the file lacks taken from the bundled engine. */
export function completeEngine(name: string, f: EngineFile, file: string): Engine & {file: string} {
  const engine = {...engineFromFile(f), file}
  // A file written before a parameter existed (a user's earlier fit) takes the bundled engine's value.
  const params = engine.params as unknown as Record<string, unknown>
  for (const [k, absent] of Object.entries(LATER_PARAMS) as [keyof typeof LATER_PARAMS, boolean | number | string][]) {
    if (params[k] !== undefined) continue
    params[k] = file === engineFilePath(name) ? absent : loadEngine(name, bundled.engines).params[k]
  }
  // Likewise the defaults by GPU: a file without them (a fit written before they existed) takes the bundled engine's.
  if (engine.gpuDefaults === undefined && file !== engineFilePath(name)) {
    const mine = loadEngine(name, bundled.engines).gpuDefaults
    if (mine) engine.gpuDefaults = mine
  }
  return engine
}

/** Forget loaded engines (after a fit rewrote their files). */
export function clearEngineCache(): void {
  cache.clear()
}

/** The text of an engine file, schema-checked. */
export function engineFileText(file: string, f: EngineFile): string {
  assertValid('engine', f, `engine file to write to ${displayPath(file)}`)
  return `${JSON.stringify(f, null, 2)}\n`
}
