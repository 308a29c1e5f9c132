/**
 * What evaluating rows needs, loaded once: the GPU list, each GPU's tables
 * (read on first use) and each model config (per file and config reading).
 */
import {InfersimError} from '../errors.js'
import {findGpu, gpuTableKey, profileGpu, tableKeysOf, type GpuSpec} from '../hardware/gpu.js'
import {loadGpus} from '../io/gpus.js'
import {loadModel, resolveModelFile} from '../io/models.js'
import {bundled} from '../io/paths.js'
import {checkTableFolder, loadTableSet} from '../io/tables.js'
import type {ModelSpec} from '../model/types.js'
import type {SimulateOptions} from '../sim/simulate.js'
import type {TableSet} from '../tables/types.js'
import {quoteText} from '../util/quote.js'
import type {MeasurementRow} from './types.js'

export interface EnvironmentOptions {
  /** GPU file whose entries replace bundled ones (--gpu-spec). */
  gpuSpec?: string
  /** A GPU list to use instead of reading files (tests). */
  gpus?: GpuSpec[]
  /** Tables root (--bench-data). */
  benchData?: string
  simulateOptions?: SimulateOptions
}

export class EvalEnvironment {
  readonly gpus: GpuSpec[]
  readonly simulateOptions: SimulateOptions
  private readonly benchData: string
  private readonly tableCache = new Map<string, TableSet>()
  private readonly modelCache = new Map<string, ModelSpec | InfersimError>()

  constructor(opts: EnvironmentOptions = {}) {
    this.gpus = opts.gpus ?? loadGpus(opts.gpuSpec)
    this.benchData = opts.benchData ?? bundled.benchData
    // Checked now: tables load on a row's first use, where a bad folder would fail each row instead of the run.
    checkTableFolder(this.benchData)
    this.simulateOptions = opts.simulateOptions ?? {}
  }

  /** The GPU a row names, as the profile reads it (its measured entry with the measuredGpus switch). */
  gpu(name: string, switches: {measuredGpus: boolean}): GpuSpec {
    const gpu = findGpu(this.gpus, name)
    if (gpu) return profileGpu(gpu, this.gpus, switches)
    throw new InfersimError(`unknown GPU ${quoteText(name)}; known GPUs: ${this.gpus.map((g) => g.name).join(', ')}`)
  }

  tables(gpu: GpuSpec): TableSet {
    const key = gpuTableKey(gpu.name)
    let t = this.tableCache.get(key)
    if (!t) {
      t = loadTableSet(this.benchData, tableKeysOf(gpu), {everyGdn: true})
      this.tableCache.set(key, t)
    }
    return t
  }

  /** The row's model, read as the profile reads configs; a bad config fails every row that uses it. */
  model(row: MeasurementRow, publishedConfigs: boolean): ModelSpec {
    const {file} = resolveModelFile(row.model, row.baseDir)
    const key = `${publishedConfigs ? 'published' : 'compat'}:${file}`
    let m = this.modelCache.get(key)
    if (!m) {
      try {
        m = loadModel(row.model, {publishedConfigs, baseDir: row.baseDir})
      } catch (error) {
        if (!(error instanceof InfersimError)) throw error
        m = error
      }
      this.modelCache.set(key, m)
    }
    if (m instanceof InfersimError) throw m
    return m
  }
}
