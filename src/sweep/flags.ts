/** The sweep command's flag values turned into a search space, a workload and run options, with clear usage errors. */
import {usageError} from '../errors.js'
import type {WeightQuant} from '../model/types.js'
import {speculativeOf} from '../serving/speculative.js'
import type {CalibrationModel} from './calibration.js'
import type {SweepSpace, Toggle, Workload} from './types.js'

export interface SweepFlagValues {
  gpu: string[]
  'max-gpus': number
  'min-gpus': number
  'gpus-per-node'?: number
  'world-sizes'?: string
  tp?: string
  'weight-formats'?: string
  'fp8-kv': string
  deepep: string
  tbo: string
  'prefill-tokens'?: string
  'decode-batches'?: string
  'max-decode-batch': number
  refine: boolean
  isl: number
  osl: number
  'ttft-max'?: number
  'tpot-max'?: number
  mtp?: number
  'accept-length'?: number
  calibration?: string
  'calibration-model': string
  top: number
  workers: string
}

export interface ParsedSweepFlags {
  gpus: string[]
  space: SweepSpace
  workload: Workload
  workers: number | 'auto'
  calibration?: {file: string; model: CalibrationModel}
}

/**
 * Prefill token budgets per GPU searched by default: whole requests (the ISL
 * times powers of two) up to 16384 tokens or one request. A budget below the
 * ISL would report one chunk's time as the TTFT.
 */
export function defaultPrefillTokens(isl: number): number[] {
  const out: number[] = []
  for (let p = isl; p <= Math.max(isl, 16384); p *= 2) out.push(p)
  return out
}

const WEIGHT_FORMATS = ['auto', 'bf16', 'fp8', 'int4', 'nvfp4', 'mxfp4'] as const

export const splitList = (values: readonly string[]) => values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean)

/** A comma list of positive whole numbers, sorted and without repeats. */
export function positiveIntList(flag: string, value: string): number[] {
  const items = splitList([value])
  if (items.length === 0) throw usageError(`--${flag} expects a comma list of positive whole numbers, got "${value}"`)
  const out = items.map((item) => {
    const v = Number(item)
    if (!Number.isInteger(v) || v < 1) throw usageError(`--${flag}: "${item}" is not a positive whole number`)
    return v
  })
  return [...new Set(out)].sort((a, b) => a - b)
}

function positive(flag: string, v: number | undefined): void {
  if (v !== undefined && !(v > 0)) throw usageError(`--${flag} must be positive, got ${v}`)
}

function workersOf(value: string): number | 'auto' {
  if (value === 'auto') return 'auto'
  const v = Number(value)
  if (!Number.isInteger(v) || v < 0) throw usageError(`--workers expects a whole number (0 = in this thread) or "auto", got "${value}"`)
  return v
}

export function parseSweepFlags(f: SweepFlagValues): ParsedSweepFlags {
  for (const flag of ['max-gpus', 'min-gpus', 'isl', 'osl', 'max-decode-batch', 'top'] as const) positive(flag, f[flag])
  positive('gpus-per-node', f['gpus-per-node'])
  positive('ttft-max', f['ttft-max'])
  positive('tpot-max', f['tpot-max'])
  if (f['min-gpus'] > f['max-gpus']) throw usageError(`--min-gpus ${f['min-gpus']} is above --max-gpus ${f['max-gpus']}`)
  const worldSizes = f['world-sizes'] === undefined ? undefined : positiveIntList('world-sizes', f['world-sizes'])
  const over = worldSizes?.find((w) => w > f['max-gpus'])
  if (over !== undefined) throw usageError(`--world-sizes has ${over}, above the GPU budget --max-gpus ${f['max-gpus']}`)
  const weightFormats = f['weight-formats'] === undefined ? undefined : splitList([f['weight-formats']])
  const speculative = speculativeOf(f.mtp, f['accept-length'])
  for (const w of weightFormats ?? []) {
    if (!(WEIGHT_FORMATS as readonly string[]).includes(w)) throw usageError(`--weight-formats: "${w}" is not one of ${WEIGHT_FORMATS.join(', ')}`)
  }
  if (weightFormats?.length === 0) throw usageError('--weight-formats is empty')
  const gpus = splitList(f.gpu)
  if (gpus.length === 0) throw usageError('--gpu names no GPU')
  const decodeBatches = f['decode-batches'] === undefined ? undefined : positiveIntList('decode-batches', f['decode-batches'])
  return {
    gpus,
    space: {
      gpus,
      worldSizes,
      minGpus: f['min-gpus'],
      maxGpus: f['max-gpus'],
      gpusPerNode: f['gpus-per-node'],
      tps: f.tp === undefined ? undefined : positiveIntList('tp', f.tp),
      weightFormats: weightFormats as ('auto' | WeightQuant)[] | undefined,
      fp8Kv: f['fp8-kv'] as Toggle,
      deepep: f.deepep as Toggle,
      tbo: f.tbo as Toggle,
      prefillTokens: f['prefill-tokens'] === undefined ? defaultPrefillTokens(f.isl) : positiveIntList('prefill-tokens', f['prefill-tokens']),
      decodeBatches,
      maxDecodeBatch: f['max-decode-batch'],
      refine: {prefill: f.refine && f['prefill-tokens'] === undefined, decode: f.refine && decodeBatches === undefined},
    },
    workload: {isl: f.isl, osl: f.osl, ttftMax: f['ttft-max'], tpotMax: f['tpot-max'], ...(speculative ? {speculative} : {})},
    workers: workersOf(f.workers),
    calibration: f.calibration === undefined ? undefined : {file: f.calibration, model: f['calibration-model'] === 'phase-factor' ? 'phase_factor' : 'linear'},
  }
}
