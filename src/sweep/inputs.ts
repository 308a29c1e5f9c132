/** Loads what a sweep needs: the model, each GPU and its tables, the profile, and the calibration fit. */
import {readFitFile} from '../calibrate/fit-file.js'
import {profileGpu, type GpuSpec} from '../hardware/gpu.js'
import {resolveGpus, resolveModel, resolveTables, type GpuInput, type ModelInput, type TablesInput} from '../io/inputs.js'
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
  model: ModelInput
  gpus: readonly GpuInput[]
  gpuSpec?: string
  benchData?: TablesInput
  profile: ProfileName
  calibration?: {file: string; model: CalibrationModel}
}

export function loadSweepInputs(req: SweepInputRequest): SweepInputs {
  const profile = getProfile(req.profile)
  const resolved = resolveGpus(req.gpus, req.gpuSpec)
  // Two names of one measured GPU (H200 and H200-SXM) sweep it once.
  const gpus = [...new Set(resolved.gpus.map((g) => profileGpu(g, resolved.known, profile.switches)))]
  const model = resolveModel(req.model, {publishedConfigs: profile.switches.publishedConfigs})
  const tables = gpus.map((g) => resolveTables(req.benchData, g))
  const calibration = req.calibration && {file: req.calibration.file, model: req.calibration.model, fit: readFitFile(req.calibration.file)}
  return {model, gpus, tables, profile, calibration}
}
