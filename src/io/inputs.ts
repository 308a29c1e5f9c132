/**
 * Loads what one simulation needs: the model, the GPU and that GPU's tables.
 * Each may be given as on the command line (a name or a path) or, from the
 * library, as the object itself (a HuggingFace config, a ModelSpec from
 * loadModel, a GPU spec, a table set from loadTables).
 */
import path from 'node:path'
import {usageError} from '../errors.js'
import {profileGpu, tableKeysOf, type GpuSpec} from '../hardware/gpu.js'
import {parseModelConfig} from '../model/parse.js'
import type {ModelSpec} from '../model/types.js'
import {getProfile, type Profile, type ProfileName, type ProfileSwitches} from '../profile.js'
import {assertValid} from '../schemas/validate.js'
import type {TableSet} from '../tables/types.js'
import {linkTableDonors, loadGpus, resolveGpu} from './gpus.js'
import {loadModel} from './models.js'
import {bundled} from './paths.js'
import {loadTableSet} from './tables.js'

export interface SimInputs {
  model: ModelSpec
  gpu: GpuSpec
  gpus: GpuSpec[]
  tables: TableSet
  profile: Profile
}

export interface SimInputRequest {
  model: ModelInput
  gpu: GpuInput
  gpuSpec?: string
  benchData?: TablesInput
  profile: ProfileName
  /** Switches that differ from the profile's (--switch). */
  switches?: Partial<ProfileSwitches>
  modelBaseDir?: string
}

export function loadSimInputs(req: SimInputRequest): SimInputs {
  const profile = getProfile(req.profile, req.switches)
  const {known, gpus} = resolveGpus([req.gpu], req.gpuSpec)
  const gpu = profileGpu(gpus[0], known, profile.switches)
  const model = resolveModel(req.model, {publishedConfigs: profile.switches.publishedConfigs, baseDir: req.modelBaseDir})
  return {model, gpu, gpus: known, tables: resolveTables(req.benchData, gpu), profile}
}

/** A HuggingFace config.json as an object. */
export type HfConfig = Record<string, unknown>

/** A bundled model name, a path to a config.json, a config object, or a ModelSpec from loadModel(). */
export type ModelInput = string | HfConfig | ModelSpec

/** A GPU name (or alias), or a GPU spec object (the schema of data/gpus.json's entries). */
export type GpuInput = string | GpuSpec

/** A folder of kernel tables, or a table set from loadTables(). */
export type TablesInput = string | TableSet

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** A ModelSpec (loadModel's result) rather than a raw config: it carries the parsed attention and FFN. */
export const isModelSpec = (v: unknown): v is ModelSpec =>
  isObject(v) && isObject(v.attention) && typeof v.attention.kind === 'string' && isObject(v.ffn) && Array.isArray(v.notes) && typeof v.layers === 'number'

export const isTableSet = (v: unknown): v is TableSet =>
  isObject(v) && typeof v.get === 'function' && typeof v.has === 'function' && typeof v.paths === 'function' && typeof v.root === 'string'

/** The name a config object goes by: its _name_or_path's last part, else its model_type. */
function configName(config: HfConfig): string {
  const named = typeof config._name_or_path === 'string' ? config._name_or_path.split(/[\\/]/).filter(Boolean).pop() : undefined
  return named ?? (typeof config.model_type === 'string' ? config.model_type : 'model')
}

export function resolveModel(input: ModelInput, opts: {publishedConfigs: boolean; baseDir?: string}): ModelSpec {
  if (typeof input === 'string') return loadModel(input, opts)
  if (isModelSpec(input)) return input
  if (isObject(input)) return parseModelConfig(input, 'model config object', configName(input), {publishedConfigs: opts.publishedConfigs})
  throw usageError(`model must be a model name, a path to a config.json or a config object, got ${String(input)}`)
}

/** A GPU spec object checked against the GPU file's schema (an entry of listGpus() passes: what it derives, `effective` and `tables`, is dropped, as is a linked tableDonor). */
export function checkGpuSpec(gpu: GpuSpec & {effective?: unknown; tables?: unknown}): GpuSpec {
  const {effective, tables, tableDonor, ...spec} = gpu
  return assertValid<{gpus: GpuSpec[]}>('gpu', {gpus: [spec]}, `GPU ${typeof spec.name === 'string' ? `"${spec.name}"` : 'object'}`).gpus[0]
}

/** The known GPUs (bundled, then --gpu-spec's) and the ones asked for; a spec object joins the known ones. */
export function resolveGpus(inputs: readonly GpuInput[], gpuSpecFile?: string): {known: GpuSpec[]; gpus: GpuSpec[]} {
  const known = loadGpus(gpuSpecFile)
  const gpus: GpuSpec[] = []
  for (const input of inputs) {
    let gpu: GpuSpec
    if (typeof input === 'string') gpu = resolveGpu(known, input)
    else if (isObject(input)) {
      gpu = linkTableDonors([checkGpuSpec(input)], known)[0]
      const same = known.findIndex((g) => g.name.toLowerCase() === gpu.name.toLowerCase())
      if (same >= 0) known[same] = gpu
      else known.push(gpu)
    } else throw usageError(`gpu must be a GPU name or a GPU spec object, got ${String(input)}`)
    if (!gpus.includes(gpu)) gpus.push(gpu)
  }
  return {known, gpus}
}

/** The tables one GPU's simulations read: the given set, or the folder's (the bundled bench_data by default) tables of that GPU. */
export function resolveTables(input: TablesInput | undefined, gpu: GpuSpec): TableSet {
  if (isTableSet(input)) return input
  if (input !== undefined && typeof input !== 'string') throw usageError(`benchData must be a folder path or a table set from loadTables(), got ${String(input)}`)
  return loadTableSet(input ?? bundled.benchData, tableKeysOf(gpu), {everyGdn: true})
}

/** What a reproducing command line says for a model and a table set (a config object goes by its name). */
export const modelArgument = (input: ModelInput, model: ModelSpec) => (typeof input === 'string' ? input : model.name)
export const benchDataArgument = (input: TablesInput | undefined) => (input === undefined ? undefined : typeof input === 'string' ? input : path.resolve(input.root))
