/** The fit file (default ~/.config/infersim/fit.json): written by calibrate --fit, read by simulate --calibration (schema-validated both ways). */
import {readJsonFile} from '../io/json.js'
import {displayPath} from '../io/paths.js'
import {assertValid} from '../schemas/validate.js'
import type {ProfileFit} from './fit.js'

export interface FitFile {
  format: 'infersim-calibration-fit'
  version: 1
  measurements: string[]
  fits: ProfileFit[]
}

export function makeFitFile(measurements: string[], fits: ProfileFit[]): FitFile {
  return {format: 'infersim-calibration-fit', version: 1, measurements, fits}
}

/** The text of a fit file, schema-checked. */
export function fitFileText(file: string, fit: FitFile): string {
  assertValid('fit', fit, `fit to write to ${displayPath(file)}`)
  return `${JSON.stringify(fit, null, 2)}\n`
}

export function readFitFile(file: string): FitFile {
  return assertValid<FitFile>('fit', readJsonFile(file, 'calibration file'), `calibration file ${displayPath(file)}`)
}
