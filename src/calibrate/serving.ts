/**
 * Serving rows (phase `serving`, metrics ttft_ms and tpot_ms): C = decode_batch
 * closed-loop requests per replica on the engine the `backend` column names
 * (SGLang when absent: the simulator's constants come from it). Optional
 * columns moe_tp and moe_ep give expert parallelism inside the TP replica.
 */
import {inputError} from '../errors.js'
import {loadEngine} from '../io/engines.js'
import {ENGINE_NAMES, type Engine} from '../engine.js'
import {simulateServing, type ServingResult} from '../serving/simulate.js'
import {baseDeployment} from './deployment.js'
import {registerEvaluator, type EvalInputs, type Evaluation} from './evaluators.js'
import type {Features, MeasurementRow} from './types.js'
import {quoteText} from '../util/quote.js'

export const DEFAULT_ENGINE = 'sglang'

let engineDir: string | undefined

/** Where the serving evaluators read engine files (default: the bundled data/engines). */
export function useEngineDir(dir: string | undefined): void {
  engineDir = dir
}

export function rowEngineName(row: MeasurementRow): string {
  const b = (row.extra.backend ?? '').trim().toLowerCase()
  if (!b) return DEFAULT_ENGINE
  if (!(ENGINE_NAMES as readonly string[]).includes(b)) throw inputError(`column "backend": ${quoteText(String(row.extra.backend))} is not one of ${ENGINE_NAMES.join(', ')}`)
  return b
}

const optionalInt = (row: MeasurementRow, column: string): number | undefined => {
  const cell = (row.extra[column] ?? '').trim()
  if (cell === '') return undefined
  const v = Number(cell)
  if (!Number.isInteger(v) || v < 0) throw inputError(`column "${column}": ${quoteText(cell)} is not a whole number`)
  return v
}

/** Expert-parallel size inside the replica from moe_tp / moe_ep (0 or empty = not given; ignored for dense models). */
export function rowMoeEp(row: MeasurementRow, isMoe: boolean): number {
  const ep = optionalInt(row, 'moe_ep')
  const mtp = optionalInt(row, 'moe_tp')
  if (!isMoe || !ep) return 1
  if (mtp && mtp * ep !== row.tp) throw inputError(`moe_tp ${mtp} x moe_ep ${ep} is not tp ${row.tp}`)
  return ep
}

export function servingRowResult(row: MeasurementRow, i: EvalInputs, engine: Engine): ServingResult {
  if (typeof row.decode_batch !== 'number') throw inputError(`a serving row needs decode_batch = concurrency per replica as a number, got ${quoteText(String(row.decode_batch))}`)
  const d = baseDeployment(row, 'both')
  return simulateServing(
    i.model,
    d,
    i.gpu,
    i.tables,
    i.profile,
    {concurrency: row.decode_batch, engine, moeEp: rowMoeEp(row, i.model.ffn.isMoe), maxPrefillTokens: row.max_prefill_tokens ?? undefined},
    i.simulateOptions,
  )
}

/** Shares of a serving prediction, as the linear error model's features. */
export function servingFeatures(r: ServingResult, metric: string): Features {
  const overheadMs =
    metric === 'ttft_ms'
      ? r.ttftParts.overheadMs + r.params.step_overhead_ms + r.params.mixed_step_overhead_ms
      : r.params.step_overhead_ms + r.params.per_request_overhead_ms * r.meanDecodeBatch + r.mixedStepShare * r.params.mixed_step_overhead_ms
  const total = metric === 'ttft_ms' ? r.ttftMs : r.tpotMs
  return {overhead: Math.min(1, overheadMs / total), comm: 0, memory: 0, fallback: 0}
}

export function servingEvaluation(r: ServingResult, metric: 'ttft_ms' | 'tpot_ms'): Evaluation {
  return {simulated: metric === 'ttft_ms' ? r.ttftMs : r.tpotMs, features: servingFeatures(r, metric), warnings: r.warnings}
}

registerEvaluator('serving', 'ttft_ms', (row, i) => servingEvaluation(servingRowResult(row, i, loadEngine(rowEngineName(row), engineDir)), 'ttft_ms'))
registerEvaluator('serving', 'tpot_ms', (row, i) => servingEvaluation(servingRowResult(row, i, loadEngine(rowEngineName(row), engineDir)), 'tpot_ms'))
