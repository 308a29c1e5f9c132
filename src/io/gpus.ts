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
  if (!userFile) return linkTableDonors(gpus, gpus)
  const merged = new Map(gpus.map((g) => [g.name.toLowerCase(), g]))
  const theirs = new Set(readGpuFile(userFile).map((g) => (merged.set(g.name.toLowerCase(), g), g)))
  const all = [...merged.values()]
  return linkTableDonors(all, all, (g) => (theirs.has(g) ? `GPU file ${displayPath(userFile)}: ` : ''))
}

/**
 * `gpus` with each `tablesFrom` linked to its entry among `known`
 * (tableDonor). The donor lends its own tables, not its donor's. `where`
 * says where an entry came from, for the error.
 *
 * @example
 * linkTableDonors([b300], known)[0].tableDonor?.name // 'B200-SXM'
 */
export function linkTableDonors(gpus: GpuSpec[], known: readonly GpuSpec[], where: (g: GpuSpec) => string = () => ''): GpuSpec[] {
  return gpus.map((g) => {
    if (!g.tablesFrom) return g
    const donor = findGpu(known, g.tablesFrom)
    const at = `${where(g)}GPU "${g.name}": tablesFrom`
    if (!donor) throw usageError(`${at} names "${g.tablesFrom}", which is not a known GPU; known GPUs: ${known.map((k) => k.name).join(', ')}`)
    if (donor.name === g.name) throw usageError(`${at} names the GPU itself`)
    return {...g, tableDonor: donor}
  })
}

export function resolveGpu(gpus: GpuSpec[], name: string): GpuSpec {
  const gpu = findGpu(gpus, name)
  if (!gpu) throw usageError(`unknown GPU "${name}"; known GPUs: ${gpus.map((g) => g.name).join(', ')} (or add one with --gpu-spec FILE)`)
  return gpu
}
