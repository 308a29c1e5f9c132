/**
 * Random valid inputs for the fuzz suite: model configs (bundled configs of
 * every architecture with their sizes redrawn within what the config checks
 * accept), GPUs (bundled, and a made-up one without tables) and deployments.
 */
import fc from 'fast-check'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import type {GpuSpec} from '../../src/hardware/gpu.js'
import type {Deployment} from '../../src/sim/deployment.js'
import {ROOT} from '../helpers/cli.js'

type Json = Record<string, unknown>

/** One config per architecture: dense GQA, MoE, MLA (+ DSA), hybrid linear attention (dense and MoE), Llama 4, gpt-oss, Mixtral. */
export const TEMPLATES = [
  'qwen3-8b',
  'llama-3.1-8b',
  'qwen3-30b-a3b',
  'deepseek-v3',
  'deepseek-v3.2',
  'qwen3-next-80b-a3b',
  'qwen3.5-27b',
  'qwen3.5-35b-a3b',
  'llama-4-scout',
  'gpt-oss-20b',
  'mixtral-8x7b',
] as const

const templates = new Map<string, Json>(TEMPLATES.map((t) => [t, JSON.parse(readFileSync(path.join(ROOT, 'hf_configs', `${t}.json`), 'utf8'))]))

/** Where a config keeps the language model's fields (Qwen3.5 and Llama 4 nest them in text_config). */
function textConfig(cfg: Json): Json {
  const nested = cfg.text_config as Json | undefined
  if (nested && (!('num_hidden_layers' in cfg) || String(cfg.model_type).startsWith('qwen3_5'))) return nested
  return cfg
}

const pow2 = (lo: number, hi: number) => fc.integer({min: lo, max: hi}).map((e) => 2 ** e)

const sizes = fc.record({
  layers: fc.integer({min: 1, max: 96}),
  heads: pow2(0, 7),
  kvDivisor: pow2(0, 7),
  headDim: fc.constantFrom(64, 80, 96, 128, 192, 256),
  hiddenPerHead: fc.integer({min: 1, max: 4}),
  intermediate: fc.integer({min: 1, max: 256}).map((v) => v * 128),
  moeIntermediate: fc.integer({min: 1, max: 64}).map((v) => v * 64),
  experts: fc.integer({min: 1, max: 384}),
  topkShare: fc.double({min: 0, max: 1, noNaN: true}),
  sharedExperts: fc.integer({min: 0, max: 2}),
  vocab: fc.integer({min: 1000, max: 262144}),
  kvLoraRank: fc.integer({min: 1, max: 16}).map((v) => v * 64),
  qLoraRank: fc.constantFrom(0, 768, 1536),
  nope: fc.constantFrom(32, 64, 128),
  rope: fc.constantFrom(0, 32, 64),
  vHead: fc.constantFrom(64, 128),
  denseLayers: fc.integer({min: 0, max: 5}),
  interval: fc.integer({min: 1, max: 8}),
  linearKeyHeads: pow2(0, 5),
  linearValueFactor: pow2(0, 2),
  linearDim: fc.constantFrom(64, 128, 256),
  convKernel: fc.integer({min: 1, max: 6}),
  indexTopk: fc.integer({min: 1, max: 4096}),
})

/** A config of a bundled architecture with random sizes, and its template's name. */
export const modelConfig = fc.tuple(fc.constantFrom(...TEMPLATES), sizes).map(([name, s]) => {
  const cfg = structuredClone(templates.get(name)!)
  const t = textConfig(cfg)
  const set = (key: string, value: unknown) => {
    if (key in t && t[key] !== null) t[key] = value
  }
  const heads = s.heads
  set('num_hidden_layers', s.layers)
  set('num_attention_heads', heads)
  set('num_key_value_heads', Math.max(1, heads / Math.min(s.kvDivisor, heads)))
  set('head_dim', s.headDim)
  // Without head_dim the head dimension is hidden / heads: keep it whole.
  t.hidden_size = 'head_dim' in t ? s.hiddenPerHead * 1024 : heads * s.headDim
  set('intermediate_size', s.intermediate)
  set('intermediate_size_mlp', s.intermediate)
  set('moe_intermediate_size', s.moeIntermediate)
  set('shared_expert_intermediate_size', s.moeIntermediate)
  for (const k of ['num_experts', 'n_routed_experts', 'num_local_experts', 'num_routed_experts']) set(k, s.experts)
  const topk = Math.max(1, Math.round(s.topkShare * Math.min(s.experts, 16)))
  for (const k of ['num_experts_per_tok', 'experts_per_token']) set(k, topk)
  set('n_shared_experts', s.sharedExperts)
  set('vocab_size', s.vocab)
  set('kv_lora_rank', s.kvLoraRank)
  set('q_lora_rank', s.qLoraRank)
  set('qk_nope_head_dim', s.nope)
  set('qk_rope_head_dim', s.rope)
  set('v_head_dim', s.vHead)
  set('first_k_dense_replace', Math.min(s.denseLayers, s.layers))
  set('full_attention_interval', s.interval)
  set('linear_num_key_heads', s.linearKeyHeads)
  set('linear_num_value_heads', s.linearKeyHeads * s.linearValueFactor)
  set('linear_key_head_dim', s.linearDim)
  set('linear_value_head_dim', s.linearDim)
  set('linear_conv_kernel_dim', s.convKernel)
  set('index_topk', s.indexTopk)
  return {template: name, cfg}
})

/** A GPU no table was measured on: every lookup falls back to its default MFU. */
export const madeUpGpu = fc
  .record({
    memGiB: fc.integer({min: 16, max: 512}),
    fp16Tflops: fc.integer({min: 50, max: 5000}),
    fp8Share: fc.constantFrom(1, 2),
    memBwGBs: fc.integer({min: 500, max: 16000}),
    nvlinkGBs: fc.integer({min: 50, max: 1800}),
    rdmaGBs: fc.integer({min: 10, max: 400}),
    defaultMfu: fc.double({min: 0.1, max: 1, noNaN: true}),
  })
  .map(
    (g): GpuSpec => ({
      name: 'FUZZ-GPU',
      fp16Tflops: g.fp16Tflops,
      fp8Tflops: g.fp16Tflops * g.fp8Share,
      defaultMfu: g.defaultMfu,
      memGiB: g.memGiB,
      memBwGBs: g.memBwGBs,
      memBwEfficiency: 0.8,
      nvlinkGBs: g.nvlinkGBs,
      nvlinkEfficiency: 0.8,
      nvlinkDirectionFactor: 0.5,
      rdmaGBs: g.rdmaGBs,
      rdmaEfficiency: 0.8,
      gpusPerNode: 8,
      source: 'fuzz',
    }),
  )

/** A deployment; DeepEP and TBO only for MoE models (elsewhere they are usage errors). */
export const deployment = (isMoe: boolean) =>
  fc
    .record({
      tp: pow2(0, 3),
      replicas: pow2(0, 3),
      isl: fc.integer({min: 1, max: 32768}),
      osl: fc.integer({min: 1, max: 4096}),
      maxPrefillTokens: fc.integer({min: 1, max: 32768}),
      decodeBatch: fc.oneof(fc.integer({min: 1, max: 512}), fc.constant('max' as const), fc.constant(undefined)),
      fp8Gemm: fc.boolean(),
      fp8Kv: fc.boolean(),
      weightFormat: fc.constantFrom(undefined, 'bf16', 'fp8', 'int4', 'nvfp4', 'mxfp4'),
      deepep: fc.boolean(),
      tbo: fc.boolean(),
      smRatio: fc.double({min: 0.3, max: 1, noNaN: true}),
      targetTgs: fc.integer({min: 1, max: 10000}),
      targetTpot: fc.integer({min: 1, max: 1000}),
      mode: fc.constantFrom('both', 'prefill', 'decode'),
    })
    .map((r): Deployment => {
      const worldSize = r.tp * r.replicas
      return {
        worldSize,
        nodes: worldSize > 8 ? worldSize / 8 : 1,
        tp: r.tp,
        fp8Gemm: r.fp8Gemm,
        weightFormat: r.weightFormat as Deployment['weightFormat'],
        fp8Kv: r.fp8Kv,
        deepep: isMoe && r.deepep,
        tbo: isMoe && r.tbo,
        smRatio: r.smRatio,
        maxPrefillTokens: r.maxPrefillTokens,
        decodeBatch: r.decodeBatch,
        targetTgs: r.targetTgs,
        targetTpot: r.targetTpot,
        isl: r.isl,
        osl: r.osl,
        mode: r.mode as Deployment['mode'],
      }
    })

/** Every number of a result, with its path; `skip` names subtrees that are inputs, not figures. */
export function numbersOf(value: unknown, skip: ReadonlySet<string>, at = ''): [string, number][] {
  if (typeof value === 'number') return [[at, value]]
  if (value === null || typeof value !== 'object') return []
  const out: [string, number][] = []
  for (const [k, v] of Object.entries(value)) {
    if (skip.has(k)) continue
    out.push(...numbersOf(v, skip, at ? `${at}.${k}` : k))
  }
  return out
}
