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

/** Other spellings of the engines' names that exports use (TensorRT-LLM, tensorrt_llm, trt-llm, SGLang, vLLM): letters only, lower case. */
const ENGINE_SPELLINGS = new Map([['tensorrtllm', 'trtllm'], ['trtllm', 'trtllm'], ['vllm', 'vllm'], ['sglang', 'sglang']])

export function rowEngineName(row: MeasurementRow): string {
  const raw = (row.extra.backend ?? '').trim()
  if (!raw) return DEFAULT_ENGINE
  const name = ENGINE_SPELLINGS.get(raw.toLowerCase().replace(/[^a-z]/g, ''))
  if (!name) throw inputError(`column "backend": ${quoteText(raw)} is not one of ${ENGINE_NAMES.join(', ')}`)
  return name
}

let fitted: ReadonlyMap<string, Engine> | undefined

/** Engines that stand in for their files (a fit's, before it is written); none: the files. */
export function useEngines(engines: ReadonlyMap<string, Engine> | undefined): void {
  fitted = engines
}

export const rowEngine = (row: MeasurementRow): Engine => {
  const name = rowEngineName(row)
  return fitted?.get(name) ?? loadEngine(name, engineDir)
}
