/**
 * MFU recomputed from latency, the kernel's FLOPs and the GPU's peak for the
 * row's dtype, and compared with the MFU the benchmark stated. A stated value
 * printed with few decimals cannot agree better than half its last digit, so
 * the 5% tolerance never drops below that.
 */
import type {GpuSpec} from '../../hardware/gpu.js'
import type {IngestRow, Issue, MfuCheck} from '../types.js'
import {issueAt} from '../types.js'
import {peakTflops} from './peak.js'

export const MFU_TOLERANCE = 0.05

/** Significant digits kept for a recomputed MFU written to a table. */
const roundMfu = (x: number) => Number(x.toPrecision(6))

export function dtypeOf(row: IngestRow): string {
  const v = row.values.dtype
  if (typeof v === 'string') return v
  return row.target.stemDtype ?? row.source.assumedDtype ?? row.target.layout.defaultDtype ?? 'bf16'
}

export interface MfuOutcome {
  values: Record<string, number | string>
  checks: MfuCheck[]
  issues: Issue[]
}

export function checkMfu(row: IngestRow, gpu: GpuSpec | undefined, strict: boolean): MfuOutcome {
  const {layout} = row.target
  let values = row.values
  const replace = (column: string, v: number) => {
    if (values === row.values) values = {...row.values}
    values[column] = v
  }
  const checks: MfuCheck[] = []
  const issues: Issue[] = []
  if (layout.mfuColumns.length === 0 || !layout.flops) return {values, checks, issues}
  const issue = (severity: 'error' | 'warning', code: string, message: string, column?: string) =>
    issues.push(issueAt(severity, code, row.source.display, row.line, message, column))
  const dtype = dtypeOf(row)
  if (!gpu) {
    issue('error', 'unknown-gpu', `GPU "${row.target.gpu}" is not a known GPU (data/gpus.json or --gpu-spec): its ${dtype} peak is needed to recompute MFU`)
    return {values, checks, issues}
  }
  const peak = peakTflops(gpu, dtype)
  const flops = layout.flops(row.values, row.target.shape, row.flopsHints)
  for (const {column, latency} of layout.mfuColumns) {
    const stated = row.values[column] as number | undefined
    if (peak === undefined) {
      if (stated === undefined) issue('error', 'no-peak', `no MFU stated, and ${gpu.name} has no ${dtype} peak to recompute it from`)
      else issue('warning', 'no-peak', `${gpu.name} has no ${dtype} peak: MFU ${stated} kept as stated, not checked`)
      checks.push({column, stated, used: 'stated'})
      continue
    }
    const latencyUs = row.values[latency] as number
    const recomputed = flops[column] / (latencyUs * 1e-6) / (peak * 1e12)
    const peakText = `${dtype} peak ${peak} TFLOPS`
    if (recomputed > 1) {
      const message = `${latency} ${latencyUs} µs for ${(flops[column] / 1e9).toPrecision(4)} GFLOP implies MFU ${recomputed.toFixed(3)} > 1 at the ${peakText}`
      if (!layout.flopsEstimate) {
        issue('error', 'mfu-over-peak', message, latency)
        continue
      }
      issue('warning', 'mfu-over-peak', `${message} (estimate: ${layout.flopsEstimate})`, latency)
      checks.push({column, stated, recomputed, used: 'stated'})
      if (stated === undefined) issue('error', 'no-mfu', `no ${column} stated, and the recomputed one is above 1`)
      continue
    }
    if (stated === undefined) {
      replace(column, roundMfu(recomputed))
      checks.push({column, recomputed, used: 'recomputed'})
      continue
    }
    if (stated === 0) {
      replace(column, roundMfu(recomputed))
      checks.push({column, stated, recomputed, used: 'recomputed'})
      issue('warning', 'mfu-zero-replaced', `${column} 0.0 replaced by the recomputed ${roundMfu(recomputed)} (${peakText})`, column)
      continue
    }
    checks.push({column, stated, recomputed, used: 'stated'})
    const decimals = row.mfuDecimals[column] ?? 12
    const tolerance = Math.max(MFU_TOLERANCE * recomputed, 0.5 * 10 ** -decimals)
    if (Math.abs(stated - recomputed) > tolerance) {
      const pct = ((stated - recomputed) / recomputed) * 100
      issue(
        strict ? 'error' : 'warning',
        'mfu-mismatch',
        `stated ${column} ${stated} differs from the recomputed ${roundMfu(recomputed)} by ${pct >= 0 ? '+' : ''}${pct.toFixed(0)}% (${peakText})`,
        column,
      )
    }
  }
  return {values, checks, issues}
}
