/** The `infersim simulate ...` line that reproduces a sweep point, with simulate's own flag names. */
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

/**
 * A prefill-only line when only `prefillTokens` is given, decode-only when
 * only `decodeBatch` is, both phases with both.
 */
export function simulateCommand(ctx: CommandContext, layout: Layout, phase: CommandPhase): string {
  const args: (string | number)[] = ['infersim', 'simulate', '--model', ctx.model, '--gpu', ctx.gpuNames[layout.gpu]]
  if (ctx.gpuSpec) args.push('--gpu-spec', ctx.gpuSpec)
  if (ctx.benchData) args.push('--bench-data', ctx.benchData)
  args.push('--profile', ctx.profile, '--world-size', layout.worldSize, '--nodes', layout.nodes, '--tp', layout.tp)
  if (layout.weights.weightFormat) args.push('--weight-format', layout.weights.weightFormat)
  else if (layout.weights.fp8Gemm) args.push('--fp8-gemm')
  if (layout.fp8Kv) args.push('--fp8-kv')
  if (layout.deepep) args.push('--deepep')
  if (layout.tbo) args.push('--tbo')
  args.push('--isl', ctx.workload.isl, '--osl', ctx.workload.osl)
  if (phase.prefillTokens !== undefined) args.push('--max-prefill-tokens', phase.prefillTokens)
  if (phase.decodeBatch !== undefined) args.push('--decode-batch', phase.decodeBatch)
  if (ctx.workload.tpotMax !== undefined && phase.decodeBatch !== undefined) args.push('--target-tpot', ctx.workload.tpotMax)
  if (phase.decodeBatch === undefined) args.push('--prefill-only')
  else if (phase.prefillTokens === undefined) args.push('--decode-only')
  if (ctx.calibration) args.push('--calibration', ctx.calibration)
  return args.map((a) => shellQuote(String(a))).join(' ')
}
