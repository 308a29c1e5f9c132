/** Calibrated figures for a sweep: the fit of `infersim calibrate --fit` applied to every point, as `simulate --calibration` does. */
import {applyCalibration} from '../calibrate/apply.js'
import type {FitFile} from '../calibrate/fit-file.js'
import {usageError} from '../errors.js'
import {rawFigures, type PhaseFigures} from './evaluate.js'

/** Which correction of the fit to rank by (simulate --calibration prints both). */
export type CalibrationModel = 'linear' | 'phase_factor'

export interface SweepCalibration {
  /** The file as the user named it (goes into the reproducing command lines). */
  file: string
  fit: FitFile
  model: CalibrationModel
}

export function figuresOf(calibration: SweepCalibration | undefined): PhaseFigures {
  if (!calibration) return rawFigures
  const {fit, file, model} = calibration
  return (result, phase) => {
    const c = applyCalibration(result, fit, file)[phase]!
    return {latencyMs: c.latency_ms[model], tgs: c.tgs[model]}
  }
}

/** Fails early (before any simulation) when the fit has nothing for the profile. */
export function checkCalibration(calibration: SweepCalibration, profile: string): void {
  if (!calibration.fit.fits.some((f) => f.profile === profile)) {
    throw usageError(
      `calibration file ${calibration.file} has no fit for profile "${profile}" (it has: ${calibration.fit.fits.map((f) => f.profile).join(', ') || 'none'})`,
    )
  }
}
