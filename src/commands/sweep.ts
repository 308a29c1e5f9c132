import {Flags} from '@oclif/core'
import {BaseCommand} from '../cli/base.js'
import {benchDataFlag, floatFlag, intFlag, modelFlag, profileFlag} from '../cli/flags.js'
import type {ProfileName} from '../profile.js'
import type {SweepResult} from '../sweep/result.js'
import {parseSweepFlags, type SweepFlagValues} from '../sweep/flags.js'
import {loadSweepInputs} from '../sweep/inputs.js'
import {loadEngine} from '../io/engines.js'
import {runSweep} from '../sweep/run.js'
import {renderSweepText} from '../sweep/text.js'

const toggle = (what: string) =>
  Flags.string({summary: `${what}: auto (both where the model and GPU allow), on or off.`, options: ['auto', 'on', 'off'], default: 'auto'})

export default class Sweep extends BaseCommand {
  static summary = 'Search deployments for the most tokens per GPU within latency targets (Pareto frontiers, top deployments, disaggregated serving).'
  static description = `Simulates every layout of a model on the given GPUs within a GPU budget: GPUs per replica (powers of two and whole nodes), tensor parallel or attention data-parallel with expert-parallel MoE (tp 1), DeepEP across nodes, two-batch overlap, FP8 GEMM and FP8 KV cache, decode batch (powers of two up to the largest that fits, refined near the frontier) and prefill token budget.
Layouts that do not fit in memory or whose heads or world size do not divide are counted and skipped, never simulated.
Prints the top deployments meeting --ttft-max and --tpot-max with the \`infersim simulate\` line that reproduces each, the best disaggregated (separate prefill and decode instances) plan within the budget, and the Pareto frontiers of decode tokens/GPU/s against tokens/s per user and of prefill tokens/GPU/s against TTFT.
Runs on worker threads (one per core) when the sweep is large; a progress bar goes to stderr for runs over a second.`

  static examples = [
    {description: 'Qwen3-30B-A3B on up to 8 H20s, TPOT under 50 ms and TTFT under 2 s', command: '<%= config.bin %> sweep --model qwen3-30b-a3b --gpu H20 --max-gpus 8 --tpot-max 50 --ttft-max 2000'},
    {
      description: 'DeepSeek-V3 on 8 to 256 H800s or H20s, with the points as CSV and a plot',
      command: '<%= config.bin %> sweep --model deepseek-v3 --gpu H800,H20 --min-gpus 8 --max-gpus 256 --isl 4096 --osl 1024 --tpot-max 50 --csv sweep.csv --plot sweep.svg',
    },
    {description: 'Only tensor-parallel layouts of 2 to 8 GPUs, fixed decode batches', command: '<%= config.bin %> sweep --model qwen3-32b --gpu H200 --tp 2,4,8 --decode-batches 8,16,32,64,128'},
    {description: 'Ranked by calibrated figures', command: '<%= config.bin %> sweep --model qwen3-8b --gpu H20 --calibration calibration/fit.json --json'},
  ]

  static flags = {
    model: modelFlag,
    gpu: Flags.string({char: 'g', summary: 'GPU name(s), comma-separated or repeated (see `infersim gpus`).', multiple: true, default: ['H20']}),
    'gpu-spec': Flags.string({summary: 'JSON file with extra GPUs (same schema as data/gpus.json).'}),
    'bench-data': benchDataFlag,
    profile: profileFlag,
    'max-gpus': intFlag({summary: 'GPU budget: the most GPUs one replica (or a disaggregated plan) may use.', default: 64}),
    'min-gpus': intFlag({summary: 'Fewest GPUs per replica.', default: 1}),
    'gpus-per-node': intFlag({summary: 'GPUs per node (default: the GPU file, else 8).'}),
    'world-sizes': Flags.string({summary: 'GPUs per replica, comma list (default: powers of two and whole nodes from --min-gpus to --max-gpus).'}),
    tp: Flags.string({summary: 'Tensor-parallel sizes, comma list; 1 = attention data-parallel with expert-parallel MoE (default: 1 and powers of two up to a node).'}),
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
  }

  async run(): Promise<SweepResult> {
    const {flags} = await this.parse(Sweep)
    const parsed = parseSweepFlags(flags as SweepFlagValues)
    const inputs = loadSweepInputs({
      model: flags.model,
      gpus: parsed.gpus,
      gpuSpec: flags['gpu-spec'],
      benchData: flags['bench-data'],
      profile: flags.profile as ProfileName,
      calibration: parsed.calibration,
    })
    const {result} = await runSweep({
      ...inputs,
      engine: loadEngine('sglang'),
      space: parsed.space,
      workload: parsed.workload,
      workers: parsed.workers,
      top: flags.top,
      command: {model: flags.model, gpuSpec: flags['gpu-spec'], benchData: flags['bench-data']},
      csv: flags.csv,
      plot: flags.plot,
      progress: flags.progress ? {write: (t) => process.stderr.write(t), isTTY: Boolean(process.stderr.isTTY)} : undefined,
    })
    if (!this.jsonEnabled()) this.log(renderSweepText(result))
    return result
  }
}
