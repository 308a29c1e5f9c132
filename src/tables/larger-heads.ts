/**
 * The measured MHA configuration an attention lookup may be held to: the
 * same GPU, phase, KV heads, head_dim and window with the fewest query heads
 * above the query's. It does all of the query's work and more (decode: the
 * same KV cache read for more query heads; prefill: more heads), so the GPU
 * runs the query's work in its time at most.
 *
 * Why it is needed: on B200 and GB200 the bundled tables of grouped-query
 * head_dim 256 with 3 or 6 query heads per KV head (3-1, 6-1, 12-2, 24-4:
 * Qwen3.5-27B at tp 8, 4, 2, 1) hold only the rows of SGLang's Triton
 * kernel, the one that ran there, while their neighbours with 2, 4 or 8 per
 * KV head hold TensorRT-LLM's kernel (trtllm_mha): the decode rows take
 * 5.4-5.9x the time of the configuration with 4/3 the query heads (3-1-256,
 * one request at 8,192 keys: 84.2 us against 14.5 us for 4-1-256, the same
 * KV bytes), the prefill rows 4.2-5.2x.
 */
import {attentionConfig} from './interpolate/attention-model.js'
import {tableSetMemo} from './lookup-memo.js'
import type {TableSet} from './types.js'

export interface LargerHeads {
  /** The larger configuration's table. */
  path: string
  /** Query heads over the larger configuration's: the share of its FLOPs the query does. */
  share: number
}

const found = tableSetMemo<LargerHeads | undefined>()

/**
 * The table of the nearest larger configuration (see the file's header), or
 * undefined (MLA, or no such table on the GPU).
 *
 * @example largerHeads(tables, 'mha/decode/b200-sxm/3-1-256.csv') // {path: 'mha/decode/b200-sxm/4-1-256.csv', share: 0.75}
 */
export const largerHeads = (tables: TableSet, path: string): LargerHeads | undefined => found(tables, path, () => search(tables, path))

function search(tables: TableSet, path: string): LargerHeads | undefined {
  const q = attentionConfig(path)
  if (!q || q.kind !== 'mha') return undefined
  let best: {path: string; heads: number} | undefined
  for (const p of tables.paths()) {
    if (!p.startsWith(`${q.dir}/`)) continue
    const c = attentionConfig(p)
    if (!c || c.kind !== 'mha' || c.kvHeads !== q.kvHeads || c.heads <= q.heads || !c.family.every((v, i) => v === q.family[i])) continue
    if (!best || c.heads < best.heads) best = {path: p, heads: c.heads}
  }
  return best && {path: best.path, share: q.heads / best.heads}
}
