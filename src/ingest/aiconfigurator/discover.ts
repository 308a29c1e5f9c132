/**
 * Finds AIConfigurator Parquet tables under a folder (or one file) and tells
 * which system (GPU) and table family each belongs to, from the collection
 * layout systems/<system>/<family>/<framework>/<version>/<table>.parquet or
 * today's upstream one, systems/data/<system>/<family>/<framework>/<version>/
 * (the system's <system>.yaml stays in systems/).
 */
import {existsSync, readdirSync, statSync} from 'node:fs'
import path from 'node:path'
import {inputError, usageError} from '../../errors.js'
import {compareReleases} from '../../util/version.js'

export const FAMILIES = [
  'gemm_perf',
  'context_attention_perf',
  'generation_attention_perf',
  'context_mla_perf',
  'generation_mla_perf',
  'moe_perf',
  'gdn_perf',
  'mla_bmm_perf',
  'custom_allreduce_perf',
  'nccl_perf',
  'wideep_deepep_ll_perf',
  'wideep_deepep_normal_perf',
  'wideep_generation_moe_perf',
  'wideep_context_moe_perf',
] as const
export type Family = (typeof FAMILIES)[number]

export interface FoundTable {
  file: string
  /** Path shown and recorded: from the folder above the systems folder (systems/h100_sxm/...), forward slashes. */
  rel: string
  family: Family
  system: string
  /** systems/<system>.yaml when it exists. */
  yaml?: string
  /** The collection version folder (e.g. 0.5.14), when the path follows the layout. */
  version?: string
}

export interface Discovery {
  tables: FoundTable[]
  /** Parquet files not imported, each with the reason. */
  skipped: string[]
}

function walk(dir: string, out: string[]): void {
  for (const e of readdirSync(dir, {withFileTypes: true})) {
    if (e.name.startsWith('.')) continue
    const p = path.join(dir, e.name)
    if (e.isDirectory()) walk(p, out)
    else if (e.name.endsWith('.parquet')) out.push(p)
  }
}

interface SystemFolder {
  system?: string
  yaml?: string
  /** The system's folder (systems/<system> or systems/data/<system>). */
  dir?: string
  /** The folder that holds `systems`: paths are shown from there. */
  root?: string
}

/**
 * The system folder of a file: the ancestor with <name>.yaml beside it (or,
 * under systems/data/, in systems/), else the folder after `systems` or
 * `systems/data`.
 */
function systemOf(file: string): SystemFolder {
  let dir = path.dirname(path.resolve(file))
  while (dir !== path.dirname(dir)) {
    const parent = path.dirname(dir)
    const name = path.basename(dir)
    const underData = path.basename(parent) === 'data' && path.basename(path.dirname(parent)) === 'systems'
    const systems = underData ? path.dirname(parent) : parent
    const root = path.dirname(systems)
    for (const yaml of [path.join(parent, `${name}.yaml`), ...(underData ? [path.join(systems, `${name}.yaml`)] : [])]) {
      if (existsSync(yaml)) return {system: name, yaml, dir, root}
    }
    if (underData || (path.basename(parent) === 'systems' && name !== 'data')) return {system: name, dir, root}
    dir = parent
  }
  return {}
}

/** `fallbackSystem` names the GPU of files whose path does not (a lone .parquet file). */
export function discover(input: string, fallbackSystem?: string): Discovery {
  if (!existsSync(input)) throw usageError(`${input}: no such file or folder`)
  const isFile = statSync(input).isFile()
  if (isFile && !input.endsWith('.parquet')) throw usageError(`${input}: not a .parquet file (give an AIConfigurator systems folder or one of its .parquet tables)`)
  const files: string[] = []
  if (isFile) files.push(input)
  else walk(input, files)
  if (files.length === 0) throw inputError(`${input}: no .parquet tables found (expected systems/<gpu>/<family>/<framework>/<version>/*.parquet)`)
  const base = path.dirname(path.resolve(input))
  const tables: FoundTable[] = []
  const skipped: string[] = []
  for (const file of files.sort()) {
    const found = systemOf(file)
    const from = found.root ?? base
    const rel = path.relative(from, path.resolve(file)).split(path.sep).join('/')
    const name = path.basename(file, '.parquet')
    const family = name as Family
    if (!FAMILIES.includes(family)) {
      skipped.push(`${rel} (not a table family infersim maps)`)
      continue
    }
    const system = found.system ?? fallbackSystem
    if (!system) {
      throw usageError(`${rel}: cannot tell which GPU this table belongs to (no systems/<gpu>/ folder or <gpu>.yaml above it); pass --gpu NAME`)
    }
    const version = found.dir ? path.relative(found.dir, path.dirname(path.resolve(file))).split(path.sep)[2] : undefined
    tables.push({file, rel, family, system, yaml: found.yaml, version})
  }
  const newest = newestPerFamily(tables)
  for (const t of tables) if (!newest.includes(t)) skipped.push(`${t.rel} (an older collection than the one imported)`)
  return {tables: newest, skipped}
}

/** Several collections of one family for a system: keep the newest version (the reference keeps only that). */
function newestPerFamily(tables: FoundTable[]): FoundTable[] {
  const best = new Map<string, FoundTable>()
  for (const t of tables) {
    const k = `${t.system}|${t.family}`
    const prev = best.get(k)
    if (!prev || compareReleases(t.version ?? '', prev.version ?? '') > 0) best.set(k, t)
  }
  return [...best.values()]
}

