/**
 * Attention tables as kernel models: which configuration a file holds
 * (from its name) and the FLOPs and bytes of one call. FLOPs are the
 * simulator's attention-core counts (docs/model.md, Attention; constant
 * factors cancel: only ratios between shapes matter); bytes
 * are the KV cache read plus queries and outputs.
 */
import {causalPrefillFlops, mhaPairFlops, mlaAbsorbedPairFlops, mlaExpandedPairFlops, windowedPrefillFlops} from '../../model/attention-flops.js'
import type {KernelModel} from './kernel-grid.js'

export type AttentionKind = 'mha' | 'mla'
export type AttentionPhase = 'decode' | 'prefill'

/**
 * A file's configuration: MHA `<Htp>-<Hkvtp>-<hd>` (a sliding-window kernel:
 * `<Htp>-<Hkvtp>-<hd>-w<window>`), MLA decode `<Htp>-<kv_lora_rank>-<rope>`,
 * MLA prefill `<Htp>-<nope>-<rope>`. `heads` is Htp; `family` holds what must
 * match to borrow (head_dim and window, 0 for full attention; rank and rope).
 */
export interface AttentionConfig {
  kind: AttentionKind
  phase: AttentionPhase
  /** Folder of the file (kind/phase/gpu). */
  dir: string
  heads: number
  /** MHA: Hkvtp; MLA: 1 (one latent KV head). */
  kvHeads: number
  /** MHA: [hd, window]; MLA decode: [rank, rope]; MLA prefill: [nope, rope]. */
  family: number[]
  /** Sliding window of the kernel (MHA), tokens; undefined: full attention. */
  window?: number
}

const PATH = /^(mha|mla)\/(decode|prefill)\/([^/]+)\/(\d+)-(\d+)-(\d+)(?:-w(\d+))?\.csv$/

const configs = new Map<string, AttentionConfig | undefined>()

export function attentionConfig(path: string): AttentionConfig | undefined {
  if (!configs.has(path)) configs.set(path, parseConfig(path))
  return configs.get(path)
}

function parseConfig(path: string): AttentionConfig | undefined {
  const m = PATH.exec(path)
  if (!m) return undefined
  const [a, b, c] = [Number(m[4]), Number(m[5]), Number(m[6])]
  const kind = m[1] as AttentionKind
  const phase = m[2] as AttentionPhase
  const dir = `${m[1]}/${m[2]}/${m[3]}`
  const window = m[7] === undefined ? undefined : Number(m[7])
  if (!(a > 0 && b > 0 && c > 0) || (window !== undefined && !(window > 0))) return undefined
  if (kind === 'mha') return {kind, phase, dir, heads: a, kvHeads: b, family: [c, window ?? 0], ...(window ? {window} : {})}
  return window === undefined ? {kind, phase, dir, heads: a, kvHeads: 1, family: [b, c]} : undefined
}

export const sameFamily = (a: AttentionConfig, b: AttentionConfig) =>
  a.kind === b.kind && a.phase === b.phase && a.dir === b.dir && a.family.every((v, i) => v === b.family[i])

const kvBytesPerElement = (kvDtype: string) => (kvDtype === 'fp8' ? 1 : 2)

/** Decode: one step of `batch_size` requests over `kv_len` cached tokens (a sliding window reads at most its window). */
export function decodeModel(cfg: AttentionConfig, kvDtype: string): KernelModel {
  const e = kvBytesPerElement(kvDtype)
  const H = cfg.heads
  const perToken =
    cfg.kind === 'mha'
      ? {flops: mhaPairFlops(H, cfg.family[0]), kv: 2 * cfg.kvHeads * cfg.family[0], q: H * cfg.family[0]}
      : {flops: mlaAbsorbedPairFlops(H, cfg.family[0], cfg.family[1]), kv: cfg.family[0] + cfg.family[1], q: H * (cfg.family[0] + cfg.family[1])}
  return {
    axes: ['batch_size', 'kv_len'],
    channels: [{mfu: 'mfu', latency: 'latency_us'}],
    work: (s) => {
      const keys = Math.min(s.kv_len, cfg.window ?? Infinity)
      return [{flops: s.batch_size * keys * perToken.flops, bytes: s.batch_size * (keys * perToken.kv * e + 2 * perToken.q * 2)}]
    },
  }
}

/** Prefill: one causal prefill of `seq_len` tokens (MLA: v_head_dim taken as nope; a sliding window: windowedPrefillFlops). */
export function prefillModel(cfg: AttentionConfig): KernelModel {
  const H = cfg.heads
  const perPair = cfg.kind === 'mha' ? mhaPairFlops(H, cfg.family[0]) : mlaExpandedPairFlops(H, cfg.family[0], cfg.family[1], cfg.family[0])
  const perToken = cfg.kind === 'mha' ? (2 * cfg.kvHeads + 2 * H) * cfg.family[0] * 2 : H * (2 * (cfg.family[0] + cfg.family[1]) + cfg.family[0]) * 2
  return {
    axes: ['seq_len'],
    channels: [{mfu: 'mfu', latency: 'latency_us'}],
    work: (s) => [{flops: cfg.window ? windowedPrefillFlops(s.seq_len, cfg.window, perPair) : causalPrefillFlops(s.seq_len, perPair), bytes: s.seq_len * perToken}],
  }
}
