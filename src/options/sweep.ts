/** sweep's options. */
import {ENGINE_NAMES} from '../engine.js'
import {benchDataOption, modelOption, profileOption} from './shared.js'
import type {OptionSpec, OptionSpecs} from './spec.js'

const toggle = (what: string): OptionSpec => ({type: 'string', summary: `${what}: auto (both where the model and GPU allow), on or off.`, options: ['auto', 'on', 'off'], default: 'auto'})

export const sweepOptions = {
  model: modelOption,
  gpu: {type: 'string', char: 'g', summary: 'GPU name(s), comma-separated or repeated (see `infersim gpus`).', multiple: true, default: ['H20']},
  'gpu-spec': {type: 'string', summary: 'JSON file with extra GPUs (same schema as data/gpus.json).'},
  'bench-data': benchDataOption,
  profile: profileOption,
  'max-gpus': {type: 'int', summary: 'GPU budget: the most GPUs one replica (or a disaggregated plan) may use; with --serving, the whole deployment.', default: 64},
  'min-gpus': {type: 'int', summary: 'Fewest GPUs per replica; with --serving, of the whole deployment.', default: 1},
  'gpus-per-node': {type: 'int', summary: 'GPUs per node (default: the GPU file, else 8).'},
  'world-sizes': {type: 'string', list: 'int', summary: 'GPUs per replica, comma list (default: powers of two and whole nodes from --min-gpus to --max-gpus); with --serving, the GPUs of attention data-parallel units.'},
  tp: {type: 'string', list: 'int', summary: 'Tensor-parallel sizes, comma list; 1 = attention data-parallel with expert-parallel MoE (default: 1 and powers of two up to a node, or up to 8 in a GB200 NVL72 rack); with --serving, the attention TP of each replica (1 also a one-GPU replica).'},
  'weight-formats': {
    type: 'string',
    list: 'string',
    summary: 'Weight formats, comma list of auto (what the checkpoint ships), bf16, fp8 (FP8 GEMM), int4, nvfp4, mxfp4 (default: auto, and fp8 on GPUs with FP8 tensor cores).',
  },
  'fp8-kv': toggle('FP8 KV cache'),
  deepep: toggle('DeepEP dispatch/combine (tp 1 MoE; auto tries it across nodes)'),
  tbo: toggle('Two-batch overlap (auto tries it with DeepEP)'),
  'prefill-tokens': {
    type: 'string',
    list: 'int',
    summary: "Prefill token budgets per GPU, comma list (default: the ISL times powers of two up to 16384, refined near the frontier). Below the ISL, TTFT is one chunk's time.",
  },
  'decode-batches': {type: 'string', list: 'int', summary: 'Decode batches, comma list (default: powers of two up to the largest whose KV cache fits, refined near the frontier).'},
  'max-decode-batch': {type: 'int', summary: 'Largest decode batch of the default grid.', default: 1024},
  refine: {type: 'boolean', summary: 'Refine the default grids near the frontier and bisect the largest batch meeting --tpot-max.', default: true, allowNo: true},
  isl: {type: 'int', aliases: ['target-isl'], summary: 'Input sequence length.', default: 4096},
  osl: {type: 'int', aliases: ['target-osl'], summary: 'Output sequence length.', default: 2048},
  'ttft-max': {type: 'float', summary: 'TTFT target, ms.'},
  'tpot-max': {type: 'float', summary: 'TPOT target, ms.'},
  calibration: {type: 'string', summary: 'Fit file written by `infersim calibrate --fit`: rank by calibrated figures.'},
  'calibration-model': {type: 'string', summary: 'Which correction of the fit to use.', options: ['linear', 'phase-factor'], default: 'linear'},
  top: {type: 'int', summary: 'How many top deployments to list.', default: 10},
  csv: {type: 'string', summary: 'Write every simulated point (with a frontier flag) to this CSV file.'},
  plot: {type: 'string', summary: 'Write the frontiers, all feasible points and the targets to this SVG file.'},
  workers: {type: 'string', number: true, summary: 'Worker threads: a number (0 = in this thread) or auto (one per core when the sweep is large).', default: 'auto'},
  progress: {type: 'boolean', summary: 'Progress bar on stderr for runs over a second.', default: false, cliDefault: true, allowNo: true},
  serving: {type: 'boolean', summary: 'Search serving deployments (engines, replicas, concurrency, step token budget; aggregated and disaggregated) instead of static phases.', default: false},
  engine: {
    type: 'string',
    summary: `With --serving: engines to search, comma-separated or repeated (${ENGINE_NAMES.join(', ')}; default all).`,
    multiple: true,
    default: ENGINE_NAMES,
  },
  'cuda-graph-batches': {
    type: 'string',
    summary:
      "With --serving: the decode batches every engine captured CUDA graphs at, with padding (simulate --cuda-graph-batches; TensorRT-LLM cuda_graph_config batch_sizes with enable_padding), comma list: a decode-only step runs its GEMMs, experts and collectives at the next of them. Default: each engine file's (none bundled).",
  },
  'opening-wave': {
    type: 'float',
    summary:
      "With --serving: the share of requests that arrive together at a benchmark's start, on an idle engine (simulate --opening-wave): 0 for a steady state without the burst, 1/k for a benchmark of k requests per client. Default: each engine file's fitted sync_share (about 0.1).",
  },
  mtp: {
    type: 'int',
    summary:
      'Speculative decoding: the draft tokens each step proposes per request (simulate --mtp), the checkpoint\'s multi-token-prediction layer or a one-layer draft head; every decode point, aggregated and disaggregated plan runs it. Not given: none.',
  },
  'accept-length': {
    type: 'float',
    summary: "With --mtp: the tokens a step gives a request on average, its own included (the engines' mean acceptance length), from 1 to --mtp + 1. Not given: each draft token accepted with probability 0.7 after the ones before it.",
  },
  'engine-dir': {type: 'string', summary: 'With --serving: folder of serving-engine files (<engine>.json) instead of the bundled data/engines.'},
  'request-rate': {type: 'float', summary: 'With --serving: requests per second the deployment must sustain.'},
  concurrency: {type: 'int', summary: 'With --serving: requests in flight the whole deployment must hold, spread evenly over its replicas (a fractional mean each where they do not divide: 256 over 72 data-parallel GPUs are 3.5556 a replica).'},
  'concurrency-grid': {
    type: 'string',
    list: 'int',
    summary: 'With --serving: concurrencies per replica to evaluate, comma list (default: 1, 2, 3, 4, 6, 8, 12, ... up to what a replica can run, refined at the targets).',
  },
  'max-concurrency': {type: 'int', summary: 'With --serving: largest concurrency per replica of the default grid.', default: 1024},
  'step-tokens': {type: 'string', list: 'int', summary: "With --serving: step token budgets (chunked prefill), comma list (default: the engine's own and 2048, 4096, 8192, 16384)."},
  modes: {type: 'string', list: 'string', summary: 'With --serving: aggregated, disaggregated or both (comma list).', default: 'aggregated,disaggregated'},
} as const satisfies OptionSpecs
