/** Calibrated figures of one simulation: the raw ones times the fitted speed corrections of its profile. */
import {usageError} from '../errors.js'
import type {PhaseResult, SimResult} from '../sim/result.js'
import {phaseFeatures} from './features.js'
import {displayPath} from '../io/paths.js'
import {readFitFile, type FitFile} from './fit-file.js'
import {predictLogSpeed} from './linear-model.js'

export interface CalibratedValue {
  raw: number
  /** With the phase's speed factor. */
  phase_factor: number
  /** With the linear error model. */
  linear: number
}

export interface CalibratedPhase {
  phase_speed_factor: number
  linear_speed_factor: number
  /** TTFT (prefill) or TPOT (decode), ms. */
  latency_ms: CalibratedValue
  tgs: CalibratedValue
}

export interface Calibrated {
  file: string
  profile: string
  rows: number
  prefill?: CalibratedPhase
  decode?: CalibratedPhase
}

function calibratePhase(p: PhaseResult, fit: FitFile['fits'][number]): CalibratedPhase {
  const phaseFactor = fit.phase_factors[p.phase]?.factor ?? 1
  const linearFactor = Math.exp(predictLogSpeed(fit.linear, p.phase, phaseFeatures(p)))
  return {
    phase_speed_factor: phaseFactor,
    linear_speed_factor: linearFactor,
    latency_ms: {raw: p.latencyMs, phase_factor: p.latencyMs / phaseFactor, linear: p.latencyMs / linearFactor},
    tgs: {raw: p.tgs, phase_factor: p.tgs * phaseFactor, linear: p.tgs * linearFactor},
  }
}

export function applyCalibration(result: SimResult, fitFile: FitFile, file: string): Calibrated {
  const fit = fitFile.fits.find((f) => f.profile === result.profile)
  if (!fit) {
    throw usageError(`calibration file ${file} has no fit for profile "${result.profile}" (it has: ${fitFile.fits.map((f) => f.profile).join(', ')})`)
  }
  return {
    file,
    profile: fit.profile,
    rows: fit.rows,
    prefill: result.prefill && calibratePhase(result.prefill, fit),
    decode: result.decode && calibratePhase(result.decode, fit),
  }
}

/** Reads a fit file (calibrate --fit) and applies it to a result. */
export function calibrateWithFile(file: string, result: SimResult): Calibrated {
  return applyCalibration(result, readFitFile(file), displayPath(file))
}
