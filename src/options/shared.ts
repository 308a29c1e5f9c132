/** Options several commands share. InferSim's own flag names are accepted as aliases. */
import {ENGINE_NAMES} from '../engine.js'
import {PROFILE_NAMES} from '../profile.js'
import {DEFAULT_MOE_DISTRIBUTION} from '../sim/moe-routing.js'
import type {OptionSpec, OptionSpecs} from './spec.js'

export const modelOption = {
  type: 'string',
  char: 'm',
  aliases: ['config-path'],
  summary: 'Bundled model name (see `infersim models`), its HuggingFace id (Qwen/Qwen3-32B), or path to a HuggingFace config.json.',
  default: 'qwen3-8b',
} as const satisfies OptionSpec

export const gpuOptions = {
  gpu: {type: 'string', char: 'g', aliases: ['device-type'], summary: 'GPU name (see `infersim gpus`).', default: 'H20'},
  'gpu-spec': {type: 'string', summary: 'JSON file with extra GPUs (same schema as data/gpus.json); its entries replace bundled ones of the same name.'},
} as const satisfies OptionSpecs

export const profileOption = {
  type: 'string',
  summary: 'Model profile: `infersim` reproduces the InferSim project exactly; `default` adds the fixes calibration settled (docs/profiles.md).',
  options: PROFILE_NAMES,
  default: 'default',
} as const satisfies OptionSpec

export const switchOption = {
  type: 'string',
  summary: 'Turn one switch of the profile on or off, e.g. --switch mlaCoreUsesHtp=off or --switch interpolateMfu=on (repeatable; see docs/profiles.md).',
  multiple: true,
} as const satisfies OptionSpec

export const benchDataOption = {type: 'string', summary: 'Folder of kernel tables to use instead of the bundled bench_data/.'} as const satisfies OptionSpec

export const deploymentOptions = {
  'world-size': {type: 'int', summary: 'Number of GPUs (W).', default: 1},
  tp: {type: 'int', aliases: ['tp-size'], summary: 'Tensor-parallel size; 1 means attention data-parallel with expert-parallel MoE.', default: 1},
  nodes: {type: 'int', aliases: ['num-nodes'], summary: "Number of nodes the GPUs span. Default: the fewest that hold them at the GPU's GPUs per node (8 for most, 4 for GB200's trays) and divide them evenly."},
  'max-prefill-tokens': {type: 'int', summary: "Tokens per prefill forward per GPU (P); under simulate --serving, the step token budget (not given: the engine's default on this GPU, its file's gpu_defaults).", default: 4096},
  'decode-batch': {
    type: 'string',
    number: true,
    aliases: ['decode-bs'],
    summary: 'Requests per decode micro-batch, or `max` for the largest whose KV cache fits. Default: ceil(target TGS x target TPOT / 1000); with --serving, the --concurrency (half of it per micro-batch with --tbo).',
  },
  'target-tgs': {type: 'float', summary: 'Target decode tokens per GPU per second (sets the default decode batch).', default: 2560},
  'target-tpot': {type: 'float', summary: 'TPOT SLO in ms.', default: 50},
  isl: {type: 'int', aliases: ['target-isl'], summary: 'Input sequence length.', default: 4096},
  osl: {type: 'int', aliases: ['target-osl'], summary: 'Output sequence length.', default: 2048},
  'fp8-gemm': {type: 'boolean', aliases: ['use-fp8-gemm'], summary: 'FP8 weights and GEMMs.', default: false},
  'weight-format': {
    type: 'string',
    summary: 'Weight format: auto (fp8 with --fp8-gemm, else what the checkpoint ships in the default profile, else bf16), bf16, fp8, int4 (weight-only), nvfp4 (FP4 tensor cores), mxfp4.',
    options: ['auto', 'bf16', 'fp8', 'int4', 'nvfp4', 'mxfp4'],
    default: 'auto',
  },
  'fp8-kv': {type: 'boolean', aliases: ['use-fp8-kv'], summary: 'FP8 KV cache.', default: false},
  deepep: {type: 'boolean', aliases: ['enable-deepep'], summary: 'DeepEP dispatch/combine instead of all-reduce around the MoE.', default: false},
  tbo: {type: 'boolean', aliases: ['enable-tbo'], summary: 'Two-batch overlap of compute and communication.', default: false},
  'sm-ratio': {type: 'float', summary: 'Share of SMs computing while TBO communicates.', default: 108 / 132},
  'moe-distribution': {
    type: 'string',
    summary: `Routing skew of expert-parallel MoE layers where wide-EP tables measure it: uniform, or power_law_<a> (0.6 ... 1.2; larger = more tokens on the hottest GPU). Default: ${DEFAULT_MOE_DISTRIBUTION}.`,
  },
  'prefill-only': {type: 'boolean', summary: 'Simulate prefill only.', default: false, exclusive: ['decode-only']},
  'decode-only': {type: 'boolean', summary: 'Simulate decode only.', default: false},
} as const satisfies OptionSpecs

/** simulate's options (and serve's: the same with serving on). */
export const simulateOptions = {
  model: modelOption,
  ...gpuOptions,
  ...deploymentOptions,
  profile: profileOption,
  switch: switchOption,
  'bench-data': benchDataOption,
  breakdown: {type: 'boolean', summary: 'Print the per-step breakdown after the report.', default: true, allowNo: true, cliOnly: true},
  serving: {
    type: 'boolean',
    summary: 'Also predict serving under load: TTFT, TPOT and throughput of --concurrency closed-loop requests per replica with continuous batching (docs/serving.md).',
    default: false,
  },
  concurrency: {
    type: 'float',
    summary: 'Requests in flight per replica (one TP group) for --serving; a mean, so it may be a fraction: 256 clients over 72 data-parallel GPUs are --concurrency 3.56.',
    default: 16,
  },
  requests: {
    type: 'float',
    summary:
      "With --serving: a finite run of this many requests per replica, all queued at the start, as an offline benchmark runs them (trtllm-bench throughput, vllm bench throughput --num-prompts, SGLang's bench_offline_throughput). The report adds the run's output tokens/GPU/s: waves of what the engine runs at once, the last of the requests left over at a smaller batch (docs/serving.md). --concurrency then defaults to it. Not given: the steady state only.",
  },
  engine: {
    type: 'string',
    summary: 'Serving engine: its per-forward overheads in the default profile, all its parameters with --serving (see --engine-dir).',
    options: ENGINE_NAMES,
    default: 'sglang',
  },
  'engine-dir': {
    type: 'string',
    summary: 'Folder of engine files (<engine>.json, as `calibrate --fit` writes them); an engine without a file there uses the bundled data/engines/<engine>.json.',
    defaultHelp: '~/.config/infersim/engines (or $INFERSIM_HOME/engines)',
  },
  'engine-version': {
    type: 'string',
    summary: "With --serving: the engine's version (e.g. 0.5.1): the engine file's defaults by version apply (SGLang 0.5.1 and earlier: prefill batches apart from decodes; TensorRT-LLM before 1.1: an API server that streams at most 10,000 tokens/s a replica; vLLM 0.11.1 to 0.14: FP8 block-scaled experts padded to 128 rows each, DeepGEMM's layout; all as measured).",
  },
  'mixed-chunk': {
    type: 'boolean',
    allowNo: true,
    summary:
      "With --serving: whether a step carries prefill chunks beside the decoding requests (SGLang: --enable-mixed-chunk). --no-mixed-chunk: prefill batches pause decoding, and clients that arrive together stay in waves (docs/serving.md). Not given: the engine file's value.",
  },
  'chunked-prefill': {
    type: 'boolean',
    allowNo: true,
    summary:
      "With --serving: whether the engine splits a prompt over steps (chunked prefill). --no-chunked-prefill: a step carries whole prompts only, as many as its budget holds beside the decodes (TensorRT-LLM by default: enable_chunked_prefill off). Not given: the engine file's value.",
  },
  'opening-wave': {
    type: 'float',
    summary:
      "With --serving: the share of the measured requests that arrive together at the benchmark's start, all clients at once on an idle engine: 1/k for a benchmark of k requests per client after a warmup it waits out (aiperf --request-count C x k), 0 for a steady state with no opening burst. Not given: the engine file's fitted sync_share (about 0.1, the benchmarks it was fitted on). Engines without mixed chunks keep every request in a wave whatever this says (docs/serving.md).",
  },
  'cuda-graph-batches': {
    type: 'string',
    summary:
      "With --serving: the decode batches the engine captured CUDA graphs at, with padding (TensorRT-LLM cuda_graph_config batch_sizes with enable_padding), comma list: a decode-only step runs its GEMMs, experts and collectives at the next of them, its attention at the real batch (NVIDIA's trtllm-bench recipes: 1,2,4,8,16,32,64,128,256,384,512,1024,2048,4096,8192; 700 requests then run as 1,024). Not given: the engine file's (none bundled: every batch its own graph).",
  },
  mtp: {
    type: 'int',
    summary:
      "Speculative decoding: the draft tokens each step proposes per request (TensorRT-LLM num_nextn_predict_layers, SGLang --speculative-num-steps, vLLM num_speculative_tokens). The draft is the checkpoint's multi-token-prediction layer (DeepSeek-V3/R1, GLM-5, Qwen3.5) or a one-layer head; the model verifies the k + 1 positions in one forward. Applies to the decode step and to --serving. Not given: no speculative decoding.",
  },
  'accept-length': {
    type: 'float',
    summary:
      "With --mtp: the tokens a step gives a request on average, its own included (the engines' mean acceptance length), from 1 to --mtp + 1; it depends on the model, the draft and the prompts, so give what your engine reports. Not given: each draft token accepted with probability 0.7 after the ones before it (--mtp 1, 2, 3: 1.7, 2.19, 2.53).",
  },
  'moe-ep': {
    type: 'int',
    summary: 'Expert-parallel size of the MoE layers over the world size (MoE EP x MoE TP = world size). Default: world size / tp (expert parallelism across attention groups, TP inside).',
  },
  calibration: {type: 'string', summary: 'Fit file written by `infersim calibrate --fit` (by default ~/.config/infersim/fit.json): print calibrated figures beside the raw ones.'},
} as const satisfies OptionSpecs
