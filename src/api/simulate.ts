/** simulate() and serve(): one deployment, as `infersim simulate` (and `simulate --serving`) computes it. */
import type {Calibrated} from '../calibrate/apply.js'
import {statSync} from 'node:fs'
import type {EngineName} from '../engine.js'
import {InfersimError, usageError} from '../errors.js'
import {loadEngine} from '../io/engines.js'
import {displayPath} from '../io/paths.js'
import {loadSimInputs, type GpuInput, type ModelInput, type TablesInput} from '../io/inputs.js'
import {defaultNodes, deploymentFromOptions, type DeploymentOptionValues} from '../options/deployment.js'
import type {Deployment} from '../sim/deployment.js'
import {gpuNodeSize, type GpuSpec} from '../hardware/gpu.js'
import type {SimWarning} from '../tables/types.js'
import {simulateOptions} from '../options/shared.js'
import {resolveOptions, type OptionsOf} from '../options/spec.js'
import {parseSwitchOverrides, type ProfileName} from '../profile.js'
import {NO_ROOM} from '../serving/no-room.js'
import {simulateServing, type ServingResult} from '../serving/simulate.js'
import {speculativeOf} from '../serving/speculative.js'
import {parseGraphSizes} from '../serving/cuda-graphs.js'
import {releaseOf} from '../util/version.js'
import {quoteText} from '../util/quote.js'
import type {SimResult} from '../sim/result.js'
import {simulate as simulateDeployment} from '../sim/simulate.js'
import {checkServingRequest, SPLIT_THEM} from '../sim/validate.js'

/** simulate's options: its flags in camelCase; model, gpu and benchData may also be objects. */
export type SimulateOptions = Omit<OptionsOf<typeof simulateOptions>, 'model' | 'gpu' | 'benchData'> & {
  model?: ModelInput
  gpu?: GpuInput
  benchData?: TablesInput
}

/** serve's options: simulate's, serving being on. */
export type ServeOptions = Omit<SimulateOptions, 'serving'>

/** What `infersim simulate --json` prints: the simulation, with the calibrated figures and the serving prediction when asked. */
export type SimulateResult = SimResult & {calibrated?: Calibrated; serving?: ServingResult & {engineFile: string}}

/** The object options: passed through as they are. */
const OBJECT_OPTIONS = ['model', 'gpu', 'benchData']

interface SimulateValues extends DeploymentOptionValues {
  model: ModelInput
  gpu: GpuInput
  gpuSpec?: string
  profile: ProfileName
  switch?: string[]
  benchData?: TablesInput
  serving: boolean
  concurrency: number
  engine: EngineName
  engineDir?: string
  engineVersion?: string
  mixedChunk?: boolean
  chunkedPrefill?: boolean
  openingWave?: number
  requests?: number
  cudaGraphBatches?: string
  mtp?: number
  acceptLength?: number
  moeEp?: number
  calibration?: string
}

async function run(options: SimulateOptions, command: string): Promise<SimulateResult> {
  const o = resolveOptions(command, simulateOptions, options, OBJECT_OPTIONS) as unknown as SimulateValues
  const inputs = loadSimInputs({
    model: o.model,
    gpu: o.gpu,
    gpuSpec: o.gpuSpec,
    benchData: o.benchData,
    profile: o.profile,
    switches: parseSwitchOverrides(o.switch ?? []),
  })
  const engineDir = o.engineDir
  if (engineDir !== undefined && !statSync(engineDir, {throwIfNoEntry: false})?.isDirectory()) throw usageError(`--engine-dir ${engineDir} is not a folder`)
  const deployment = Object.assign(deploymentFromOptions(o, inputs.gpu), o.moeEp === undefined ? {} : {moeEp: o.moeEp})
  // A finite run queues all its requests at once unless --concurrency says how many are in flight.
  if (o.requests !== undefined && options.concurrency === undefined) o.concurrency = o.requests
  // With --serving, the report's own decode step is the load the serving prediction runs (the concurrency
  // per replica, in two micro-batches with TBO) unless --decode-batch says otherwise: its KV check, SLO and
  // per-request overheads then describe the same batch (a whole one: a fractional concurrency is a mean).
  if (o.serving && options.decodeBatch === undefined && o.concurrency > 0) deployment.decodeBatch = Math.ceil(deployment.tbo ? o.concurrency / 2 : o.concurrency)
  // Given, not defaulted: a concurrency without serving would be silently ignored.
  const given = {concurrency: options.concurrency, 'engine-version': options.engineVersion, 'mixed-chunk': options.mixedChunk, 'chunked-prefill': options.chunkedPrefill, 'opening-wave': options.openingWave, requests: options.requests, 'cuda-graph-batches': options.cudaGraphBatches}
  const requestWarnings = checkServingRequest({serving: o.serving, mode: deployment.mode, servingFlags: Object.keys(given).filter((k) => given[k as keyof typeof given] !== undefined)})
  if (o.engineVersion !== undefined && !releaseOf(o.engineVersion)) throw usageError(`--engine-version expects a release number such as 0.5.1 or 1.0.0rc3, got ${quoteText(o.engineVersion)}`)
  const speculative = speculativeOf(o.mtp, o.acceptLength)
  if (speculative) deployment.speculative = speculative
  const engine = loadEngine(o.engine, engineDir)
  const result = simulateDeployment(inputs.model, deployment, inputs.gpu, inputs.tables, inputs.profile, {engine})
  result.warnings.push(...requestWarnings, ...nodeWarnings(deployment, inputs.gpu))
  // Loaded only when asked: the calibration code and its statistics library cost more to load than a simulation.
  const calibrated = o.calibration ? (await import('../calibrate/apply.js')).calibrateWithFile(o.calibration, result) : undefined
  const serving = o.serving
    ? {
        ...withAdvice(() =>
          simulateServing(inputs.model, deployment, inputs.gpu, inputs.tables, inputs.profile, {
            concurrency: o.concurrency,
            engine,
            // Not given: the engine's own step budget.
            maxPrefillTokens: options.maxPrefillTokens,
            ...(o.engineVersion === undefined ? {} : {engineVersion: o.engineVersion}),
            ...(o.mixedChunk === undefined ? {} : {mixedChunk: o.mixedChunk}),
            ...(o.chunkedPrefill === undefined ? {} : {chunkedPrefill: o.chunkedPrefill}),
            ...(o.openingWave === undefined ? {} : {openingWave: o.openingWave}),
            ...(o.requests === undefined ? {} : {requests: o.requests}),
            ...(o.cudaGraphBatches === undefined ? {} : {cudaGraphBatchSizes: parseGraphSizes(o.cudaGraphBatches, '--cuda-graph-batches', usageError)}),
          }),
        ),
        engineFile: displayPath(engine.file),
      }
    : undefined
  return Object.assign({}, result, calibrated ? {calibrated} : {}, serving ? {serving} : {})
}

/** What simulate's flags can change when the engine's memory cannot serve the deployment (the error's data.code). */
const ROOM_ADVICE: Record<string, string> = {
  [NO_ROOM.weights]: SPLIT_THEM,
  [NO_ROOM.kv]: 'use more GPUs (--world-size with --tp), a smaller weight format (--fp8-gemm, --weight-format), an FP8 KV cache (--fp8-kv) or shorter requests (--isl, --osl)',
}

/** `serve`, its memory errors ending with what to change (the core's message names no flag: sweep and calibrate share it). */
function withAdvice<T>(serve: () => T): T {
  try {
    return serve()
  } catch (error) {
    if (error instanceof InfersimError) {
      const advice = ROOM_ADVICE[String(error.data?.code)]
      if (advice) throw new InfersimError(`${error.message}; ${advice}`, error.kind, error.data)
    }
    throw error
  }
}

/** A node given more GPUs than the GPU's nodes hold: its collectives are timed as inside one node. */
function nodeWarnings(d: Deployment, gpu: GpuSpec): SimWarning[] {
  const perNode = gpuNodeSize(gpu)
  const local = d.worldSize / d.nodes
  if (local <= perNode) return []
  return [
    {
      code: 'gpus-per-node',
      message: `${local} GPUs per node, where a ${gpu.name} node holds ${perNode}: the collectives are timed as within one node of ${local}; give --nodes ${defaultNodes(d.worldSize, gpu)} (or leave --nodes out) for ${d.worldSize} GPUs over ${perNode}-GPU nodes`,
    },
  ]
}

/**
 * One deployment's TTFT, TPOT and tokens/GPU/s, as `infersim simulate`
 * computes them: the options are the command's flags in camelCase, and
 * the result is the object `infersim simulate --json` prints.
 */
export async function simulate(options: SimulateOptions = {}): Promise<SimulateResult> {
  return await run(options, 'simulate')
}

/** Serving under load (`infersim simulate --serving`): simulate's options, the result with its `serving` part. */
export async function serve(options: ServeOptions = {}): Promise<SimulateResult & {serving: ServingResult & {engineFile: string}}> {
  return (await run({...options, serving: true}, 'serve')) as SimulateResult & {serving: ServingResult & {engineFile: string}}
}
