/**
 * A measurement row as a simulator deployment. Rows count per replica (one TP
 * group); with tbo = 1 the simulator runs two micro-batches of half the row's
 * batch (InferSim's --decode-bs and --max-prefill-tokens count one micro-batch).
 */
import {inputError} from '../errors.js'
import type {GpuSpec} from '../hardware/gpu.js'
import type {ModelSpec, WeightQuant} from '../model/types.js'
import {DEFAULT_DEPLOYMENT, type Deployment, type SimMode} from '../sim/deployment.js'
import {resolveDecodeBatch} from '../sim/simulate.js'
import {speculativeOf, type Speculative} from '../serving/speculative.js'
import {quoteText} from '../util/quote.js'
import {runIdTokens} from './run-id.js'
import type {MeasurementRow} from './types.js'

/**
 * The weight format a row names, when it names one: its `weight_format`
 * column (anything but empty or auto), else an FP4 dtype in an
 * AIConfigurator run id (src/calibrate/run-id.ts): the standard columns
 * cannot say nvfp4 (fp8_gemm is 0 or 1). Undefined: the columns decide
 * (fp8_gemm, then what the checkpoint ships).
 *
 * @example
 * rowWeightFormat({id: 'dsr1_b200_trtllm_fp4_agg_1024x1024_c4_cfg1-tpot', extra: {}}) // {format: 'nvfp4', from: 'id'}
 * rowWeightFormat({id: 'r1', extra: {weight_format: 'int4'}}) // {format: 'int4', from: 'column'}
 */
export function rowWeightFormat(row: Pick<MeasurementRow, 'id' | 'extra'>): {format: WeightQuant; from: 'column' | 'id'} | undefined {
  const cell = (row.extra.weight_format ?? '').trim()
  if (cell !== '' && cell !== 'auto') return {format: cell as WeightQuant, from: 'column'}
  if (cell === '' && runIdTokens(row.id).fp4) return {format: 'nvfp4', from: 'id'}
  return undefined
}

/** A whole-number cell of an optional column; undefined where empty or absent. */
export const optionalInt = (row: Pick<MeasurementRow, 'extra'>, column: string): number | undefined => {
  const cell = (row.extra[column] ?? '').trim()
  if (cell === '') return undefined
  const v = Number(cell)
  if (!Number.isInteger(v) || v < 0) throw inputError(`column "${column}": ${quoteText(cell)} is not a whole number`)
  return v
}

/**
 * Speculative decoding a row names: column mtp (draft tokens a step) and,
 * optionally, accept_length (tokens a step per request, as the engine
 * reported it). Absent columns, or mtp empty or 0: none.
 *
 * @example
 * rowSpeculative({extra: {mtp: '3', accept_length: '2.4'}}) // {draftTokens: 3, acceptLength: 2.4, acceptLengthFrom: 'given'}
 */
export function rowSpeculative(row: Pick<MeasurementRow, 'extra'>): {speculative?: Speculative} {
  const mtp = optionalInt(row, 'mtp')
  const cell = (row.extra.accept_length ?? '').trim()
  const accept = cell === '' ? undefined : Number(cell)
  if (accept !== undefined && !Number.isFinite(accept)) throw inputError(`column "accept_length": ${quoteText(cell)} is not a number`)
  if (!mtp) {
    if (accept !== undefined) throw inputError('column "accept_length" needs column "mtp": the draft tokens each step proposes')
    return {}
  }
  if (accept !== undefined && !(accept >= 1 && accept <= mtp + 1)) throw inputError(`column "accept_length": ${cell} is not from 1 to mtp + 1 (${mtp + 1})`)
  const speculative = speculativeOf(mtp, accept)
  return speculative ? {speculative} : {}
}

export function baseDeployment(row: MeasurementRow, mode: SimMode): Deployment {
  const weights = rowWeightFormat(row)
  return {
    ...DEFAULT_DEPLOYMENT,
    ...(weights ? {weightFormat: weights.format} : {}),
    worldSize: row.world_size,
    nodes: row.nodes,
    tp: row.tp,
    fp8Gemm: row.fp8_gemm === 1,
    fp8Kv: row.fp8_kv === 1,
    deepep: row.deepep === 1,
    tbo: row.tbo === 1,
    isl: row.isl,
    osl: row.osl,
    mode,
    ...rowSpeculative(row),
  }
}

/** Requests in flight per replica: the row's number, or the largest batch whose KV cache fits at isl + osl. */
export function replicaBatch(row: MeasurementRow, model: ModelSpec, gpu: GpuSpec): number {
  if (typeof row.decode_batch === 'number') return row.decode_batch
  const max = resolveDecodeBatch(model, {...baseDeployment(row, 'decode'), decodeBatch: 'max'}, gpu)
  if (max < 1) throw inputError(`decode_batch "max": no request's KV cache fits in ${gpu.name} memory at ${row.isl + row.osl} tokens`)
  return row.tbo === 1 ? 2 * Math.floor(max / 2) || max : max
}

/** The simulator's micro-batch for a replica batch. */
export const microBatch = (row: MeasurementRow, batch: number) => (row.tbo === 1 ? Math.max(1, batch / 2) : batch)

/** The simulator's prefill tokens per (micro-)forward for a replica's tokens per forward. */
export const microPrefillTokens = (row: MeasurementRow, tokens: number) => (row.tbo === 1 ? Math.max(1, Math.ceil(tokens / 2)) : tokens)
