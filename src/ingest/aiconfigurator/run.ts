/** `infersim ingest --format aiconfigurator`: import, validate and write, with progress on stderr. */
import {usageError} from '../../errors.js'
import type {GpuSpec} from '../../hardware/gpu.js'
import {importAiconfigurator, MOE_DISTRIBUTIONS, type ImportedGpu} from './import.js'
import {writeImportedTables, type WriteSummary} from './write.js'

export interface AicIngestOptions {
  out: string
  gpus: readonly GpuSpec[]
  gpu?: string
  kernelSource?: string
  moeDistribution?: string
  prefillTokens?: number
  dryRun?: boolean
  skipInvalid?: boolean
  /** Progress lines (stderr). */
  progress?: (done: number, total: number, label: string) => void
}

export interface AicIngestSummary extends WriteSummary {
  format: 'aiconfigurator'
  gpus: {name: string; system: string; tables: number; rows: number; bytes: number; known: boolean; suggestedSpec?: GpuSpec}[]
  skipped: string[]
  seconds: number
}

export async function ingestAiconfigurator(inputs: readonly string[], o: AicIngestOptions): Promise<AicIngestSummary> {
  if (inputs.length !== 1) throw usageError(`--format aiconfigurator takes one folder or .parquet file, got ${inputs.length}`)
  if (o.moeDistribution && !(MOE_DISTRIBUTIONS as readonly string[]).includes(o.moeDistribution)) {
    throw usageError(`--moe-distribution ${o.moeDistribution}: AIConfigurator measures ${MOE_DISTRIBUTIONS.join(', ')}`)
  }
  if (o.prefillTokens !== undefined && !(o.prefillTokens >= 1)) throw usageError(`--prefill-tokens should be a positive number, got ${o.prefillTokens}`)
  const started = performance.now()
  const imported = await importAiconfigurator(inputs[0], {
    gpu: o.gpu,
    kernelSource: o.kernelSource,
    moeDistribution: o.moeDistribution,
    prefillTokens: o.prefillTokens,
    gpus: o.gpus,
    onProgress: o.progress,
  })
  const unknown = imported.gpus.filter((g) => !isKnown(o.gpus, g))
  if (unknown.length > 0) {
    const specs = unknown.map((g) => (g.gpuSpec ? JSON.stringify(g.gpuSpec) : `(${g.name}: no system yaml to suggest one)`)).join('\n')
    throw usageError(
      `${unknown.map((g) => g.name).join(', ')} not in the GPU file: their peaks are needed to check MFU. ` +
        `Add them to a --gpu-spec file (suggested entries from the system yaml below) and rerun:\n${specs}`,
    )
  }
  const written = writeImportedTables(imported.tables, {out: o.out, gpus: o.gpus, dryRun: o.dryRun, skipInvalid: o.skipInvalid})
  return {
    format: 'aiconfigurator',
    ...written,
    gpus: imported.gpus.map((g) => {
      const mine = written.tables.filter((t) => t.gpu === g.key)
      return {
        name: g.name,
        system: g.system,
        tables: mine.length,
        rows: mine.reduce((s, t) => s + t.rows, 0),
        bytes: mine.reduce((s, t) => s + t.bytes, 0),
        known: isKnown(o.gpus, g),
        ...(g.gpuSpec ? {suggestedSpec: g.gpuSpec} : {}),
      }
    }),
    skipped: imported.skipped,
    seconds: (performance.now() - started) / 1000,
  }
}

const isKnown = (gpus: readonly GpuSpec[], g: ImportedGpu) => gpus.some((s) => s.name.toLowerCase() === g.name.toLowerCase())

/** A progress bar on a terminal, one line per file otherwise. */
export function progressBar(write: (s: string) => void, isTty: boolean): (done: number, total: number, label: string) => void {
  return (done, total, label) => {
    const width = 24
    const filled = total > 0 ? Math.round((done / total) * width) : width
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${label}`
    if (isTty) write(`\r${bar.slice(0, 110).padEnd(110)}${label === 'done' ? '\n' : ''}`)
    else write(`${bar}\n`)
  }
}
