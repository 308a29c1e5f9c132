import {Flags} from '@oclif/core'
import {BaseCommand} from '../cli/base.js'
import {benchDataFlag, floatFlag, intFlag, modelFlag, profileFlag} from '../cli/flags.js'
import type {ProfileName} from '../profile.js'
import type {SweepResult} from '../sweep/result.js'
import {parseSweepFlags, type SweepFlagValues} from '../sweep/flags.js'
import {loadSweepInputs, type SweepInputRequest} from '../sweep/inputs.js'
import {loadEngine} from '../io/engines.js'
import {runSweep} from '../sweep/run.js'
import {renderSweepText} from '../sweep/text.js'
import {ENGINE_NAMES} from '../engine.js'
import {usageError} from '../errors.js'
import {PHASE_ONLY_FLAGS, SERVING_ONLY_FLAGS, parseServingFlags, type ServingFlagValues} from '../sweep/serving/flags.js'
import {loadServingInputs} from '../sweep/serving/inputs.js'
import type {ServingSweepResult} from '../sweep/serving/result.js'
import {runServingSweep} from '../sweep/serving/run.js'
import {renderServingText} from '../sweep/serving/text.js'

interface CommonFlags {
  model: string
  'gpu-spec'?: string
  'bench-data'?: string
  profile: string
  top: number
  csv?: string
  plot?: string
  progress: boolean
}

/** What loading a sweep's inputs takes from the flags (both kinds of sweep). */
const inputRequest = (flags: CommonFlags, parsed: {gpus: string[]; calibration?: SweepInputRequest['calibration']}): SweepInputRequest => ({
  model: flags.model,
  gpus: parsed.gpus,
  gpuSpec: flags['gpu-spec'],
  benchData: flags['bench-data'],
  profile: flags.profile as ProfileName,
  calibration: parsed.calibration,
})

/** Output and reproduction options shared by both kinds of sweep. */
const runOptions = (flags: CommonFlags) => ({
  top: flags.top,
  command: {model: flags.model, gpuSpec: flags['gpu-spec'], benchData: flags['bench-data']},
  csv: flags.csv,
  plot: flags.plot,
  progress: flags.progress ? {write: (t: string) => process.stderr.write(t), isTTY: Boolean(process.stderr.isTTY)} : undefined,
})

type ServingCommandFlags = ServingFlagValues & CommonFlags

const toggle = (what: string) =>
  Flags.string({summary: `${what}: auto (both where the model and GPU allow), on or off.`, options: ['auto', 'on', 'off'], default: 'auto'})

export default class Sweep extends BaseCommand {
  static summary = 'Search deployments for the most tokens per GPU within latency targets (Pareto frontiers, top deployments, disaggregated serving).'
  static description = `Simulates every layout of a model on the given GPUs within a GPU budget: GPUs per replica (powers of two and whole nodes), tensor parallel or attention data-parallel with expert-parallel MoE (tp 1), DeepEP across nodes, two-batch overlap, FP8 GEMM and FP8 KV cache, decode batch (powers of two up to the largest that fits, refined near the frontier) and prefill token budget.
Layouts that do not fit in memory or whose heads or world size do not divide are counted and skipped, never simulated.
Prints the top deployments meeting --ttft-max and --tpot-max with the \`infersim simulate\` line that reproduces each, the best disaggregated (separate prefill and decode instances) plan within the budget, and the Pareto frontiers of decode tokens/GPU/s against tokens/s per user and of prefill tokens/GPU/s against TTFT.
Runs on worker threads (one per core) when the sweep is large; a progress bar goes to stderr for runs over a second.

With --serving it answers the serving question instead: on this GPU budget, which engine (vLLM, SGLang, TensorRT-LLM), tensor / expert parallelism, attention data parallelism with DeepEP, weight and KV formats, number of replicas, concurrency per replica and step token budget serve the most output tokens per GPU while mean TTFT and TPOT stay within --ttft-max and --tpot-max, sustaining --request-rate or --concurrency if given; and whether separate prefill and decode instances (disaggregated, with the KV transfer between them) would do better.
Aggregated deployments use the serving model (simulate --serving) with each engine's fitted parameters; disaggregated ones the phase model. Every figure carries the engine's cross-validated error band (data/engines/<engine>.json "accuracy"), and the ranking says which deployments it cannot tell apart.
Each ranked deployment comes with the \`infersim simulate --serving\` line that reproduces it and the engine's own launch command for the engine version data/launch-flags.json names.`

  static examples = [
    {description: 'Qwen3-30B-A3B on up to 8 H20s, TPOT under 50 ms and TTFT under 2 s', command: '<%= config.bin %> sweep --model qwen3-30b-a3b --gpu H20 --max-gpus 8 --tpot-max 50 --ttft-max 2000'},
    {
      description: 'DeepSeek-V3 on 8 to 256 H800s or H20s, with the points as CSV and a plot',
      command: '<%= config.bin %> sweep --model deepseek-v3 --gpu H800,H20 --min-gpus 8 --max-gpus 256 --isl 4096 --osl 1024 --tpot-max 50 --csv sweep.csv --plot sweep.svg',
    },
    {description: 'Only tensor-parallel layouts of 2 to 8 GPUs, fixed decode batches', command: '<%= config.bin %> sweep --model qwen3-32b --gpu H200 --tp 2,4,8 --decode-batches 8,16,32,64,128'},
    {description: 'Ranked by calibrated figures', command: '<%= config.bin %> sweep --model qwen3-8b --gpu H20 --calibration calibration/fit.json --json'},
    {
      description: 'Serving: DeepSeek-V3 on 8 to 64 H200s with all three engines, TTFT under 2 s and TPOT under 50 ms, with the frontier plot',
      command: '<%= config.bin %> sweep --serving --model deepseek-v3 --gpu H200-SXM --min-gpus 8 --max-gpus 64 --isl 1024 --osl 1024 --ttft-max 2000 --tpot-max 50 --plot serving.svg',
    },
    {
      description: 'Serving: Qwen3-32B on up to 8 H100s with vLLM, sustaining 20 requests/s',
      command: '<%= config.bin %> sweep --serving --engine vllm --model qwen3-32b --gpu H100-SXM --max-gpus 8 --isl 2048 --osl 512 --ttft-max 1000 --tpot-max 40 --request-rate 20',
    },
    {
      description: 'Serving: only aggregated deployments of SGLang and TensorRT-LLM holding 256 requests in flight, as CSV',
      command: '<%= config.bin %> sweep --serving --engine sglang,trtllm --modes aggregated --model qwen3-235b-a22b --gpu H200-SXM --max-gpus 16 --concurrency 256 --tpot-max 60 --csv serving.csv',
    },
  ]

  static flags = {
    model: modelFlag,
    gpu: Flags.string({char: 'g', summary: 'GPU name(s), comma-separated or repeated (see `infersim gpus`).', multiple: true, default: ['H20']}),
    'gpu-spec': Flags.string({summary: 'JSON file with extra GPUs (same schema as data/gpus.json).'}),
    'bench-data': benchDataFlag,
    profile: profileFlag,
    'max-gpus': intFlag({summary: 'GPU budget: the most GPUs one replica (or a disaggregated plan) may use; with --serving, the whole deployment.', default: 64}),
    'min-gpus': intFlag({summary: 'Fewest GPUs per replica; with --serving, of the whole deployment.', default: 1}),
    'gpus-per-node': intFlag({summary: 'GPUs per node (default: the GPU file, else 8).'}),
    'world-sizes': Flags.string({summary: 'GPUs per replica, comma list (default: powers of two and whole nodes from --min-gpus to --max-gpus); with --serving, the GPUs of attention data-parallel units.'}),
    tp: Flags.string({summary: 'Tensor-parallel sizes, comma list; 1 = attention data-parallel with expert-parallel MoE (default: 1 and powers of two up to a node); with --serving, the attention TP of each replica (1 also a one-GPU replica).'}),
    'weight-formats': Flags.string({summary: 'Weight formats, comma list of auto (what the checkpoint ships), bf16, fp8 (FP8 GEMM), int4, nvfp4, mxfp4 (default: auto, and fp8 on GPUs with FP8 tensor cores).'}),
    'fp8-kv': toggle('FP8 KV cache'),
    deepep: toggle('DeepEP dispatch/combine (tp 1 MoE; auto tries it across nodes)'),
    tbo: toggle('Two-batch overlap (auto tries it with DeepEP)'),
    'prefill-tokens': Flags.string({summary: 'Prefill token budgets per GPU, comma list (default: the ISL times powers of two up to 16384, refined near the frontier). Below the ISL, TTFT is one chunk\'s time.'}),
    'decode-batches': Flags.string({summary: 'Decode batches, comma list (default: powers of two up to the largest whose KV cache fits, refined near the frontier).'}),
    'max-decode-batch': intFlag({summary: 'Largest decode batch of the default grid.', default: 1024}),
    refine: Flags.boolean({summary: 'Refine the default grids near the frontier and bisect the largest batch meeting --tpot-max.', default: true, allowNo: true}),
    isl: intFlag({aliases: ['target-isl'], summary: 'Input sequence length.', default: 4096}),
    osl: intFlag({aliases: ['target-osl'], summary: 'Output sequence length.', default: 2048}),
    'ttft-max': floatFlag({summary: 'TTFT target, ms.'}),
    'tpot-max': floatFlag({summary: 'TPOT target, ms.'}),
    calibration: Flags.string({summary: 'Fit file written by `infersim calibrate --fit`: rank by calibrated figures.'}),
    'calibration-model': Flags.string({summary: 'Which correction of the fit to use.', options: ['linear', 'phase-factor'], default: 'linear'}),
    top: intFlag({summary: 'How many top deployments to list.', default: 10}),
    csv: Flags.string({summary: 'Write every simulated point (with a frontier flag) to this CSV file.'}),
    plot: Flags.string({summary: 'Write the frontiers, all feasible points and the targets to this SVG file.'}),
    workers: Flags.string({summary: 'Worker threads: a number (0 = in this thread) or auto (one per core when the sweep is large).', default: 'auto'}),
    progress: Flags.boolean({summary: 'Progress bar on stderr for runs over a second.', default: true, allowNo: true}),
    serving: Flags.boolean({summary: 'Search serving deployments (engines, replicas, concurrency, step token budget; aggregated and disaggregated) instead of static phases.', default: false}),
    engine: Flags.string({summary: `With --serving: engines to search, comma-separated or repeated (${ENGINE_NAMES.join(', ')}; default all).`, multiple: true, default: [...ENGINE_NAMES]}),
    'engine-dir': Flags.string({summary: 'With --serving: folder of serving-engine files (<engine>.json) instead of the bundled data/engines.'}),
    'request-rate': floatFlag({summary: 'With --serving: requests per second the deployment must sustain.'}),
    concurrency: intFlag({summary: 'With --serving: requests in flight the whole deployment must hold (spread over its replicas).'}),
    'concurrency-grid': Flags.string({summary: 'With --serving: concurrencies per replica to evaluate, comma list (default: 1, 2, 3, 4, 6, 8, 12, ... up to what a replica can run, refined at the targets).'}),
    'max-concurrency': intFlag({summary: 'With --serving: largest concurrency per replica of the default grid.', default: 1024}),
    'step-tokens': Flags.string({summary: "With --serving: step token budgets (chunked prefill), comma list (default: the engine's own and 2048, 4096, 8192, 16384)."}),
    modes: Flags.string({summary: 'With --serving: aggregated, disaggregated or both (comma list).', default: 'aggregated,disaggregated'}),
  }

  /** Whether a flag was given on the command line (flags with defaults cannot tell otherwise). */
  private given(name: string): boolean {
    return this.argv.some((a) => a === `--${name}` || a.startsWith(`--${name}=`))
  }

  async run(): Promise<SweepResult | ServingSweepResult> {
    const {flags} = await this.parse(Sweep)
    const misplaced = (flags.serving ? PHASE_ONLY_FLAGS : SERVING_ONLY_FLAGS).filter((f) => this.given(f))
    if (misplaced.length > 0) throw usageError(`--${misplaced[0]} ${flags.serving ? 'does not apply to a serving sweep (--serving)' : 'applies only with --serving'}`)
    if (flags.serving) return this.serving(flags as unknown as ServingCommandFlags)
    const parsed = parseSweepFlags(flags as SweepFlagValues)
    const inputs = loadSweepInputs(inputRequest(flags, parsed))
    const {result} = await runSweep({...inputs, ...runOptions(flags), engine: loadEngine('sglang'), space: parsed.space, workload: parsed.workload, workers: parsed.workers})
    if (!this.jsonEnabled()) this.log(renderSweepText(result))
    return result
  }

  private async serving(flags: ServingCommandFlags): Promise<ServingSweepResult> {
    const parsed = parseServingFlags(flags)
    const inputs = loadServingInputs({...inputRequest(flags, parsed), engines: parsed.engines, engineDir: flags['engine-dir']})
    const options = runOptions(flags)
    const {result} = await runServingSweep({
      ...inputs,
      ...options,
      command: {...options.command, engineDir: flags['engine-dir']},
      space: parsed.space,
      targets: parsed.targets,
      workers: parsed.workers,
    })
    if (!this.jsonEnabled()) this.log(renderServingText(result))
    return result
  }
}
