/**
 * CUDA graph padding. An engine that captured its decode step as CUDA graphs
 * at a list of batch sizes, with padding on (TensorRT-LLM's
 * cuda_graph_config batch_sizes and enable_padding), runs a decode-only step
 * of n requests as the graph of the smallest size at or above n, the rest of
 * it dummy requests: its GEMMs, experts, collectives and LM head take the
 * padded batch, its attention only the real requests' context. A step above
 * the largest size, or one that carries a prompt, runs without a graph, as
 * it is. NVIDIA's published trtllm-bench runs capture 1, 2, 4, ..., 256, 384,
 * 512, 1024, 2048, 4096 and 8192: 700 running requests run as 1,024.
 */
import {inputError} from '../errors.js'
import {quoteText} from '../util/quote.js'

/**
 * The graph batch a decode-only step of `decoding` requests (a mean may be fractional) replays, or
 * undefined where none is captured at or above it. The sizes may come in any order.
 *
 * @example
 * graphBatchOf([1, 2, 4, 8, 16, 32, 64, 128, 256, 384, 512, 1024], 700) // 1024
 * graphBatchOf([1, 2, 4, 8], 9) // undefined: no graph holds 9, the step runs as it is
 * graphBatchOf(undefined, 700) // undefined
 */
export function graphBatchOf(sizes: readonly number[] | undefined, decoding: number): number | undefined {
  if (!sizes?.length || !(decoding > 0)) return undefined
  let graph: number | undefined
  for (const b of sizes) if (b >= decoding - 1e-9 && (graph === undefined || b < graph)) graph = b
  return graph
}

/**
 * A list of graph batch sizes as written (commas, spaces or semicolons between whole numbers),
 * ascending; `where` names the input in the error.
 *
 * @example
 * parseGraphSizes('1 2 4 8 16', 'column "cuda_graph_batch_sizes"') // [1, 2, 4, 8, 16]
 * parseGraphSizes('896,512,256', '--cuda-graph-batch-sizes') // [256, 512, 896]
 */
export function parseGraphSizes(text: string, where: string, error: (message: string) => Error = inputError): number[] {
  const parts = text.split(/[\s,;]+/).filter(Boolean)
  const sizes = parts.map(Number)
  const bad = parts.find((p, i) => !(Number.isInteger(sizes[i]) && sizes[i] >= 1))
  if (bad !== undefined || parts.length === 0) throw error(`${where}: ${quoteText(bad ?? text)} is not a list of batch sizes (whole numbers of 1 or more, apart by commas or spaces)`)
  return [...new Set(sizes)].sort((a, b) => a - b)
}
