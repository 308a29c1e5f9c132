/** The `infersim simulate ...` line that reproduces a sweep point, with simulate's own flag names. */
import type {Speculative} from '../serving/speculative.js'
import type {Layout, Workload} from './types.js'

export interface CommandContext {
  /** --model as the user gave it (bundled name or path). */
  model: string
  profile: string
  gpuNames: string[]
  gpuSpec?: string
  benchData?: string
  calibration?: string
  workload: Workload
}

const SAFE = /^[\w@%+=:,./-]+$/

export function shellQuote(s: string): string {
  return SAFE.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`
}

export type CommandPhase = {prefillTokens?: number; decodeBatch?: number}

/** `infersim simulate --model .. --gpu ..` with the model, GPU files and profile of the sweep. */
export function simulateHead(ctx: Pick<CommandContext, 'model' | 'gpuSpec' | 'benchData' | 'profile'>, gpuName: string): (string | number)[] {
  const args: (string | number)[] = ['infersim', 'simulate', '--model', ctx.model, '--gpu', gpuName]
  if (ctx.gpuSpec) args.push('--gpu-spec', ctx.gpuSpec)
  if (ctx.benchData) args.push('--bench-data', ctx.benchData)
  args.push('--profile', ctx.profile)
  return args
}

/** The flags of a layout's GPUs, weights, KV cache and MoE communication. */
export function layoutArgs(l: Pick<Layout, 'worldSize' | 'nodes' | 'tp' | 'weights' | 'fp8Kv' | 'deepep' | 'tbo'>): (string | number)[] {
  const args: (string | number)[] = ['--world-size', l.worldSize, '--nodes', l.nodes, '--tp', l.tp]
  if (l.weights.weightFormat) args.push('--weight-format', l.weights.weightFormat)
  else if (l.weights.fp8Gemm) args.push('--fp8-gemm')
  if (l.fp8Kv) args.push('--fp8-kv')
  if (l.deepep) args.push('--deepep')
  if (l.tbo) args.push('--tbo')
  return args
}

export const joinArgs = (args: (string | number)[]) => args.map((a) => shellQuote(String(a))).join(' ')

/**
 * A prefill-only line when only `prefillTokens` is given, decode-only when
 * only `decodeBatch` is, both phases with both.
 */
export function simulateCommand(ctx: CommandContext, layout: Layout, phase: CommandPhase): string {
  const args = [...simulateHead(ctx, ctx.gpuNames[layout.gpu]), ...layoutArgs(layout)]
  args.push('--isl', ctx.workload.isl, '--osl', ctx.workload.osl)
  if (phase.prefillTokens !== undefined) args.push('--max-prefill-tokens', phase.prefillTokens)
  if (phase.decodeBatch !== undefined) args.push('--decode-batch', phase.decodeBatch)
  const spec = ctx.workload.speculative
  if (spec) args.push(...mtpArgs(spec))
  if (ctx.workload.tpotMax !== undefined && phase.decodeBatch !== undefined) args.push('--target-tpot', ctx.workload.tpotMax)
  if (phase.decodeBatch === undefined) args.push('--prefill-only')
  else if (phase.prefillTokens === undefined) args.push('--decode-only')
  if (ctx.calibration) args.push('--calibration', ctx.calibration)
  return joinArgs(args)
}

/** --mtp, and --accept-length when given (an assumed one is simulate's own default). */
export const mtpArgs = (s: Speculative): (string | number)[] => ['--mtp', s.draftTokens, ...(s.acceptLengthFrom === 'given' ? ['--accept-length', s.acceptLength] : [])]
