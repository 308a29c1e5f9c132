/**
 * One MFU lookup as the simulator makes it (same resolver, same fallbacks),
 * for `infersim mfu`: the kernel, its shape and the point on the grid.
 */
import {effectiveRates, gpuTableKey, type GpuSpec} from '../../hardware/gpu.js'
import type {ProfileSwitches} from '../../profile.js'
import type {GroupedGemmKey} from '../nearest.js'
import {tablePaths} from '../paths.js'
import {MfuResolver, type KernelWork} from '../resolver.js'
import type {MfuLookup, SimWarning, TableRow, TableSet} from '../types.js'
import {attentionConfig, decodeModel, prefillModel} from './attention-model.js'
import {gemmModel} from './gemm.js'
import {groupedGemmWork} from './grouped-gemm.js'
import {defaultInterpolator} from './index.js'

export type KernelQuery =
  | {kernel: 'gemm'; m: number; k: number; n: number; fp8Gemm: boolean}
  | {kernel: 'mha-decode' | 'mla-decode'; shape: [number, number, number]; batch: number; kvLen: number; fp8Kv: boolean}
  | {kernel: 'mha-prefill' | 'mla-prefill'; shape: [number, number, number]; seqLen: number}
  | {kernel: 'moe-decode' | 'moe-prefill'; key: GroupedGemmKey; tokens: number; fp8Gemm: boolean}

export type KernelName = KernelQuery['kernel']

export const KERNEL_NAMES: readonly KernelName[] = ['gemm', 'mha-decode', 'mha-prefill', 'mla-decode', 'mla-prefill', 'moe-decode', 'moe-prefill']

export interface KernelLookup {
  /** The table the query asks for (the lookup may have used another: see `mfu.table`). */
  path: string
  mfu: MfuLookup
  /** The rows behind the value, with their line numbers. */
  rows: TableRow[]
  warnings: SimWarning[]
}

export function lookupKernelMfu(q: KernelQuery, tables: TableSet, spec: GpuSpec, switches: Pick<ProfileSwitches, 'interpolateMfu' | 'rooflineFallback'>): KernelLookup {
  const fp8Gemm = 'fp8Gemm' in q && q.fp8Gemm
  // The resolver a simulation on this GPU uses (its table donor included).
  const resolver = MfuResolver.forGpu(spec, {
    tables,
    interpolate: switches.interpolateMfu,
    rooflineFallback: switches.rooflineFallback,
    interpolator: defaultInterpolator,
    gemmDtype: fp8Gemm ? 'fp8' : 'bf16',
  })
  const gpu = {key: gpuTableKey(spec.name), ...effectiveRates(spec)}
  const env = {memBw: gpu.memBw, gemmDtype: fp8Gemm ? ('fp8' as const) : ('bf16' as const)}
  const gemmPeak = fp8Gemm ? gpu.fp8Tflops : gpu.fp16Tflops
  let path: string
  let mfu: MfuLookup
  switch (q.kernel) {
    case 'gemm': {
      path = tablePaths.gemm(gpu.key)
      const [w] = gemmModel(path).work({m: q.m, k: q.k, n: q.n}, env)
      mfu = resolver.gemm(q.m, q.k, q.n, {...w, peakTflops: gemmPeak})
      break
    }
    case 'mha-decode':
    case 'mla-decode': {
      path = (q.kernel === 'mha-decode' ? tablePaths.mhaDecode : tablePaths.mlaDecode)(gpu.key, ...q.shape)
      const [w] = decodeModel(attentionConfig(path)!, q.fp8Kv ? 'fp8' : 'bf16').work({batch_size: q.batch, kv_len: q.kvLen}, env)
      mfu = resolver.decodeAttention(path, q.batch, q.kvLen, q.fp8Kv, {...w, peakTflops: gpu.fp16Tflops})
      break
    }
    case 'mha-prefill':
    case 'mla-prefill': {
      path = (q.kernel === 'mha-prefill' ? tablePaths.mhaPrefill : tablePaths.mlaPrefill)(gpu.key, ...q.shape)
      const [w] = prefillModel(attentionConfig(path)!).work({seq_len: q.seqLen}, env)
      mfu = resolver.prefillAttention(path, q.seqLen, {...w, peakTflops: gpu.fp16Tflops})
      break
    }
    default: {
      const phase = q.kernel === 'moe-decode' ? 'decode' : 'prefill'
      path = tablePaths.groupedGemm(gpu.key, phase)
      const work = groupedGemmWork(q.key, q.tokens, env)
      const total: KernelWork = {flops: work[0].flops + work[1].flops, bytes: work[0].bytes + work[1].bytes, peakTflops: gemmPeak}
      mfu = resolver.groupedGemm(phase, q.key, q.tokens, total)
    }
  }
  const table = mfu.table ? tables.get(mfu.table) : undefined
  const lines = new Set(mfu.lines)
  const rows = table ? table.rows.filter((r) => lines.has(r.line)) : []
  return {path, mfu, rows, warnings: resolver.warnings}
}
