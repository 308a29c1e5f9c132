import {inputError} from '../errors.js'
import {describeValue, quoteText} from '../util/quote.js'
import {DEFAULT_RANGE, FIELD_RANGES} from './limits.js'
import type {Attention, FeedForward, LinearAttention, ModelSpec, WeightQuant} from './types.js'

type Json = Record<string, unknown>

export interface ParseOptions {
  /** Read fields as the published configs name them (the publishedConfigs switch). */
  publishedConfigs: boolean
  /** hf_quant_config.json beside the config, when there is one. */
  quantConfig?: Json
}

/** Turns a HuggingFace config.json object into a ModelSpec, naming any missing field. */
export function parseModelConfig(raw: unknown, source: string, name: string, opts: ParseOptions): ModelSpec {
  if (!isObject(raw)) throw inputError(`${source}: a model config must be a JSON object`)
  const cfg = selectTextConfig(raw, source)
  const field = fieldReader(cfg, source)
  requireFields(cfg, source)
  const notes: string[] = []
  if (!opts.publishedConfigs && cfg.n_routed_experts !== undefined && cfg.num_routed_experts === undefined && cfg.num_experts === undefined) {
    notes.push(
      `${source} names its experts "n_routed_experts" (as published); the infersim profile reads only "num_routed_experts"/"num_experts", as the reference does, so it simulates this model as dense. Use the default profile, or a config with num_routed_experts (e.g. deepseek-v3-infersim).`,
    )
  }

  const layers = field.int('num_hidden_layers')
  const hidden = field.int('hidden_size')
  const attention = parseAttention(cfg, field, hidden)
  const shippedQuant = detectQuant(cfg, raw, opts.quantConfig)
  if (opts.publishedConfigs && attention.kind === 'mha') {
    const sliding = slidingWindowOf(cfg, field, layers)
    if (sliding) attention.slidingWindow = sliding
  }
  const linear = 'full_attention_interval' in cfg ? parseLinear(field, layers) : undefined
  const ffn = opts.publishedConfigs ? parsePublishedFfn(cfg, field, layers) : parseCompatFfn(cfg, field)
  const mtpLayers = mtpLayersOf(cfg)
  return {
    name,
    source,
    modelType: typeof cfg.model_type === 'string' ? cfg.model_type : String(raw.model_type ?? 'unknown'),
    layers,
    hidden,
    vocab: field.optInt('vocab_size') ?? 0,
    tiedEmbeddings: (cfg.tie_word_embeddings ?? raw.tie_word_embeddings) === true,
    attention,
    linear,
    ffn,
    shippedQuant,
    ...(mtpLayers ? {mtpLayers} : {}),
    ...(detectKvQuant(cfg, raw, opts.quantConfig) ? {shippedKvQuant: 'fp8' as const} : {}),
    ...(attentionExcluded(cfg, raw, opts.quantConfig) ? {shippedAttentionUnquantized: true as const} : {}),
    ...(shippedQuant === 'fp8' && blockScaled(cfg, raw, opts.quantConfig) ? {shippedFp8BlockScaled: true as const} : {}),
    notes,
  }
}

/** Multi-token-prediction layers the checkpoint ships (DeepSeek-V3 and GLM-5: num_nextn_predict_layers; Qwen3.5: mtp_num_hidden_layers); 0 when it names none. */
function mtpLayersOf(cfg: Json): number {
  const v = cfg.num_nextn_predict_layers ?? cfg.mtp_num_hidden_layers
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : 0
}

/** Fields every architecture needs; an unknown architecture gets all the missing ones named at once. */
const CORE_FIELDS = ['num_hidden_layers', 'hidden_size', 'num_attention_heads'] as const
const MLA_FIELDS = ['kv_lora_rank', 'qk_nope_head_dim', 'qk_rope_head_dim', 'v_head_dim'] as const
const LINEAR_FIELDS = ['full_attention_interval', 'linear_conv_kernel_dim', 'linear_num_key_heads', 'linear_key_head_dim', 'linear_num_value_heads', 'linear_value_head_dim'] as const

function requireFields(cfg: Json, source: string): void {
  const wanted: string[] = [...CORE_FIELDS]
  if (cfg.kv_lora_rank !== undefined && cfg.kv_lora_rank !== null) wanted.push(...MLA_FIELDS)
  if (cfg.full_attention_interval !== undefined) wanted.push(...LINEAR_FIELDS)
  const hasFfn = ['intermediate_size', 'moe_intermediate_size'].some((k) => typeof cfg[k] === 'number')
  const missing = wanted.filter((k) => cfg[k] === undefined || cfg[k] === null)
  if (!hasFfn) missing.push('intermediate_size (or moe_intermediate_size)')
  if (missing.length === 0) return
  const type = typeof cfg.model_type === 'string' ? ` (model_type ${quoteText(cfg.model_type)})` : ''
  const plural = missing.length > 1 ? 's' : ''
  throw inputError(`${source}${type}: the model needs field${plural} ${missing.map((m) => `"${m}"`).join(', ')}, which the config does not have`)
}

function selectTextConfig(raw: Json, source: string): Json {
  const type = raw.model_type
  const nested = raw.text_config
  if (type === 'qwen3_5' || type === 'qwen3_5_moe') {
    if (!isObject(nested)) throw inputError(`${source}: model_type ${type} needs a "text_config" object`)
    return nested
  }
  // Other multimodal wrappers (Llama 4) keep the language model in text_config too.
  if (!('num_hidden_layers' in raw) && isObject(nested)) return nested
  return raw
}

/**
 * Sliding-window layers as `layer_types` names them, with the config's
 * `sliding_window`; undefined where there are none. A list of another length
 * than the layers (a config edited by hand) gives its share of them.
 */
function slidingWindowOf(cfg: Json, field: FieldReader, layers: number): {window: number; layers: number} | undefined {
  const types = cfg.layer_types
  if (!Array.isArray(types) || types.length === 0) return undefined
  const count = types.filter((t) => t === 'sliding_attention').length
  const window = field.optInt('sliding_window')
  if (count === 0 || window === undefined || window < 1) return undefined
  const sliding = types.length === layers ? count : Math.min(layers, Math.round((count * layers) / types.length))
  return sliding > 0 ? {window, layers: sliding} : undefined
}

function parseAttention(cfg: Json, field: FieldReader, hidden: number): Attention {
  const heads = field.int('num_attention_heads')
  if ('kv_lora_rank' in cfg && cfg.kv_lora_rank !== null) {
    const mla: Attention = {
      kind: 'mla',
      heads,
      qLoraRank: field.optInt('q_lora_rank') ?? 0,
      kvLoraRank: field.int('kv_lora_rank'),
      qkNopeHeadDim: field.int('qk_nope_head_dim'),
      qkRopeHeadDim: field.int('qk_rope_head_dim'),
      vHeadDim: field.int('v_head_dim'),
    }
    if (mla.qkNopeHeadDim + mla.qkRopeHeadDim < 1) throw inputError(`${field.source}: fields "qk_nope_head_dim" and "qk_rope_head_dim" are both 0: a query head needs a dimension`)
    const indexTopk = field.optInt('index_topk')
    if (indexTopk !== undefined) {
      mla.sparse = {
        indexTopk,
        indexHeads: field.optInt('index_n_heads') ?? 64,
        indexHeadDim: field.optInt('index_head_dim') ?? 128,
      }
    }
    return mla
  }
  const headDim = field.optInt('head_dim') ?? Math.floor(hidden / heads)
  if (headDim < 1) throw inputError(`${field.source}: "hidden_size" ${hidden} over "num_attention_heads" ${heads} leaves no head dimension; the config needs "head_dim"`)
  const kvHeads = field.optInt('num_key_value_heads') ?? heads
  if (kvHeads > heads) throw inputError(`${field.source}: field "num_key_value_heads" (${kvHeads}) exceeds "num_attention_heads" (${heads}): each KV head serves a group of query heads`)
  if (heads % kvHeads !== 0) throw inputError(`${field.source}: field "num_key_value_heads" (${kvHeads}) does not divide "num_attention_heads" (${heads}) into equal groups`)
  const outputGate = cfg.attn_output_gate === true || cfg.model_type === 'qwen3_next'
  return {kind: 'mha', heads, kvHeads, headDim, outputGate}
}

function parseLinear(field: FieldReader, layers: number): LinearAttention {
  const interval = field.int('full_attention_interval')
  const fullLayers = Math.floor(layers / interval)
  return {
    fullLayers,
    linearLayers: layers - fullLayers,
    convKernel: field.int('linear_conv_kernel_dim'),
    keyHeads: field.int('linear_num_key_heads'),
    keyHeadDim: field.int('linear_key_head_dim'),
    valueHeads: field.int('linear_num_value_heads'),
    valueHeadDim: field.int('linear_value_head_dim'),
  }
}

/** The reference's reading of a config's FFN: num_routed_experts | num_experts, num_shared_experts (compat profile). */
function parseCompatFfn(cfg: Json, field: FieldReader): FeedForward {
  const expertsKey = ['num_routed_experts', 'num_experts'].find((k) => cfg[k] !== undefined && cfg[k] !== null)
  if (expertsKey) {
    const intermediate = field.int('moe_intermediate_size')
    return {
      isMoe: true,
      experts: field.int(expertsKey),
      topk: routedPerToken(field, 'num_experts_per_tok', expertsKey),
      intermediate,
      sharedExperts: field.optInt('num_shared_experts') ?? 0,
      sharedIntermediate: intermediate,
      denseLayers: 0,
      denseIntermediate: 0,
      moeLayerFreq: 1,
    }
  }
  return dense(field.int('intermediate_size'))
}

/** Configs as published by DeepSeek, Qwen, Mixtral, gpt-oss, Llama 4 and others (the publishedConfigs switch). */
function parsePublishedFfn(cfg: Json, field: FieldReader, layers: number): FeedForward {
  const expertsKey = ['n_routed_experts', 'num_routed_experts', 'num_experts', 'num_local_experts'].find(
    (k) => typeof cfg[k] === 'number' && (cfg[k] as number) > 0,
  )
  if (!expertsKey) return dense(field.int('intermediate_size'))
  const topkKey = ['num_experts_per_tok', 'num_experts_per_token', 'experts_per_token'].find((k) => typeof cfg[k] === 'number')
  if (!topkKey) throw inputError(`${field.source}: MoE config (${expertsKey}) is missing "num_experts_per_tok"`)
  const intermediate = field.optInt('moe_intermediate_size') ?? field.int('intermediate_size')
  // Llama 4 routes each token to its experts and to one shared expert of the same width (transformers' Llama4TextMoe).
  const llama4 = String(cfg.model_type ?? '').startsWith('llama4')
  const sharedWidth = field.optInt('shared_expert_intermediate_size') ?? (llama4 ? intermediate : undefined)
  let sharedExperts = field.optInt('n_shared_experts') ?? field.optInt('num_shared_experts') ?? 0
  if (sharedWidth && sharedExperts === 0) sharedExperts = 1
  const denseLayers = Math.min(layers, field.optInt('first_k_dense_replace') ?? 0)
  const moeLayerFreq = field.optInt('moe_layer_freq') ?? field.optInt('interleave_moe_layer_step') ?? 1
  const hasDenseLayers = denseLayers > 0 || moeLayerFreq > 1
  return {
    isMoe: true,
    experts: field.int(expertsKey),
    topk: routedPerToken(field, topkKey, expertsKey),
    intermediate,
    sharedExperts,
    sharedIntermediate: sharedWidth ?? intermediate,
    denseLayers,
    denseIntermediate: hasDenseLayers ? field.optInt('intermediate_size_mlp') ?? field.int('intermediate_size') : 0,
    moeLayerFreq,
  }
}

/** Experts per token: no more than there are routed experts. */
function routedPerToken(field: FieldReader, topkKey: string, expertsKey: string): number {
  const topk = field.int(topkKey)
  const experts = field.int(expertsKey)
  if (topk > experts) throw inputError(`${field.source}: field "${topkKey}" (${topk}) exceeds the ${experts} routed experts ("${expertsKey}")`)
  return topk
}

function dense(intermediate: number): FeedForward {
  return {
    isMoe: false,
    experts: 1,
    topk: 1,
    intermediate,
    sharedExperts: 0,
    sharedIntermediate: intermediate,
    denseLayers: 0,
    denseIntermediate: 0,
    moeLayerFreq: 1,
  }
}

/** The quantization section of config.json and that of hf_quant_config.json beside it (ModelOpt). */
function quantSections(cfg: Json, raw: Json, quantConfig?: Json): {q?: Json; hfQuant?: Json} {
  const q = (isObject(cfg.quantization_config) ? cfg.quantization_config : raw.quantization_config) as Json | undefined
  const hfQuant = quantConfig && isObject(quantConfig.quantization) ? (quantConfig.quantization as Json) : quantConfig
  return {q, hfQuant}
}

/** Whether the checkpoint names an FP8 KV cache (ModelOpt's kv_cache_quant_algo). */
function detectKvQuant(cfg: Json, raw: Json, quantConfig?: Json): boolean {
  const {q, hfQuant} = quantSections(cfg, raw, quantConfig)
  return String(hfQuant?.kv_cache_quant_algo ?? q?.kv_cache_quant_algo ?? '').toLowerCase().includes('fp8')
}

/**
 * Whether the quantization config leaves the attention layers unquantized: a module list
 * (modules_to_not_convert, ignore, ignored_layers, ModelOpt's exclude_modules) naming a layer's
 * self_attn (gpt-oss: "model.layers.*.self_attn"). One layer named is taken as all of them.
 */
function attentionExcluded(cfg: Json, raw: Json, quantConfig?: Json): boolean {
  const {q, hfQuant} = quantSections(cfg, raw, quantConfig)
  const lists = [q?.modules_to_not_convert, q?.ignore, q?.ignored_layers, hfQuant?.exclude_modules]
  // The language model's attention modules (layers.<i or *>.self_attn), not a vision tower's (visual.blocks.<i>.attn).
  return lists.some((l) => Array.isArray(l) && l.some((m) => typeof m === 'string' && /layers\.(\d+|\*)\.self_attn\b/.test(m)))
}

/** Whether the weights ship scaled per block: the quantization config names a weight_block_size (DeepSeek's, Qwen's and MiniMax's FP8 releases). */
function blockScaled(cfg: Json, raw: Json, quantConfig?: Json): boolean {
  const {q} = quantSections(cfg, raw, quantConfig)
  return Array.isArray(q?.weight_block_size) && q.weight_block_size.length > 0
}

function detectQuant(cfg: Json, raw: Json, quantConfig?: Json): WeightQuant | undefined {
  const {q, hfQuant} = quantSections(cfg, raw, quantConfig)
  const algo = String(hfQuant?.quant_algo ?? q?.quant_method ?? q?.quant_algo ?? '').toLowerCase()
  if (!algo) return undefined
  if (algo.includes('nvfp4') || algo === 'fp4') return 'nvfp4'
  if (algo.includes('mxfp4')) return 'mxfp4'
  if (algo.includes('fp8')) return 'fp8'
  if (algo.includes('int4') || algo.includes('awq') || algo.includes('gptq') || algo.includes('w4a16')) return 'int4'
  return undefined
}

interface FieldReader {
  source: string
  int(name: string): number
  optInt(name: string): number | undefined
}

function fieldReader(cfg: Json, source: string): FieldReader {
  const read = (name: string, required: boolean): number | undefined => {
    const v = cfg[name]
    if (v === undefined || v === null) {
      if (required) throw inputError(`${source}: the model needs field "${name}", which the config does not have`)
      return undefined
    }
    const {min, max} = FIELD_RANGES[name] ?? DEFAULT_RANGE
    if (typeof v !== 'number' || !Number.isFinite(v)) throw inputError(`${source}: field "${name}" must be a whole number, got ${describeValue(v)}`)
    if (!Number.isInteger(v)) throw inputError(`${source}: field "${name}" must be a whole number, got ${v}`)
    if (v < min) throw inputError(`${source}: field "${name}" must be at least ${min}, got ${v}`)
    if (v > max) throw inputError(`${source}: field "${name}" is ${v}, beyond any real model (at most ${max})`)
    return v
  }
  return {
    source,
    int: (name) => read(name, true) as number,
    optInt: (name) => read(name, false),
  }
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
