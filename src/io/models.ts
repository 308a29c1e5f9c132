/** Bundled model configs (hf_configs/<short-name>.json) and user config paths. */
import {existsSync, readdirSync} from 'node:fs'
import path from 'node:path'
import {inputError, usageError} from '../errors.js'
import {parseModelConfig} from '../model/parse.js'
import type {ModelSpec} from '../model/types.js'
import {readJsonFile} from './json.js'
import {bundledNameOfId, hfIdOf} from './model-ids.js'
import {bundled, displayPath} from './paths.js'
import {quoteText} from '../util/quote.js'

const QUANT_SUFFIX = '.hf_quant_config.json'

/** Short names of the bundled models, sorted. */
export function bundledModelNames(dir = bundled.hfConfigs): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json') && !f.endsWith(QUANT_SUFFIX))
    .map((f) => f.slice(0, -'.json'.length))
    .sort()
}

/**
 * A bundled short name, a path to a config.json, or a HuggingFace id of a
 * bundled model; returns the file to read. A path that does not exist but
 * names a bundled model's id (AIConfigurator's model_configs/<org>--<name>_config.json)
 * reads the bundled config: an exported measurements file need not travel with its configs.
 */
export function resolveModelFile(nameOrPath: string, baseDir = process.cwd()): {name: string; file: string; missing?: string} {
  const bundledFile = path.join(bundled.hfConfigs, `${nameOrPath.toLowerCase()}.json`)
  if (!nameOrPath.includes('/') && !nameOrPath.includes('\\') && !nameOrPath.endsWith('.json')) {
    if (existsSync(bundledFile)) return {name: nameOrPath.toLowerCase(), file: bundledFile}
    throw usageError(`unknown model ${quoteText(nameOrPath)}; bundled models: ${bundledModelNames().join(', ')} (or pass a path to a config.json)`)
  }
  const file = path.resolve(baseDir, nameOrPath)
  if (!existsSync(file)) {
    const id = hfIdOf(nameOrPath)
    const name = id && bundledNameOfId(id)
    // A path that is not there (not an id given as such) says so in the results: the bundled config stands in for it.
    if (name) return {name, file: path.join(bundled.hfConfigs, `${name}.json`), ...(nameOrPath.endsWith('.json') ? {missing: file} : {})}
    if (id) throw inputError(`model config ${displayPath(file)} does not exist, and ${quoteText(id)} is not the HuggingFace id of a bundled model (data/model-ids.json lists them)`)
  }
  const base = path.basename(file, '.json')
  return {name: base === 'config' ? path.basename(path.dirname(file)) : base, file}
}

/** Reads a HuggingFace config (and hf_quant_config.json beside it, when present). */
export function loadModel(nameOrPath: string, opts: {publishedConfigs: boolean; baseDir?: string}): ModelSpec {
  const {name, file, missing} = resolveModelFile(nameOrPath, opts.baseDir)
  const raw = readJsonFile(file, 'model config')
  const quantFile = [file.replace(/\.json$/, QUANT_SUFFIX), path.join(path.dirname(file), 'hf_quant_config.json')].find((f) =>
    existsSync(f),
  )
  const quantConfig = quantFile ? (readJsonFile(quantFile, 'quantization config') as Record<string, unknown>) : undefined
  const model = parseModelConfig(raw, displayPath(file), name, {publishedConfigs: opts.publishedConfigs, quantConfig})
  if (missing) model.notes.push(`model config ${displayPath(missing)} does not exist: read the bundled ${name} (${displayPath(file)}), the config published under that id`)
  return model
}
