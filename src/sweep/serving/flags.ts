/** The sweep command's flag values under --serving turned into a serving space and targets, with clear usage errors. */
import {ENGINE_NAMES} from '../../engine.js'
import {usageError} from '../../errors.js'
import {parseSweepFlags, positiveIntList, splitList, type SweepFlagValues} from '../flags.js'
import type {ServingMode} from './result.js'
import type {ServingSpace, ServingTargets, Sustain} from './types.js'
import {checkOpeningWave} from '../../serving/simulate.js'
import {parseGraphSizes} from '../../serving/cuda-graphs.js'

export interface ServingFlagValues extends SweepFlagValues {
  engine: string[]
  'engine-dir'?: string
  'opening-wave'?: number
  'cuda-graph-batches'?: string
  'request-rate'?: number
  concurrency?: number
  'concurrency-grid'?: string
  'max-concurrency': number
  'step-tokens'?: string
  modes: string
}

/** Flags of the phase sweep that mean nothing to a serving sweep. */
export const PHASE_ONLY_FLAGS = ['tbo', 'prefill-tokens', 'decode-batches', 'max-decode-batch'] as const
/** Flags that only a serving sweep reads. */
export const SERVING_ONLY_FLAGS = ['engine', 'engine-dir', 'opening-wave', 'cuda-graph-batches', 'request-rate', 'concurrency', 'concurrency-grid', 'max-concurrency', 'step-tokens', 'modes'] as const

const MODES: ServingMode[] = ['aggregated', 'disaggregated']

export interface ParsedServingFlags {
  gpus: string[]
  engines: string[]
  space: ServingSpace
  targets: ServingTargets
  workers: number | 'auto'
  calibration?: {file: string; model: 'linear' | 'phase_factor'}
}

export function parseServingFlags(f: ServingFlagValues): ParsedServingFlags {
  const base = parseSweepFlags(f)
  const engines = [...new Set(splitList(f.engine))]
  if (engines.length === 0) throw usageError('--engine names no engine')
  for (const e of engines) if (!(ENGINE_NAMES as readonly string[]).includes(e)) throw usageError(`--engine: "${e}" is not one of ${ENGINE_NAMES.join(', ')}`)
  const modes = [...new Set(splitList([f.modes]))]
  for (const m of modes) if (!(MODES as string[]).includes(m)) throw usageError(`--modes: "${m}" is not one of ${MODES.join(', ')}`)
  if (modes.length === 0) throw usageError('--modes names no mode')
  // Checked before any work: a sweep would otherwise fail at its first evaluation.
  if (f['opening-wave'] !== undefined) checkOpeningWave(f['opening-wave'])
  const speculative = base.workload.speculative
  if (f['request-rate'] !== undefined && f.concurrency !== undefined) throw usageError('give --request-rate or --concurrency, not both')
  if (f['request-rate'] !== undefined && !(f['request-rate'] > 0)) throw usageError(`--request-rate must be positive, got ${f['request-rate']}`)
  if (f.concurrency !== undefined && !(Number.isInteger(f.concurrency) && f.concurrency > 0)) throw usageError(`--concurrency must be a positive whole number, got ${f.concurrency}`)
  if (!(Number.isInteger(f['max-concurrency']) && f['max-concurrency'] > 0)) throw usageError(`--max-concurrency must be a positive whole number, got ${f['max-concurrency']}`)
  if (f.concurrency !== undefined && f['concurrency-grid'] !== undefined) throw usageError('--concurrency fixes the load per replica for each number of replicas; leave out --concurrency-grid')
  const sustain: Sustain =
    f['request-rate'] !== undefined ? {kind: 'rate', requestsPerSecond: f['request-rate']} : f.concurrency !== undefined ? {kind: 'concurrency', requests: f.concurrency} : {kind: 'none'}
  const s = base.space
  return {
    gpus: base.gpus,
    engines,
    space: {
      gpus: s.gpus,
      engines,
      minGpus: s.minGpus,
      maxGpus: s.maxGpus,
      gpusPerNode: s.gpusPerNode,
      worldSizes: s.worldSizes,
      tps: s.tps,
      weightFormats: s.weightFormats,
      fp8Kv: s.fp8Kv,
      deepep: s.deepep,
      stepTokens: f['step-tokens'] === undefined ? undefined : positiveIntList('step-tokens', f['step-tokens']),
      concurrencies: f['concurrency-grid'] === undefined ? undefined : positiveIntList('concurrency-grid', f['concurrency-grid']),
      maxConcurrency: f['max-concurrency'],
      refine: f.refine,
      aggregated: modes.includes('aggregated'),
      disaggregated: modes.includes('disaggregated'),
    },
    targets: {isl: f.isl, osl: f.osl, ttftMax: f['ttft-max'], tpotMax: f['tpot-max'], sustain, ...(f['opening-wave'] === undefined ? {} : {openingWave: f['opening-wave']}), ...(f['cuda-graph-batches'] === undefined ? {} : {cudaGraphBatchSizes: parseGraphSizes(f['cuda-graph-batches'], '--cuda-graph-batches', usageError)}), ...(speculative ? {speculative} : {})},
    workers: base.workers,
    calibration: base.calibration,
  }
}
