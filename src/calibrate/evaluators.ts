/**
 * How each (phase, metric) of a row is simulated. A map, so that new phases
 * (serving) plug in with registerEvaluator without touching the runner.
 */
import type {GpuSpec} from '../hardware/gpu.js'
import type {ModelSpec} from '../model/types.js'
import type {Profile} from '../profile.js'
import type {PhaseResult} from '../sim/result.js'
import {simulate, type SimulateOptions} from '../sim/simulate.js'
import type {SimWarning, TableSet} from '../tables/types.js'
import {baseDeployment, microBatch, microPrefillTokens, replicaBatch} from './deployment.js'
import {staticBatchPlan, staticBatchTimes} from './e2e.js'
import {phaseFeatures} from './features.js'
import {rowEngine} from './row-engine.js'
import type {Features, MeasurementRow} from './types.js'

export interface EvalInputs {
  model: ModelSpec
  gpu: GpuSpec
  tables: TableSet
  profile: Profile
  simulateOptions: SimulateOptions
}

export interface Evaluation {
  simulated: number
  features: Features
  warnings: SimWarning[]
}

export type Evaluator = (row: MeasurementRow, inputs: EvalInputs) => Evaluation

const EVALUATORS = new Map<string, Evaluator>()

const key = (phase: string, metric: string) => `${phase}/${metric}`

export function registerEvaluator(phase: string, metric: string, evaluator: Evaluator): void {
  EVALUATORS.set(key(phase, metric), evaluator)
}

export function evaluatorFor(phase: string, metric: string): Evaluator | undefined {
  return EVALUATORS.get(key(phase, metric))
}

/** Simulate options of a row: the evaluation's, with the row's engine for the per-forward overheads. */
const rowOptions = (row: MeasurementRow, i: EvalInputs): SimulateOptions => Object.assign({}, i.simulateOptions, {engine: rowEngine(row)})

function prefillRun(row: MeasurementRow, i: EvalInputs) {
  const d = {
    ...baseDeployment(row, 'prefill'),
    maxPrefillTokens: microPrefillTokens(row, row.max_prefill_tokens!),
    decodeBatch: typeof row.decode_batch === 'number' ? microBatch(row, row.decode_batch) : 1,
  }
  const r = simulate(i.model, d, i.gpu, i.tables, i.profile, rowOptions(row, i))
  return {phase: r.prefill!, warnings: r.warnings}
}

function decodeRun(row: MeasurementRow, i: EvalInputs) {
  const batch = replicaBatch(row, i.model, i.gpu)
  const d = {...baseDeployment(row, 'decode'), decodeBatch: microBatch(row, batch)}
  const r = simulate(i.model, d, i.gpu, i.tables, i.profile, rowOptions(row, i))
  return {phase: r.decode!, warnings: r.warnings}
}

const fromPhase = (pick: (p: PhaseResult) => number) => (run: {phase: PhaseResult; warnings: SimWarning[]}): Evaluation => ({
  simulated: pick(run.phase),
  features: phaseFeatures(run.phase),
  warnings: run.warnings,
})

registerEvaluator('prefill', 'tgs', (row, i) => fromPhase((p) => p.tgs)(prefillRun(row, i)))
registerEvaluator('prefill', 'ttft_ms', (row, i) => fromPhase((p) => p.latencyMs)(prefillRun(row, i)))
registerEvaluator('decode', 'tgs', (row, i) => fromPhase((p) => p.tgs)(decodeRun(row, i)))
registerEvaluator('decode', 'tpot_ms', (row, i) => fromPhase((p) => p.latencyMs)(decodeRun(row, i)))

registerEvaluator('e2e', 'output_tgs', (row, i) => {
  const batch = replicaBatch(row, i.model, i.gpu)
  const plan = staticBatchPlan(batch, row.isl, row.max_prefill_tokens!)
  const d = {
    ...baseDeployment(row, 'both'),
    maxPrefillTokens: microPrefillTokens(row, plan.forwardTokens),
    decodeBatch: microBatch(row, batch),
  }
  const r = simulate(i.model, d, i.gpu, i.tables, i.profile, rowOptions(row, i))
  const t = staticBatchTimes({...r, prefill: r.prefill!, decode: r.decode!}, plan, row.max_prefill_tokens!)
  return {simulated: t.outputTgs, features: t.features, warnings: r.warnings}
})
