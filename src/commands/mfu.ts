import {Flags} from '@oclif/core'
import {BaseCommand} from '../cli/base.js'
import {benchDataFlag, gpuFlags, intFlag, profileFlag} from '../cli/flags.js'
import {usageError} from '../errors.js'
import {tableKeysOf} from '../hardware/gpu.js'
import {loadGpus, resolveGpu} from '../io/gpus.js'
import {bundled} from '../io/paths.js'
import {loadTableSet} from '../io/tables.js'
import {getProfile, type ProfileName} from '../profile.js'
import {renderMfuLookup} from '../report/mfu-lookup.js'
import {KERNEL_NAMES, lookupKernelMfu, type KernelLookup, type KernelName, type KernelQuery} from '../tables/interpolate/query.js'

/** `--shape` as positive whole numbers separated by dashes, `count` of them. */
function parseShape(value: string | undefined, count: number, what: string): number[] {
  if (value === undefined) throw usageError(`--shape is required for this kernel: ${what}`)
  const parts = value.split('-').map(Number)
  if (parts.length !== count || !parts.every((v) => Number.isInteger(v) && v > 0)) {
    throw usageError(`--shape "${value}" should be ${what} (${count} positive whole numbers separated by "-")`)
  }
  return parts
}

function need(value: number | undefined, flag: string, kernel: string): number {
  if (value === undefined) throw usageError(`--${flag} is required for --kernel ${kernel}`)
  if (!(value > 0)) throw usageError(`--${flag} must be positive, got ${value}`)
  return value
}

export default class Mfu extends BaseCommand {
  static summary = 'Look up the MFU of one kernel call, with where the value came from.'
  static description = `Makes the lookup the simulator makes for one kernel call and shows the value, its kind (exact, interpolated, extrapolated, borrowed, fallback under the default profile; exact or nearest under --profile infersim) and the table rows it rests on.
Shapes: GEMM takes --m --k --n. Attention takes --shape as the table file names it: MHA <heads per GPU>-<KV heads per GPU>-<head_dim>, MLA decode <heads per GPU>-<kv_lora_rank>-<rope dim>, MLA prefill <heads per GPU>-<nope dim>-<rope dim>; decode adds --batch and --kv-len, prefill --seq-len. MoE grouped GEMM takes --shape <experts>-<GPUs>-<local experts>-<topk>-<hidden>-<intermediate per GPU>, with --batch (decode, per GPU) or --seq-len (prefill, tokens per GPU).`

  static examples = [
    {description: 'A GEMM on H20 between measured m values', command: '<%= config.bin %> mfu --gpu H20 --kernel gemm --m 100 --k 4096 --n 6144'},
    {description: 'Decode attention of Qwen3-8B (32 heads, 8 KV heads, head_dim 128)', command: '<%= config.bin %> mfu --gpu H20 --kernel mha-decode --shape 32-8-128 --batch 48 --kv-len 6000'},
    {description: 'The same with the reference nearest-point lookup', command: '<%= config.bin %> mfu --gpu H20 --kernel mha-decode --shape 32-8-128 --batch 48 --kv-len 6000 --profile infersim'},
    {description: 'MoE decode of Qwen3-30B-A3B on 4 GPUs, as JSON with the rows used', command: '<%= config.bin %> mfu --gpu H20 --kernel moe-decode --shape 128-4-32-8-2048-768 --batch 100 --json'},
  ]

  static flags = {
    gpu: gpuFlags.gpu,
    'gpu-spec': gpuFlags['gpu-spec'],
    kernel: Flags.string({summary: 'Kernel family.', options: [...KERNEL_NAMES], required: true}),
    shape: Flags.string({summary: 'Attention or MoE shape, dash-separated (see the description).'}),
    m: intFlag({summary: 'GEMM rows (tokens).'}),
    k: intFlag({summary: 'GEMM inner dimension.'}),
    n: intFlag({summary: 'GEMM output columns.'}),
    batch: intFlag({summary: 'Decode batch (requests), or MoE decode tokens per GPU.'}),
    'kv-len': intFlag({summary: 'Decode KV length (tokens per request).'}),
    'seq-len': intFlag({summary: 'Prefill sequence length, or MoE prefill tokens per GPU.'}),
    'fp8-kv': Flags.boolean({summary: 'FP8 KV cache (decode attention).', default: false}),
    'fp8-gemm': Flags.boolean({summary: 'FP8 GEMM (GEMM and MoE): reads gemm/<gpu>/fp8.csv when present.', default: false}),
    profile: profileFlag,
    'bench-data': benchDataFlag,
  }

  async run(): Promise<KernelLookup & {query: KernelQuery; gpu: string; profile: string}> {
    const {flags} = await this.parse(Mfu)
    const query = this.query(flags.kernel as KernelName, flags)
    const gpu = resolveGpu(loadGpus(flags['gpu-spec']), flags.gpu)
    const profile = getProfile(flags.profile as ProfileName)
    const tables = loadTableSet(flags['bench-data'] ?? bundled.benchData, tableKeysOf(gpu))
    const result = lookupKernelMfu(query, tables, gpu, profile.switches)
    if (!this.jsonEnabled()) this.log(renderMfuLookup(`${describe(query)} on ${gpu.name} (profile ${profile.name})`, result))
    return {query, gpu: gpu.name, profile: profile.name, ...result}
  }

  private query(kernel: KernelName, f: Record<string, unknown>): KernelQuery {
    const n = (name: string) => need(f[name] as number | undefined, name, kernel)
    switch (kernel) {
      case 'gemm':
        return {kernel, m: n('m'), k: n('k'), n: n('n'), fp8Gemm: Boolean(f['fp8-gemm'])}
      case 'mha-decode':
      case 'mla-decode': {
        const what = kernel === 'mha-decode' ? '<heads>-<kv heads>-<head_dim>' : '<heads>-<kv_lora_rank>-<rope dim>'
        const [a, b, c] = parseShape(f.shape as string | undefined, 3, what)
        return {kernel, shape: [a, b, c], batch: n('batch'), kvLen: n('kv-len'), fp8Kv: Boolean(f['fp8-kv'])}
      }
      case 'mha-prefill':
      case 'mla-prefill': {
        const what = kernel === 'mha-prefill' ? '<heads>-<kv heads>-<head_dim>' : '<heads>-<nope dim>-<rope dim>'
        const [a, b, c] = parseShape(f.shape as string | undefined, 3, what)
        return {kernel, shape: [a, b, c], seqLen: n('seq-len')}
      }
      default: {
        const [experts, gpus, localExperts, topk, hidden, intermediate] = parseShape(
          f.shape as string | undefined,
          6,
          '<experts>-<GPUs>-<local experts>-<topk>-<hidden>-<intermediate per GPU>',
        )
        const tokens = kernel === 'moe-decode' ? n('batch') : n('seq-len')
        return {kernel, key: {experts, gpus, localExperts, topk, hidden, intermediate}, tokens, fp8Gemm: Boolean(f['fp8-gemm'])}
      }
    }
  }
}

function describe(q: KernelQuery): string {
  switch (q.kernel) {
    case 'gemm':
      return `gemm m=${q.m} k=${q.k} n=${q.n}${q.fp8Gemm ? ' fp8' : ''}`
    case 'mha-decode':
    case 'mla-decode':
      return `${q.kernel} ${q.shape.join('-')} batch=${q.batch} kv_len=${q.kvLen}${q.fp8Kv ? ' fp8 KV' : ''}`
    case 'mha-prefill':
    case 'mla-prefill':
      return `${q.kernel} ${q.shape.join('-')} seq_len=${q.seqLen}`
    default:
      return `${q.kernel} ${Object.values(q.key).join('-')} tokens=${q.tokens}`
  }
}
