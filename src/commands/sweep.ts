import {sweep, type SweepOptions} from '../api/sweep.js'
import {BaseCommand} from '../cli/base.js'
import {oclifFlags} from '../cli/flags.js'
import {optionsFromFlags} from '../cli/options.js'
import {sweepOptions} from '../options/sweep.js'
import type {SweepResult} from '../sweep/result.js'
import type {ServingSweepResult} from '../sweep/serving/result.js'
import {renderServingText} from '../sweep/serving/text.js'
import {renderSweepText} from '../sweep/text.js'

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
      description: "Plan for a steady state: TTFT without the benchmark's opening burst",
      command: '<%= config.bin %> sweep --serving --engine vllm --model llama-3.1-8b --gpu H200-SXM --max-gpus 1 --isl 4000 --osl 2000 --ttft-max 300 --opening-wave 0',
    },
    {
      description: 'TensorRT-LLM on B200 with decode CUDA graphs at powers of two, padded: a load just above a captured batch costs the next one\'s matrix work',
      command: '<%= config.bin %> sweep --serving --engine trtllm --modes aggregated --model llama-3.1-70b --gpu B200 --max-gpus 8 --isl 1024 --osl 1024 --tpot-max 40 --cuda-graph-batches 1,2,4,8,16,32,64,128,256,512,1024',
    },
    {
      description: 'Serving with speculative decoding (the MTP layer, 1 draft token a step): aggregated plans, their launch commands turning it on (disaggregated plans take it too)',
      command: '<%= config.bin %> sweep --serving --modes aggregated --model deepseek-r1 --gpu H200-SXM --min-gpus 8 --max-gpus 8 --isl 1024 --osl 1024 --tpot-max 30 --mtp 1',
    },
    {
      description: 'Serving: only aggregated deployments of SGLang and TensorRT-LLM holding 256 requests in flight, as CSV',
      command: '<%= config.bin %> sweep --serving --engine sglang,trtllm --modes aggregated --model qwen3-235b-a22b --gpu H200-SXM --max-gpus 16 --concurrency 256 --tpot-max 60 --csv serving.csv',
    },
  ]

  static flags = oclifFlags(sweepOptions)

  async run(): Promise<SweepResult | ServingSweepResult> {
    const {flags, metadata} = await this.parse(Sweep)
    const result: SweepResult | ServingSweepResult = await sweep(optionsFromFlags(sweepOptions, flags, metadata) as SweepOptions)
    if (!this.jsonEnabled()) this.log('targets' in result ? renderServingText(result) : renderSweepText(result))
    return result
  }
}
