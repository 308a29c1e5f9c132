import {usageError} from '../errors.js'
import {findGpu, type GpuSpec} from '../hardware/gpu.js'
import {assertValid} from '../schemas/validate.js'
import {readJsonFile} from './json.js'
import {bundled, displayPath} from './paths.js'

interface GpuFile {
  gpus: GpuSpec[]
}

export function readGpuFile(file: string): GpuSpec[] {
  const data = readJsonFile(file, 'GPU file')
  return assertValid<GpuFile>('gpu', data, `GPU file ${displayPath(file)}`).gpus
}

/**
 * Bundled GPUs, then a user's file (--gpu-spec) whose entries replace bundled ones of the same name.
 * The bundled file is not schema-checked at run time (loading the validator costs more than the
 * simulation): the tests check it (test/io/data-files.test.ts).
 */
export function loadGpus(userFile?: string): GpuSpec[] {
  const gpus = (readJsonFile(bundled.gpus, 'GPU file') as GpuFile).gpus
  if (!userFile) return gpus
  const merged = new Map(gpus.map((g) => [g.name.toLowerCase(), g]))
  for (const g of readGpuFile(userFile)) merged.set(g.name.toLowerCase(), g)
  return [...merged.values()]
}

export function resolveGpu(gpus: GpuSpec[], name: string): GpuSpec {
  const gpu = findGpu(gpus, name)
  if (!gpu) throw usageError(`unknown GPU "${name}"; known GPUs: ${gpus.map((g) => g.name).join(', ')} (or add one with --gpu-spec FILE)`)
  return gpu
}
