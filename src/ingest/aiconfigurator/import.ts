/**
 * `infersim ingest --format aiconfigurator`: every AIConfigurator table under
 * a folder (or one file) -> our kernel tables with provenance, per GPU, and
 * a data/gpus.json entry per GPU from its system file. Reads the inputs;
 * writing is the caller's (write.ts).
 */
import {usageError} from '../../errors.js'
import {findGpu, gpuTableKey, type GpuSpec} from '../../hardware/gpu.js'
import {pushAll} from '../../util/arrays.js'
import {mapDecodeAttention, mapPrefillAttention} from './attention.js'
import {mapCollectives, mapDeepEp, type CommInput} from './comm.js'
import {discover, type Family, type FoundTable} from './discover.js'
import {mapGdn} from './gdn.js'
import {mapMlaBmm} from './mla-bmm.js'
import {mapGemm} from './gemm.js'
import {gpuSpecFromSystem, medianLargeGemmMfu} from './gpu-spec.js'
import {mapDecodeMla, mapPrefillMla} from './mla.js'
import {mapMoe} from './moe.js'
import {mapWideEpMoe} from './wideep-moe.js'
import {cellText, readParquetRows, type AicRow} from './parquet.js'
import {gpuNameOfSystem, peaksOf, readSystemYaml, type SystemSpec} from './systems.js'
import {DEFAULT_MAP_OPTIONS, type MapOptions, type MappedTable, type SourceInfo} from './types.js'

export interface ImportOptions {
  /** GPU name for tables whose path does not say (a lone .parquet file). */
  gpu?: string
  kernelSource?: string
  moeDistribution?: string
  prefillTokens?: number
  /** Known GPUs: peaks for a system without its yaml beside the tables. */
  gpus?: readonly GpuSpec[]
  onProgress?: (done: number, total: number, label: string) => void
}

export interface ImportedGpu {
  name: string
  /** bench_data folder. */
  key: string
  /** AIConfigurator system key (h100_sxm). */
  system: string
  spec?: SystemSpec
  /** The data/gpus.json entry this import suggests (from the system yaml and the bf16 GEMM table). */
  gpuSpec?: GpuSpec
}

export interface ImportResult {
  gpus: ImportedGpu[]
  tables: MappedTable[]
  /** Input files not mapped, with the reason. */
  skipped: string[]
}

export const MOE_DISTRIBUTIONS = ['balanced', 'power_law_1.01', 'power_law_1.2'] as const

export async function importAiconfigurator(input: string, options: ImportOptions = {}): Promise<ImportResult> {
  const {tables: found, skipped} = discover(input, options.gpu)
  const bySystem = new Map<string, FoundTable[]>()
  for (const t of found) bySystem.set(t.system, [...(bySystem.get(t.system) ?? []), t])
  if (options.gpu && bySystem.size > 1) {
    throw usageError(`--gpu names one GPU, but ${input} holds tables of ${bySystem.size} systems (${[...bySystem.keys()].join(', ')})`)
  }
  const total = found.length
  let done = 0
  const gpus: ImportedGpu[] = []
  const tables: MappedTable[] = []
  for (const [system, list] of [...bySystem].sort(([a], [b]) => a.localeCompare(b))) {
    const name = options.gpu ?? gpuNameOfSystem(system)
    const yaml = list.find((t) => t.yaml)?.yaml
    const spec = yaml ? await readSystemYaml(yaml) : undefined
    const known = options.gpus && findGpu(options.gpus, name)
    const peaks = spec ? peaksOf(spec) : known ? {bf16: known.fp16Tflops, fp8: known.fp8Tflops} : undefined
    if (!peaks) {
      throw usageError(`no ${system}.yaml beside the tables and no known GPU "${name}" to take peak FLOP/s from; pass --gpu with a GPU from \`infersim gpus\``)
    }
    const o: MapOptions = {
      gpuKey: gpuTableKey(name),
      peaks,
      kernelSource: options.kernelSource,
      moeDistribution: options.moeDistribution ?? DEFAULT_MAP_OPTIONS.moeDistribution,
      prefillTokens: options.prefillTokens ?? DEFAULT_MAP_OPTIONS.prefillTokens,
      gpusPerNode: spec?.gpusPerNode ?? known?.gpusPerNode ?? 8,
    }
    const mine: MappedTable[] = []
    const comm: {customAllreduce?: CommInput; nccl?: CommInput} = {}
    for (const t of list.sort((a, b) => a.rel.localeCompare(b.rel))) {
      options.onProgress?.(done, total, t.rel)
      const {rows, sha256} = await readParquetRows(t.file, t.rel)
      const src = sourceOf(t, rows, sha256)
      if (t.family === 'custom_allreduce_perf') comm.customAllreduce = {rows, src}
      else if (t.family === 'nccl_perf') comm.nccl = {rows, src}
      else pushAll(mine, mapFamily(t.family, rows, src, o))
      done++
    }
    pushAll(mine, mapCollectives(comm, o))
    const bf16Gemm = mine.find((m) => m.table.path.startsWith('gemm/') && m.dtype === 'bf16')
    const defaultMfu = bf16Gemm && medianLargeGemmMfu(bf16Gemm.table)
    gpus.push({name, key: o.gpuKey, system, spec, ...(spec && defaultMfu ? {gpuSpec: gpuSpecFromSystem(name, system, spec, defaultMfu)} : {})})
    pushAll(tables, mine)
  }
  options.onProgress?.(done, total, 'done')
  return {gpus, tables, skipped}
}

function mapFamily(family: Family, rows: AicRow[], src: SourceInfo, o: MapOptions): MappedTable[] {
  switch (family) {
    case 'gemm_perf':
      return mapGemm(rows, src, o)
    case 'context_attention_perf':
      return mapPrefillAttention(rows, src, o)
    case 'generation_attention_perf':
      return mapDecodeAttention(rows, src, o)
    case 'context_mla_perf':
      return mapPrefillMla(rows, src, o)
    case 'generation_mla_perf':
      return mapDecodeMla(rows, src, o)
    case 'moe_perf':
      return mapMoe(rows, src, o)
    case 'gdn_perf':
      return mapGdn(rows, src, o)
    case 'mla_bmm_perf':
      return mapMlaBmm(rows, src, o)
    case 'wideep_deepep_ll_perf':
      return mapDeepEp(rows, src, 'll', o)
    case 'wideep_deepep_normal_perf':
      return mapDeepEp(rows, src, 'normal', o)
    case 'wideep_generation_moe_perf':
      return mapWideEpMoe(rows, src, o, 'decode')
    case 'wideep_context_moe_perf':
      return mapWideEpMoe(rows, src, o, 'prefill')
    default:
      return []
  }
}

function sourceOf(t: FoundTable, rows: readonly AicRow[], sha256: string): SourceInfo {
  const first = rows[0] ?? {}
  return {
    file: t.rel,
    sha256,
    framework: cellText(first, 'framework'),
    version: cellText(first, 'version') || (t.version ?? ''),
    device: cellText(first, 'device'),
  }
}
