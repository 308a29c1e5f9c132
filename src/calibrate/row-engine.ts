/**
 * Which serving engine a measurement row ran on (column `backend`; SGLang
 * when absent) and where engine files are read from: serving rows use all
 * of its parameters, prefill, decode and e2e rows its per-forward overheads.
 */
import {inputError} from '../errors.js'
import {loadEngine} from '../io/engines.js'
import {ENGINE_NAMES, type Engine} from '../engine.js'
import type {MeasurementRow} from './types.js'
import {quoteText} from '../util/quote.js'

export const DEFAULT_ENGINE = 'sglang'

let engineDir: string | undefined

/** Where the evaluators read engine files (default: the bundled data/engines). */
export function useEngineDir(dir: string | undefined): void {
  engineDir = dir
}

export function rowEngineName(row: MeasurementRow): string {
  const b = (row.extra.backend ?? '').trim().toLowerCase()
  if (!b) return DEFAULT_ENGINE
  if (!(ENGINE_NAMES as readonly string[]).includes(b)) throw inputError(`column "backend": ${quoteText(String(row.extra.backend))} is not one of ${ENGINE_NAMES.join(', ')}`)
  return b
}

export const rowEngine = (row: MeasurementRow): Engine => loadEngine(rowEngineName(row), engineDir)
