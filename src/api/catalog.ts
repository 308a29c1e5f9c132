/** What infersim knows: the bundled models and GPUs, a model's parsed architecture, a folder's kernel tables. */
import {effectiveRates, gpuTableKey, tableKeysOf, type GpuRates, type GpuSpec} from '../hardware/gpu.js'
import {loadGpus} from '../io/gpus.js'
import {resolveGpus, resolveModel, type GpuInput, type ModelInput} from '../io/inputs.js'
import {bundledModelNames, loadModel as loadModelFile} from '../io/models.js'
import {bundled} from '../io/paths.js'
import {gpuOfPath, listTablePaths, loadTableSet} from '../io/tables.js'
import type {ModelSpec} from '../model/types.js'
import {gpusOptions, modelsOptions} from '../options/catalog.js'
import {profileOption, switchOption} from '../options/shared.js'
import {resolveOptions, type OptionsOf} from '../options/spec.js'
import {getProfile, parseSwitchOverrides, type ProfileName} from '../profile.js'
import {summarizeModel, type ModelSummary} from '../report/model-summary.js'
import type {TableSet} from '../tables/types.js'

export type ListModelsOptions = OptionsOf<typeof modelsOptions>
export type ListGpusOptions = OptionsOf<typeof gpusOptions>
/** Where a GPU's kernel figures come from: its own measured tables (the bundled bench_data), another entry's (measuredAs, tablesFrom), or none (every lookup falls back). */
export type GpuTables = 'measured' | `as ${string}` | `from ${string}` | 'none'

export type GpuListing = Omit<GpuSpec, 'tableDonor'> & {effective: GpuRates; tables: GpuTables}

function tablesOf(g: GpuSpec, measured: ReadonlySet<string>): GpuTables {
  if (g.measuredAs) return `as ${g.measuredAs}`
  if (measured.has(gpuTableKey(g.name))) return 'measured'
  return g.tablesFrom ? `from ${g.tablesFrom}` : 'none'
}

/** The bundled models with their architecture: the `models` list of `infersim models --json`. */
export async function listModels(options: ListModelsOptions = {}): Promise<ModelSummary[]> {
  const o = resolveOptions('listModels', modelsOptions, options)
  const published = getProfile(o.profile as ProfileName).switches.publishedConfigs
  return bundledModelNames().map((n) => summarizeModel(loadModelFile(n, {publishedConfigs: published})))
}

/** The known GPUs with their effective figures: the `gpus` list of `infersim gpus --json`. */
export async function listGpus(options: ListGpusOptions = {}): Promise<GpuListing[]> {
  const o = resolveOptions('listGpus', gpusOptions, options)
  // tableDonor is the tablesFrom entry linked at load time: the listing names it (tablesFrom), not repeats it.
  const measured = new Set(listTablePaths(bundled.benchData).map(gpuOfPath))
  return loadGpus(o.gpuSpec as string | undefined).map(({tableDonor, ...g}) => ({...g, effective: effectiveRates(g), tables: tablesOf(g, measured)}))
}

export interface LoadModelOptions {
  /** The profile that will simulate it: the default profile reads published configs' fields the compat one ignores. */
  profile?: ProfileName
  /** Switches that differ from the profile's, as --switch takes them (e.g. 'publishedConfigs=off'). */
  switch?: string | string[]
}

/** A model's architecture as the simulator reads it, from a bundled name, a config.json path or a config object. Pass it on as `model`. */
export async function loadModel(model: ModelInput, options: LoadModelOptions = {}): Promise<ModelSpec> {
  const o = resolveOptions('loadModel', {profile: profileOption, switch: switchOption}, options)
  const profile = getProfile(o.profile as ProfileName, parseSwitchOverrides((o.switch as string[] | undefined) ?? []))
  return resolveModel(model, {publishedConfigs: profile.switches.publishedConfigs})
}

/**
 * The kernel tables of a folder laid out as bench_data/ (default: the
 * bundled one), only those of the given GPUs when any are given, plus every
 * GPU's GDN tables (a GPU without one borrows another's). Tables are read
 * when first looked up; pass the set on as `benchData` to reuse them across
 * calls.
 */
export async function loadTables(folder: string = bundled.benchData, options: {gpu?: GpuInput | GpuInput[]} = {}): Promise<TableSet> {
  const wanted = options.gpu === undefined ? undefined : Array.isArray(options.gpu) ? options.gpu : [options.gpu]
  const keys = wanted && resolveGpus(wanted).gpus.flatMap(tableKeysOf)
  return loadTableSet(folder, keys, {everyGdn: true})
}
