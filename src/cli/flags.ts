/** Flags shared by several commands. InferSim's own flag names are accepted as aliases. */
import {Flags} from '@oclif/core'
import {usageError} from '../errors.js'
import {PROFILE_NAMES} from '../profile.js'
import {DEFAULT_MOE_DISTRIBUTION, MOE_DISTRIBUTION} from '../sim/moe-routing.js'

/** A float flag (oclif has none). */
export const floatFlag = Flags.custom<number>({
  parse: async (input, _ctx, opts) => {
    const v = Number(input)
    if (input.trim() === '' || !Number.isFinite(v)) throw usageError(`--${opts.name} expects a number, got "${input}"`)
    return v
  },
})

/** A positive integer flag with a clear message. */
export const intFlag = Flags.custom<number>({
  parse: async (input, _ctx, opts) => {
    const v = Number(input)
    if (!Number.isInteger(v)) throw usageError(`--${opts.name} expects a whole number, got "${input}"`)
    return v
  },
})

export const modelFlag = Flags.string({
  char: 'm',
  aliases: ['config-path'],
  summary: 'Bundled model name (see `infersim models`) or path to a HuggingFace config.json.',
  default: 'qwen3-8b',
})

export const gpuFlags = {
  gpu: Flags.string({
    char: 'g',
    aliases: ['device-type'],
    summary: 'GPU name (see `infersim gpus`).',
    default: 'H20',
  }),
  'gpu-spec': Flags.string({summary: 'JSON file with extra GPUs (same schema as data/gpus.json); its entries replace bundled ones of the same name.'}),
}

export const profileFlag = Flags.string({
  summary: 'Model profile: `infersim` reproduces the InferSim project exactly; `default` adds the fixes calibration settled (docs/profiles.md).',
  options: [...PROFILE_NAMES],
  default: 'default',
})

export const switchFlag = Flags.string({
  summary: 'Turn one switch of the profile on or off, e.g. --switch mlaCoreUsesHtp=off or --switch interpolateMfu=on (repeatable; see docs/profiles.md).',
  multiple: true,
})

export const benchDataFlag = Flags.string({summary: 'Folder of kernel tables to use instead of the bundled bench_data/.'})

export const deploymentFlags = {
  'world-size': intFlag({summary: 'Number of GPUs (W).', default: 1}),
  tp: intFlag({aliases: ['tp-size'], summary: 'Tensor-parallel size; 1 means attention data-parallel with expert-parallel MoE.', default: 1}),
  nodes: intFlag({aliases: ['num-nodes'], summary: 'Number of nodes the GPUs span.', default: 1}),
  'max-prefill-tokens': intFlag({summary: 'Tokens per prefill forward per GPU (P).', default: 4096}),
  'decode-batch': Flags.string({
    aliases: ['decode-bs'],
    summary: 'Requests per decode micro-batch, or `max` for the largest whose KV cache fits. Default: ceil(target TGS x target TPOT / 1000).',
  }),
  'target-tgs': floatFlag({summary: 'Target decode tokens per GPU per second (sets the default decode batch).', default: 2560}),
  'target-tpot': floatFlag({summary: 'TPOT SLO in ms.', default: 50}),
  isl: intFlag({aliases: ['target-isl'], summary: 'Input sequence length.', default: 4096}),
  osl: intFlag({aliases: ['target-osl'], summary: 'Output sequence length.', default: 2048}),
  'fp8-gemm': Flags.boolean({aliases: ['use-fp8-gemm'], summary: 'FP8 weights and GEMMs.', default: false}),
  'weight-format': Flags.string({
    summary: 'Weight format: auto (fp8 with --fp8-gemm, else what the checkpoint ships in the default profile, else bf16), bf16, fp8, int4 (weight-only), nvfp4 (FP4 tensor cores), mxfp4.',
    options: ['auto', 'bf16', 'fp8', 'int4', 'nvfp4', 'mxfp4'],
    default: 'auto',
  }),
  'fp8-kv': Flags.boolean({aliases: ['use-fp8-kv'], summary: 'FP8 KV cache.', default: false}),
  deepep: Flags.boolean({aliases: ['enable-deepep'], summary: 'DeepEP dispatch/combine instead of all-reduce around the MoE.', default: false}),
  tbo: Flags.boolean({aliases: ['enable-tbo'], summary: 'Two-batch overlap of compute and communication.', default: false}),
  'sm-ratio': floatFlag({summary: 'Share of SMs computing while TBO communicates.', default: 108 / 132}),
  'moe-distribution': Flags.string({
    summary: `Routing skew of expert-parallel MoE layers where wide-EP tables measure it: uniform, or power_law_<a> (0.6 ... 1.2; larger = more tokens on the hottest GPU). Default: ${DEFAULT_MOE_DISTRIBUTION}.`,
    parse: async (input) => {
      if (!MOE_DISTRIBUTION.test(input)) throw usageError(`--moe-distribution expects uniform or power_law_<a> (e.g. power_law_1.01), got "${input}"`)
      return input
    },
  }),
  'prefill-only': Flags.boolean({summary: 'Simulate prefill only.', default: false, exclusive: ['decode-only']}),
  'decode-only': Flags.boolean({summary: 'Simulate decode only.', default: false}),
}

export function parseDecodeBatch(value: string | undefined): number | 'max' | undefined {
  if (value === undefined) return undefined
  if (value === 'max') return 'max'
  const v = Number(value)
  if (!Number.isInteger(v)) throw usageError(`--decode-batch expects a whole number or "max", got "${value}"`)
  return v
}
