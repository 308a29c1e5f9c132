/**
 * Which table a file or record belongs to: kernel, phase, GPU and shape key,
 * from flags or from a path that follows bench_data's layout.
 */
import path from 'node:path'
import {inputError, usageError} from '../errors.js'
import {FOLDERS, findLayout, PHASELESS} from './layouts/catalog.js'
import {parseStem, stemPattern} from './layouts/stem.js'
import type {Layout, LayoutFolder, Phase} from './layouts/types.js'
import {gpuFolderName, unsafeNameReason} from './names.js'
import type {TableTarget} from './types.js'

export interface TargetHints {
  kernel?: string
  phase?: string
  gpu?: string
  shape?: string
}

/** --kernel values: bench_data folder names, plus the record kinds of the JSONL schema. */
export const KERNEL_NAMES: Record<string, LayoutFolder> = {
  gemm: 'gemm',
  mha: 'mha',
  attention: 'mha',
  mla: 'mla',
  mla_bmm: 'mla_bmm',
  grouped_gemm: 'grouped_gemm',
  gdn: 'gdn',
  dsa: 'dsa',
  dsa_attn: 'dsa',
  dsa_logits: 'dsa',
  comm: 'comm',
}

export const LAYOUT_HELP =
  'gemm/<gpu>/<data|dtype>.csv, mla_bmm/<gpu>/<dtype>.csv, comm/<gpu>/<op>.csv, or <mha|mla|grouped_gemm|gdn|dsa>/<decode|prefill>/<gpu>/<shape>.csv'

/** What the path says, when it ends like a bench_data table path. */
export function hintsFromPath(file: string): TargetHints {
  const segs = path.resolve(file).split(path.sep)
  const stem = path.basename(file).replace(/\.(csv|jsonl)$/i, '')
  const at = (i: number) => segs[segs.length - i]
  if ((FOLDERS as readonly string[]).includes(at(3)) && PHASELESS.has(at(3) as LayoutFolder)) {
    return {kernel: at(3), gpu: at(2), shape: stem}
  }
  if ((FOLDERS as readonly string[]).includes(at(4)) && (at(3) === 'decode' || at(3) === 'prefill')) {
    return {kernel: at(4), phase: at(3), gpu: at(2), shape: stem}
  }
  return {}
}

export function makeTarget(layout: Layout, gpu: string, stem: string, shape: Record<string, number>, stemDtype?: string): TableTarget {
  const dir = layout.phase ? `${layout.folder}/${layout.phase}/${gpu}` : `${layout.folder}/${gpu}`
  return {layout, gpu, stem, relPath: `${dir}/${stem}.csv`, shape, stemDtype}
}

/** Flags first, then the path; every part must be known and safe. `label` names the file in errors. */
export function resolveTarget(flags: TargetHints, fromPath: TargetHints, label: string): TableTarget {
  const kernel = flags.kernel ?? fromPath.kernel
  const phase = flags.phase ?? fromPath.phase
  const gpuName = flags.gpu ?? fromPath.gpu
  const stem = flags.shape ?? fromPath.shape
  const missing = [!kernel && '--kernel', !gpuName && '--gpu'].filter(Boolean)
  if (missing.length > 0) {
    throw usageError(`${label}: cannot tell which table it holds: its path does not end like ${LAYOUT_HELP}; pass ${missing.join(' and ')} (and --phase, --shape)`)
  }
  const folder = KERNEL_NAMES[kernel!]
  if (!folder) throw usageError(`${label}: unknown kernel "${kernel}" (known: ${Object.keys(KERNEL_NAMES).join(', ')})`)
  if (!PHASELESS.has(folder) && phase !== 'decode' && phase !== 'prefill') {
    throw usageError(`${label}: ${folder} tables need a phase: pass --phase decode or --phase prefill`)
  }
  const gpu = gpuFolderName(gpuName!)
  const unsafe = unsafeNameReason(gpu)
  if (unsafe) throw inputError(`${label}: GPU name "${gpuName}" cannot be used as a folder name: ${unsafe}`)
  const layoutPhase = PHASELESS.has(folder) ? undefined : (phase as Phase)
  const layout = findLayout(folder, layoutPhase, stem ?? '')
  if (!layout) throw usageError(`${label}: ${folder} ${phase ?? ''} table name "${stem ?? ''}" should start with attn- or logits-`)
  if (!stem) throw usageError(`${label}: pass --shape ${stemPattern(layout)} (the table's file name without .csv)`)
  const parsed = parseStem(layout, stem)
  if (typeof parsed === 'string') throw inputError(`${label}: ${parsed}`)
  return makeTarget(layout, gpu, stem, parsed.shape, parsed.dtype)
}
