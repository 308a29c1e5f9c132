/**
 * AIConfigurator system files (systems/<key>.yaml): the GPU and node spec,
 * and our names for the systems it covers.
 */
import {readFileSync} from 'node:fs'
import {inputError} from '../../errors.js'
import {binaryProblem, yamlProblem} from '../../io/problems.js'
import {describeValue} from '../../util/quote.js'

/** AIConfigurator system key -> our GPU name (the names used by measurements/public.csv). */
export const SYSTEM_NAMES: Record<string, string> = {
  h100_sxm: 'H100-SXM',
  h200_sxm: 'H200-SXM',
  b200_sxm: 'B200-SXM',
  gb200: 'GB200-NVL72',
  a100_sxm: 'A100-SXM',
  l40s: 'L40S',
}

export const gpuNameOfSystem = (key: string) => SYSTEM_NAMES[key] ?? key.toUpperCase().replace(/_/g, '-')

/** The figures of a system file we use (SI units as the file gives them). */
export interface SystemSpec {
  memBw: number
  memBwScaling?: number
  memCapacity: number
  bf16Flops: number
  fp8Flops?: number
  fp4Flops?: number
  int8Flops?: number
  gpusPerNode: number
  /** The yaml's sm_version (89, 100) as a compute capability (8.9, 10.0). */
  computeCapability?: number
  intraNodeBw: number
  interNodeBw: number
  interRackBw?: number
  gpusPerRack?: number
}

export async function readSystemYaml(file: string, label = file): Promise<SystemSpec> {
  const {parse} = await import('yaml')
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw inputError(`${label}: cannot read the system file (${(error as NodeJS.ErrnoException).code ?? 'unknown error'})`)
  }
  let doc: unknown
  try {
    // Warnings off: the library prints them with the lines around them, and a file's content is not echoed.
    doc = parse(text, {logLevel: 'error'})
  } catch (error) {
    throw inputError(`${label}: the system file ${binaryProblem(text) ?? `is not valid YAML: ${yamlProblem(error)}`}`)
  }
  const gpu = (doc as {gpu?: Record<string, unknown>})?.gpu ?? {}
  const node = (doc as {node?: Record<string, unknown>})?.node ?? {}
  const need = (o: Record<string, unknown>, section: string, key: string): number => {
    const v = o[key]
    if (typeof v !== 'number' || !(v > 0)) throw inputError(`${label}: ${section}.${key} should be a positive number, got ${describeValue(v)}`)
    return v
  }
  const opt = (o: Record<string, unknown>, key: string) => (typeof o[key] === 'number' && (o[key] as number) > 0 ? (o[key] as number) : undefined)
  return {
    memBw: need(gpu, 'gpu', 'mem_bw'),
    memBwScaling: opt(gpu, 'mem_bw_empirical_scaling_factor'),
    memCapacity: need(gpu, 'gpu', 'mem_capacity'),
    bf16Flops: need(gpu, 'gpu', 'bfloat16_tc_flops'),
    fp8Flops: opt(gpu, 'fp8_tc_flops'),
    fp4Flops: opt(gpu, 'fp4_tc_flops'),
    int8Flops: opt(gpu, 'int8_tc_flops'),
    gpusPerNode: need(node, 'node', 'num_gpus_per_node'),
    ...(opt(gpu, 'sm_version') ? {computeCapability: opt(gpu, 'sm_version')! / 10} : {}),
    intraNodeBw: need(node, 'node', 'intra_node_bw'),
    interNodeBw: need(node, 'node', 'inter_node_bw'),
    interRackBw: opt(node, 'inter_rack_bw'),
    gpusPerRack: opt(node, 'num_gpus_per_rack'),
  }
}

/** Dense tensor peaks in TFLOP/s (the mfu columns are computed against these). */
export function peaksOf(s: SystemSpec): {bf16: number; fp8?: number; fp4?: number} {
  return {bf16: s.bf16Flops / 1e12, ...(s.fp8Flops ? {fp8: s.fp8Flops / 1e12} : {}), ...(s.fp4Flops ? {fp4: s.fp4Flops / 1e12} : {})}
}
