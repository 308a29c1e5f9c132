import {simulate, type SimulateResult} from '../api/simulate.js'
import {BaseCommand} from '../cli/base.js'
import {oclifFlags} from '../cli/flags.js'
import {optionsFromFlags} from '../cli/options.js'
import {renderSimulateText} from '../cli/simulate-text.js'
import {simulateOptions} from '../options/shared.js'

export default class Simulate extends BaseCommand {
  static summary = 'Predict TTFT, TPOT and tokens/GPU/s of one deployment.'
  static description = `Computes FLOPs and bytes per layer, divides by the GPU's peaks and by MFU measured on real kernels (bench_data/), and adds communication.
Prints the InferSim report sections, then a per-step breakdown saying whether each step is compute-, memory- or communication-bound and where its MFU came from.
InferSim's own flag names (--config-path, --device-type, --tp-size, --decode-bs, --use-fp8-gemm, ...) are accepted too.`

  static examples = [
    {description: 'Qwen3-8B on one H20 (bundled defaults)', command: '<%= config.bin %> simulate --model qwen3-8b --gpu H20'},
    {
      description: 'DeepSeek-V3 decode on 16 nodes of H800 with DeepEP and two-batch overlap',
      command: '<%= config.bin %> simulate --model deepseek-v3 --gpu H800 --world-size 128 --nodes 16 --fp8-gemm --deepep --tbo --osl 1786 --decode-batch 64 --decode-only',
    },
    {description: 'Exactly what InferSim prints, with its flag names', command: '<%= config.bin %> simulate --profile infersim --config-path hf_configs/qwen3-30b-a3b.json --device-type H20 --world-size 4 --decode-bs 100 --decode-only'},
    {description: 'The whole result as JSON', command: '<%= config.bin %> simulate --model qwen3-30b-a3b --gpu H20 --world-size 4 --json'},
    {
      description: 'Serving under load: 64 concurrent requests on a TP4 replica of Qwen3-32B with vLLM',
      command: '<%= config.bin %> simulate --model qwen3-32b --gpu H100-SXM --world-size 4 --tp 4 --isl 1024 --osl 512 --serving --concurrency 64 --engine vllm',
    },
    {
      description: 'SGLang launched with its own defaults (no --enable-mixed-chunk): prefill batches pause decoding and 128 clients arrive in waves',
      command: '<%= config.bin %> simulate --model qwen3-32b --gpu H100-SXM --world-size 2 --tp 2 --isl 1024 --osl 128 --serving --concurrency 128 --engine sglang --no-mixed-chunk',
    },
    {
      description: 'The same on SGLang 0.5.1, which the engine file runs without mixed chunks (rules by version)',
      command: '<%= config.bin %> simulate --model qwen3-32b --gpu H100-SXM --world-size 2 --tp 2 --isl 1024 --osl 128 --serving --concurrency 128 --engine sglang --engine-version 0.5.1',
    },
    {
      description: 'An offline benchmark of 3,000 requests queued at once (trtllm-bench throughput): the run goes in waves of what the KV cache holds',
      command: '<%= config.bin %> simulate --model llama-3.1-70b --gpu B200 --weight-format nvfp4 --fp8-kv --isl 1024 --osl 1024 --serving --engine trtllm --requests 3000',
    },
    {
      description: "The same with trtllm-bench's CUDA graphs (captured at these batches, padded): a decode step of about 400 requests runs its GEMMs and experts as 512",
      command: '<%= config.bin %> simulate --model llama-3.1-70b --gpu B200 --weight-format nvfp4 --fp8-kv --isl 1024 --osl 1024 --serving --engine trtllm --requests 3000 --cuda-graph-batches 1,2,4,8,16,32,64,128,256,384,512,1024,2048,4096,8192',
    },
    {
      description: 'TensorRT-LLM launched with enable_chunked_prefill: prompts split over steps, where by default a step takes whole prompts only',
      command: '<%= config.bin %> simulate --model qwen3-32b --gpu H100-SXM --world-size 4 --tp 4 --fp8-gemm --isl 4096 --osl 512 --serving --concurrency 64 --engine trtllm --chunked-prefill',
    },
    {
      description:
        'DeepSeek-R1 on 72 GB200s with data-parallel attention (a replica is one GPU, the experts spread over all 72): 256 clients are 3.56 a GPU, and the groups step together',
      command: '<%= config.bin %> simulate --model deepseek-r1 --gpu GB200-NVL72 --world-size 72 --tp 1 --moe-ep 72 --fp8-gemm --isl 1024 --osl 1024 --serving --concurrency 3.56 --engine sglang',
    },
    {
      description: "A steady state without the benchmark's opening burst (all clients at once), which the fitted engines include",
      command: '<%= config.bin %> simulate --model llama-3.1-8b --gpu H200-SXM --fp8-gemm --isl 4000 --osl 2000 --serving --concurrency 128 --engine vllm --opening-wave 0',
    },
    {
      description: 'Qwen3-235B on TensorRT-LLM with attention TP4 and MoE EP4',
      command: '<%= config.bin %> simulate --model qwen3-235b-a22b --gpu H100-SXM --world-size 4 --tp 4 --fp8-gemm --moe-ep 4 --serving --concurrency 32 --engine trtllm',
    },
    {
      description: "DeepSeek-R1 with speculative decoding by its MTP layer: 3 draft tokens a step, 2.4 tokens a step per request as the engine reports it",
      command: '<%= config.bin %> simulate --model deepseek-r1 --gpu H200-SXM --world-size 8 --tp 8 --moe-ep 8 --fp8-gemm --serving --concurrency 16 --engine trtllm --mtp 3 --accept-length 2.4',
    },
    {
      description: 'The same draft in one static decode step of 32 requests: the verify, the draft and TPOT over the tokens a step gives',
      command: '<%= config.bin %> simulate --model deepseek-r1 --gpu H200-SXM --world-size 8 --tp 8 --fp8-gemm --decode-only --decode-batch 32 --mtp 3 --accept-length 2.4',
    },
  ]

  static flags = oclifFlags(simulateOptions)

  async run(): Promise<SimulateResult> {
    const {flags, metadata} = await this.parse(Simulate)
    const result = await simulate(optionsFromFlags(simulateOptions, flags, metadata))
    if (!this.jsonEnabled()) this.log(renderSimulateText(result, flags.breakdown))
    return result
  }
}
