/**
 * Which serving engine a measurement row ran on (column `backend`; SGLang
 * when absent) and where engine files are read from: serving rows use all
 * of its parameters, prefill, decode and e2e rows its per-forward overheads.
 */
import {inputError} from '../errors.js'
import {loadEngine} from '../io/engines.js'
import {ENGINE_NAMES, type Engine, type EngineParams} from '../engine.js'
import {optionalInt} from './deployment.js'
import type {MeasurementRow} from './types.js'
import {quoteText} from '../util/quote.js'
import {parseGraphSizes} from '../serving/cuda-graphs.js'

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

/**
 * The engine settings a row's run was launched with, where the row gives
 * them: column max_running_requests (vLLM --max-num-seqs, SGLang
 * --max-running-requests, TensorRT-LLM max_batch_size) and column
 * gpu_memory_fraction (vLLM --gpu-memory-utilization, SGLang
 * --mem-fraction-static, TensorRT-LLM kv_cache_free_gpu_mem_fraction; of the
 * memory the engine file's memory_fraction_of says), and column
 * cuda_graph_batch_sizes (TensorRT-LLM cuda_graph_config batch_sizes with
 * enable_padding: src/serving/cuda-graphs.ts).
 *
 * @example
 * rowSettings({extra: {max_running_requests: '4096', gpu_memory_fraction: '0.93'}}) // {max_running_requests: 4096, gpu_memory_fraction: 0.93}
 * rowSettings({extra: {cuda_graph_batch_sizes: '1 2 4 8'}}) // {cuda_graph_batch_sizes: [1, 2, 4, 8]}
 * rowSettings({extra: {}}) // {}
 */
export function rowSettings(row: Pick<MeasurementRow, 'extra'>): Partial<EngineParams> {
  const out: Partial<EngineParams> = {}
  const running = optionalInt(row, 'max_running_requests')
  if (running !== undefined) {
    if (running < 1) throw inputError(`column "max_running_requests": ${running} requests, where the engine needs at least 1`)
    out.max_running_requests = running
  }
  const share = (row.extra.gpu_memory_fraction ?? '').trim()
  if (share !== '') {
    const value = Number(share)
    if (!(value > 0 && value <= 1)) throw inputError(`column "gpu_memory_fraction": ${quoteText(share)} is not a share of the memory above 0 and at most 1`)
    out.gpu_memory_fraction = value
  }
  const graphs = (row.extra.cuda_graph_batch_sizes ?? '').trim()
  if (graphs !== '') out.cuda_graph_batch_sizes = parseGraphSizes(graphs, 'column "cuda_graph_batch_sizes"')
  return out
}

/** The row's engine, its launch settings (rowSettings) over the file's parameters and over the defaults it picks by GPU. */
export const rowEngine = (row: MeasurementRow): Engine => {
  const name = rowEngineName(row)
  const engine = fitted?.get(name) ?? loadEngine(name, engineDir)
  const settings = rowSettings(row)
  const keys = Object.keys(settings)
  if (keys.length === 0) return engine
  const gpuDefaults = engine.gpuDefaults
    ?.map((rule) => ({...rule, values: Object.fromEntries(Object.entries(rule.values).filter(([k]) => !keys.includes(k)))}))
    .filter((rule) => Object.keys(rule.values).length > 0)
  return {...engine, params: {...engine.params, ...settings}, ...(gpuDefaults ? {gpuDefaults} : {})}
}
