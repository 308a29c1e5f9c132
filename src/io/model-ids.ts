/**
 * HuggingFace ids of the bundled model configs (data/model-ids.json), so
 * that a model named the way the world names it finds its bundled config:
 * `--model Qwen/Qwen3-32B`, or a measurements file exported by AIConfigurator
 * whose model column is `model_configs/Qwen--Qwen3-32B_config.json` and that
 * arrives without that folder beside it.
 *
 * @example hfIdOf('model_configs/Qwen--Qwen3-32B_config.json') // 'Qwen/Qwen3-32B'
 * @example bundledNameOfId('qwen/qwen3-32b') // 'qwen3-32b'
 */
import {assertValid} from '../schemas/validate.js'
import {readJsonFile} from './json.js'
import {bundled, displayPath} from './paths.js'

interface ModelIds {
  ids: Record<string, string>
}

let byId: Map<string, string> | undefined

function idTable(): Map<string, string> {
  if (!byId) {
    const data = assertValid<ModelIds>('model-ids', readJsonFile(bundled.modelIds, 'model ids'), displayPath(bundled.modelIds))
    byId = new Map(Object.entries(data.ids).map(([id, name]) => [id.toLowerCase(), name]))
  }
  return byId
}

/**
 * The HuggingFace id a model name or path stands for: `org/name` itself,
 * AIConfigurator's `<org>--<name>_config.json`, or `<org>/<name>/config.json`
 * at the end of a path; undefined when it names none.
 */
export function hfIdOf(nameOrPath: string): string | undefined {
  const p = nameOrPath.replaceAll('\\', '/')
  const base = p.slice(p.lastIndexOf('/') + 1)
  const exported = /^([^/]+?)--(.+?)(?:_config)?\.json$/.exec(base)
  if (exported) return `${exported[1]}/${exported[2]}`
  if (base === 'config.json') {
    const parts = p.split('/').filter(Boolean)
    return parts.length >= 3 ? `${parts[parts.length - 3]}/${parts[parts.length - 2]}` : undefined
  }
  return /^[^/\s]+\/[^/\s]+$/.test(p) && !p.endsWith('.json') ? p : undefined
}

/** The short name of the bundled config published under `id` (any case); undefined when none is. */
export const bundledNameOfId = (id: string): string | undefined => idTable().get(id.toLowerCase())
