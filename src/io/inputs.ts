/** Loads what one simulation needs: the model, the GPU and that GPU's tables. */
import {gpuTableKey, type GpuSpec} from '../hardware/gpu.js'
import type {ModelSpec} from '../model/types.js'
import {getProfile, type Profile, type ProfileName, type ProfileSwitches} from '../profile.js'
import type {TableSet} from '../tables/types.js'
import {loadGpus, resolveGpu} from './gpus.js'
import {loadModel} from './models.js'
import {bundled} from './paths.js'
import {loadTableSet} from './tables.js'

export interface SimInputs {
  model: ModelSpec
  gpu: GpuSpec
  gpus: GpuSpec[]
  tables: TableSet
  profile: Profile
}

export interface SimInputRequest {
  model: string
  gpu: string
  gpuSpec?: string
  benchData?: string
  profile: ProfileName
  /** Switches that differ from the profile's (--switch). */
  switches?: Partial<ProfileSwitches>
  modelBaseDir?: string
}

export function loadSimInputs(req: SimInputRequest): SimInputs {
  const profile = getProfile(req.profile, req.switches)
  const gpus = loadGpus(req.gpuSpec)
  const gpu = resolveGpu(gpus, req.gpu)
  const model = loadModel(req.model, {publishedConfigs: profile.switches.publishedConfigs, baseDir: req.modelBaseDir})
  const tables = loadTableSet(req.benchData ?? bundled.benchData, [gpuTableKey(gpu.name)])
  return {model, gpu, gpus, tables, profile}
}
