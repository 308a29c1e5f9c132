/** Loads what a sweep needs: the model, each GPU and its tables, the profile, and the calibration fit. */
import {readFitFile} from '../calibrate/fit-file.js'
import {gpuTableKey, type GpuSpec} from '../hardware/gpu.js'
import {loadGpus, resolveGpu} from '../io/gpus.js'
import {loadModel} from '../io/models.js'
import {bundled} from '../io/paths.js'
import {loadTableSet} from '../io/tables.js'
import type {ModelSpec} from '../model/types.js'
import {getProfile, type Profile, type ProfileName} from '../profile.js'
import type {TableSet} from '../tables/types.js'
import type {CalibrationModel, SweepCalibration} from './calibration.js'

export interface SweepInputs {
  model: ModelSpec
  gpus: GpuSpec[]
  tables: TableSet[]
  profile: Profile
  calibration?: SweepCalibration
}

export interface SweepInputRequest {
  model: string
  gpus: string[]
  gpuSpec?: string
  benchData?: string
  profile: ProfileName
  calibration?: {file: string; model: CalibrationModel}
}

export function loadSweepInputs(req: SweepInputRequest): SweepInputs {
  const profile = getProfile(req.profile)
  const known = loadGpus(req.gpuSpec)
  const gpus: GpuSpec[] = []
  for (const name of req.gpus) {
    const gpu = resolveGpu(known, name)
    if (!gpus.includes(gpu)) gpus.push(gpu)
  }
  const model = loadModel(req.model, {publishedConfigs: profile.switches.publishedConfigs})
  const tables = gpus.map((g) => loadTableSet(req.benchData ?? bundled.benchData, [gpuTableKey(g.name)]))
  const calibration = req.calibration && {file: req.calibration.file, model: req.calibration.model, fit: readFitFile(req.calibration.file)}
  return {model, gpus, tables, profile, calibration}
}
