/**
 * Which collectives one transformer layer runs, per deployment layout, as
 * the serving engines run them (docs/model.md, "Communication per layout").
 * Bytes are the message as the measured comm tables count it: all-reduce,
 * all-gather and reduce-scatter the full bf16 tensor (tokens x hidden x 2,
 * the gathered size for all-gather), DeepEP the dispatched token copies
 * (tokens x top-k x hidden, 1 byte fp8 dispatch, 2 bytes bf16 combine).
 *
 * - Tensor-parallel attention (tp > 1): one all-reduce over the tp GPUs
 *   after the output projection.
 * - FFN or MoE inside the tensor-parallel group (world = tp > 1: dense TP,
 *   MoE TP, or MoE EP inside the replica): one all-reduce after the down
 *   projection. Dense TP therefore runs exactly two all-reduces per layer.
 * - MoE with expert parallelism across the attention groups (world > tp):
 *   DeepEP dispatch and combine over all GPUs (low-latency kernels in decode,
 *   normal kernels in prefill); without DeepEP, inside one node an all-gather
 *   of the groups' tokens before the experts and a reduce-scatter after, and
 *   across nodes an all-to-all of each token's top-k copies (bf16 both ways),
 *   as engines spanning nodes exchange tokens rather than gather them all.
 * - Leading dense layers of such a MoE model: their FFN is replicated per
 *   attention group (SGLang's --moe-dense-tp-size 1), so only the tp
 *   all-reduces above run.
 * - One GPU: nothing.
 */
import type {CollectiveOp} from '../tables/comm-lookup.js'

/** One collective: which, over how many GPUs, on how many bytes (the message as the measured tables count it). */
export interface Collective {
  op: CollectiveOp
  gpus: number
  bytes: number
  /** Whether it crosses nodes (inter-node bandwidth for the formula). */
  interNode: boolean
}

export interface CollectiveLayout {
  worldSize: number
  nodes: number
  tp: number
  deepep: boolean
  hidden: number
  topk: number
}

export interface LayerCollectives {
  /** Between attention and the FFN (tp all-reduce, MoE dispatch or all-gather). */
  beforeFfn: Collective[]
  /** After the FFN (tp all-reduce, MoE combine or reduce-scatter). */
  afterFfn: Collective[]
}

const gpusPerNode = (layout: CollectiveLayout) => layout.worldSize / Math.max(1, layout.nodes)

/** The collectives of one layer carrying `tokens` tokens per GPU; `moe` for a MoE layer, else a dense FFN layer. */
export function layerCollectives(layout: CollectiveLayout, tokens: number, phase: 'prefill' | 'decode', moe: boolean): LayerCollectives {
  const out: LayerCollectives = {beforeFfn: [], afterFfn: []}
  if (layout.worldSize <= 1 || tokens <= 0) return out
  const tensor = tokens * layout.hidden * 2
  const tpInterNode = layout.tp > gpusPerNode(layout)
  if (layout.tp > 1) out.beforeFfn.push({op: 'allreduce', gpus: layout.tp, bytes: tensor, interNode: tpInterNode})
  const expertParallelAcrossGroups = moe && layout.worldSize > layout.tp
  if (!expertParallelAcrossGroups) {
    if (layout.tp > 1) out.afterFfn.push({op: 'allreduce', gpus: layout.tp, bytes: tensor, interNode: tpInterNode})
    return out
  }
  const interNode = layout.nodes > 1
  if (layout.deepep) {
    const mode = phase === 'decode' ? 'deepep_ll' : 'deepep_normal'
    const copies = tokens * layout.topk * layout.hidden
    out.beforeFfn.push({op: `${mode}_dispatch`, gpus: layout.worldSize, bytes: copies, interNode})
    out.afterFfn.push({op: `${mode}_combine`, gpus: layout.worldSize, bytes: copies * 2, interNode})
    return out
  }
  if (interNode) {
    const copies = tokens * layout.topk * layout.hidden * 2
    out.beforeFfn.push({op: 'alltoall', gpus: layout.worldSize, bytes: copies, interNode})
    out.afterFfn.push({op: 'alltoall', gpus: layout.worldSize, bytes: copies, interNode})
    return out
  }
  const groups = layout.worldSize / layout.tp
  out.beforeFfn.push({op: 'allgather', gpus: groups, bytes: tensor * groups, interNode})
  out.afterFfn.push({op: 'reduce_scatter', gpus: groups, bytes: tensor * groups, interNode})
  return out
}
