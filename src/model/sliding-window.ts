/**
 * A model's sliding-window layers as a share of its attention layers, with
 * their window; undefined where it has none (or is hybrid: its attention
 * layers are the full-attention ones, counted apart). The attention cores
 * (src/sim/layer.ts) and the FLOPs summary (src/cost/flops.ts) average a
 * layer over the two kinds by this share.
 *
 * @example
 * // gpt-oss-120b: 18 of 36 layers attend over the last 128 tokens
 * slidingLayerShare(gptOss120b) // {window: 128, share: 0.5}
 */
import type {ModelSpec} from './types.js'

export function slidingLayerShare(model: ModelSpec): {window: number; share: number} | undefined {
  const a = model.attention
  const sliding = a.kind === 'mha' && !model.linear ? a.slidingWindow : undefined
  return sliding && sliding.layers > 0 ? {window: sliding.window, share: Math.min(1, sliding.layers / model.layers)} : undefined
}
