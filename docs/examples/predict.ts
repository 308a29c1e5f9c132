// Predictions from the library (docs/api.md). test/api/pack.test.ts installs the packed package,
// compiles this file with tsc, runs it and compares every figure it prints with the CLI's.
import {InfersimError, listGpus, loadModel, serve, simulate} from 'infersim'

const figures = (label: string, r: Awaited<ReturnType<typeof simulate>>) =>
  console.log(JSON.stringify({label, ttftMs: r.prefill?.latencyMs, tpotMs: r.decode?.latencyMs, decodeTgs: r.decode?.tgs, warnings: r.warnings.length}))

// One deployment: `infersim simulate --model llama-3.1-8b --gpu H100-SXM --isl 1024 --osl 1024 --decode-batch 32`.
const one = await simulate({model: 'llama-3.1-8b', gpu: 'H100-SXM', worldSize: 1, tp: 1, isl: 1024, osl: 1024, decodeBatch: 32})
figures('llama-3.1-8b', one)

// Serving under load: `infersim simulate --serving --concurrency 64 --engine vllm ...`.
const served = await serve({model: 'qwen3-32b', gpu: 'H100-SXM', worldSize: 4, tp: 4, isl: 1024, osl: 512, concurrency: 64, engine: 'vllm'})
console.log(JSON.stringify({label: 'qwen3-32b serving', ttftMs: served.serving.ttftMs, tpotMs: served.serving.tpotMs, requestsPerSecond: served.serving.totalRequestsPerSecond}))

// A model config you hold (here a small Llama-style model), and a GPU of your own: the bundled
// H100-SXM with 20% more bf16 TFLOPS (same name, so it keeps reading H100-SXM's tables).
const config = {
  model_type: 'llama',
  hidden_size: 2048,
  intermediate_size: 8192,
  num_attention_heads: 32,
  num_key_value_heads: 8,
  num_hidden_layers: 16,
  vocab_size: 128256,
  tie_word_embeddings: true,
}
const {effective, ...h100} = (await listGpus()).find((g) => g.name === 'H100-SXM')!
const custom = await simulate({model: config, gpu: {...h100, fp16Tflops: h100.fp16Tflops * 1.2}, isl: 2048, osl: 256, decodeBatch: 64})
figures('custom model, faster H100', custom)

// The parsed architecture, as the simulator reads it.
const model = await loadModel('qwen3-30b-a3b')
console.log(JSON.stringify({label: 'qwen3-30b-a3b', layers: model.layers, experts: model.ffn.experts, topk: model.ffn.topk}))

// Bad options are errors with the CLI's message; kind 'usage' for options, 'input' for files.
try {
  await simulate({model: 'qwen3-8b', worldSize: 6, tp: 4})
} catch (error) {
  if (!(error instanceof InfersimError)) throw error
  console.log(JSON.stringify({label: 'error', kind: error.kind, message: error.message}))
}
