"""HuggingFace config.json -> the architecture facts the simulator reads (the config reader of src/model/parse.ts, published-config fields included).

Pure Python (no torch). Two readings exist, as in src/model/parse.ts:
the compat reading of the InferSim project (`--profile infersim`) and the
published reading of the default profile (B3: n_routed_experts,
first_k_dense_replace, shared_expert_intermediate_size, ...). The planner
plans the shapes of both so one benchmark run serves either profile.
"""
from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass
from typing import Any, Dict, Optional


class ConfigError(Exception):
    """A model config that cannot be read; the message names the file and field."""


@dataclass(frozen=True)
class Mha:
    heads: int
    kv_heads: int
    head_dim: int
    # sliding-window layers (gpt-oss: 18 of 36 at 128 tokens), configs read as published only
    sliding_window: int = 0
    sliding_layers: int = 0


@dataclass(frozen=True)
class SparseAttention:
    """DeepSeek V3.2 sparse attention (DSA): each query attends its top-k tokens, chosen by an fp8 indexer."""

    index_topk: int
    index_heads: int
    index_head_dim: int


@dataclass(frozen=True)
class Mla:
    heads: int
    q_lora_rank: int
    kv_lora_rank: int
    qk_nope_head_dim: int
    qk_rope_head_dim: int
    v_head_dim: int
    sparse: Optional[SparseAttention] = None


@dataclass(frozen=True)
class LinearAttention:
    full_layers: int
    linear_layers: int
    conv_kernel: int
    key_heads: int
    key_head_dim: int
    value_heads: int
    value_head_dim: int


@dataclass(frozen=True)
class FeedForward:
    is_moe: bool
    experts: int
    topk: int
    intermediate: int
    shared_experts: int
    shared_intermediate: int
    dense_layers: int
    dense_intermediate: int


@dataclass(frozen=True)
class ModelDims:
    source: str
    layers: int
    hidden: int
    attention: Any  # Mha | Mla
    linear: Optional[LinearAttention]
    ffn: FeedForward
    shipped_quant: Optional[str] = None  # bf16 | fp8 | int4 | nvfp4 | mxfp4, from the config's quantization fields
    vocab: int = 0

    @property
    def is_mla(self) -> bool:
        return isinstance(self.attention, Mla)


def load_config(path: str) -> Dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as f:
            raw = json.load(f)
    except FileNotFoundError:
        raise ConfigError(f"{path}: model config not found") from None
    except json.JSONDecodeError as e:
        raise ConfigError(f"{path}: line {e.lineno}: not valid JSON ({e.msg})") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: a model config must be a JSON object")
    return raw


def load_quant_config(config_path: str) -> Optional[Dict[str, Any]]:
    """hf_quant_config.json beside a config (<name>.hf_quant_config.json or hf_quant_config.json), as src/io/models.ts reads it."""
    candidates = [re.sub(r"\.json$", ".hf_quant_config.json", config_path), os.path.join(os.path.dirname(config_path), "hf_quant_config.json")]
    for path in candidates:
        if path != config_path and os.path.exists(path):
            return load_config(path)
    return None


def read_model(raw: Dict[str, Any], source: str, published: bool, quant_config: Optional[Dict[str, Any]] = None) -> ModelDims:
    """The model as the compat (published=False) or default (published=True) profile reads it."""
    cfg = _text_config(raw, source)
    f = _Fields(cfg, source)
    layers = f.int("num_hidden_layers")
    hidden = f.int("hidden_size")
    attention = _attention(cfg, f, hidden)
    if published and isinstance(attention, Mha):
        attention = _with_sliding_window(attention, cfg, f, layers)
    linear = _linear(f, layers) if "full_attention_interval" in cfg else None
    ffn = _published_ffn(cfg, f, layers) if published else _compat_ffn(cfg, f)
    return ModelDims(source=source, layers=layers, hidden=hidden, attention=attention, linear=linear, ffn=ffn,
                     shipped_quant=_detect_quant(cfg, raw, quant_config), vocab=f.opt_int("vocab_size", 0))


def _detect_quant(cfg: Dict[str, Any], raw: Dict[str, Any], quant_config: Optional[Dict[str, Any]]) -> Optional[str]:
    q = cfg.get("quantization_config") if isinstance(cfg.get("quantization_config"), dict) else raw.get("quantization_config")
    q = q if isinstance(q, dict) else {}
    hf = quant_config.get("quantization") if quant_config and isinstance(quant_config.get("quantization"), dict) else quant_config
    hf = hf if isinstance(hf, dict) else {}
    algo = next((v for v in (hf.get("quant_algo"), q.get("quant_method"), q.get("quant_algo")) if v is not None), "")
    algo = str(algo).lower()
    if not algo:
        return None
    if "nvfp4" in algo or algo == "fp4":
        return "nvfp4"
    if "mxfp4" in algo:
        return "mxfp4"
    if "fp8" in algo:
        return "fp8"
    if any(w in algo for w in ("int4", "awq", "gptq", "w4a16")):
        return "int4"
    return None


def _text_config(raw: Dict[str, Any], source: str) -> Dict[str, Any]:
    nested = raw.get("text_config")
    if raw.get("model_type") in ("qwen3_5", "qwen3_5_moe"):
        if not isinstance(nested, dict):
            raise ConfigError(f'{source}: model_type {raw.get("model_type")} needs a "text_config" object')
        return nested
    if "num_hidden_layers" not in raw and isinstance(nested, dict):
        return nested
    return raw


def _attention(cfg: Dict[str, Any], f: "_Fields", hidden: int):
    heads = f.int("num_attention_heads")
    if cfg.get("kv_lora_rank") is not None:
        topk = f.opt_int("index_topk", None)
        sparse = None if topk is None else SparseAttention(topk, f.opt_int("index_n_heads", 64), f.opt_int("index_head_dim", 128))
        return Mla(
            heads=heads,
            q_lora_rank=f.opt_int("q_lora_rank", 0),
            kv_lora_rank=f.int("kv_lora_rank"),
            qk_nope_head_dim=f.int("qk_nope_head_dim"),
            qk_rope_head_dim=f.int("qk_rope_head_dim"),
            v_head_dim=f.int("v_head_dim"),
            sparse=sparse,
        )
    head_dim = f.opt_int("head_dim", None)
    if head_dim is None:
        head_dim = hidden // heads
    return Mha(heads=heads, kv_heads=f.opt_int("num_key_value_heads", heads), head_dim=head_dim)


def _with_sliding_window(a: Mha, cfg: Dict[str, Any], f: "_Fields", layers: int) -> Mha:
    """Sliding-window layers as layer_types names them, with sliding_window (src/model/parse.ts)."""
    types = cfg.get("layer_types")
    if not isinstance(types, list) or not types:
        return a
    count = sum(1 for t in types if t == "sliding_attention")
    window = f.opt_int("sliding_window", None)
    if count == 0 or window is None or window < 1:
        return a
    # a list of another length than the layers gives its share of them (JavaScript's Math.round: halves up)
    sliding = count if len(types) == layers else min(layers, math.floor(count * layers / len(types) + 0.5))
    if sliding <= 0:
        return a
    return Mha(heads=a.heads, kv_heads=a.kv_heads, head_dim=a.head_dim, sliding_window=window, sliding_layers=sliding)


def _linear(f: "_Fields", layers: int) -> LinearAttention:
    full = layers // f.int("full_attention_interval")
    return LinearAttention(
        full_layers=full,
        linear_layers=layers - full,
        conv_kernel=f.int("linear_conv_kernel_dim"),
        key_heads=f.int("linear_num_key_heads"),
        key_head_dim=f.int("linear_key_head_dim"),
        value_heads=f.int("linear_num_value_heads"),
        value_head_dim=f.int("linear_value_head_dim"),
    )


def _dense(intermediate: int) -> FeedForward:
    return FeedForward(False, 1, 1, intermediate, 0, intermediate, 0, 0)


def _compat_ffn(cfg: Dict[str, Any], f: "_Fields") -> FeedForward:
    key = next((k for k in ("num_routed_experts", "num_experts") if cfg.get(k) is not None), None)
    if key is None:
        return _dense(f.int("intermediate_size"))
    inter = f.int("moe_intermediate_size")
    return FeedForward(True, f.int(key), f.int("num_experts_per_tok"), inter, f.opt_int("num_shared_experts", 0), inter, 0, 0)


def _published_ffn(cfg: Dict[str, Any], f: "_Fields", layers: int) -> FeedForward:
    def positive(k: str) -> bool:
        v = cfg.get(k)
        return isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0

    key = next((k for k in ("n_routed_experts", "num_routed_experts", "num_experts", "num_local_experts") if positive(k)), None)
    if key is None:
        return _dense(f.int("intermediate_size"))
    topk_key = next((k for k in ("num_experts_per_tok", "num_experts_per_token", "experts_per_token") if isinstance(cfg.get(k), (int, float))), None)
    if topk_key is None:
        raise ConfigError(f'{f.source}: MoE config ({key}) is missing "num_experts_per_tok"')
    inter = f.opt_int("moe_intermediate_size", None)
    if inter is None:
        inter = f.int("intermediate_size")
    # Llama 4 routes each token to its experts and to one shared expert of the same width.
    llama4 = str(cfg.get("model_type") or "").startswith("llama4")
    shared_width = f.opt_int("shared_expert_intermediate_size", None)
    if shared_width is None and llama4:
        shared_width = inter
    shared = f.opt_int("n_shared_experts", None)
    if shared is None:
        shared = f.opt_int("num_shared_experts", 0)
    if shared_width and shared == 0:
        shared = 1
    dense_layers = min(layers, f.opt_int("first_k_dense_replace", 0))
    moe_layer_freq = f.opt_int("moe_layer_freq", None)
    if moe_layer_freq is None:
        moe_layer_freq = f.opt_int("interleave_moe_layer_step", 1)
    dense_intermediate = 0
    if dense_layers > 0 or moe_layer_freq > 1:
        dense_intermediate = f.opt_int("intermediate_size_mlp", None)
        if dense_intermediate is None:
            dense_intermediate = f.int("intermediate_size")
    return FeedForward(
        is_moe=True,
        experts=f.int(key),
        topk=f.int(topk_key),
        intermediate=inter,
        shared_experts=shared,
        shared_intermediate=shared_width if shared_width is not None else inter,
        dense_layers=dense_layers,
        dense_intermediate=dense_intermediate,
    )


class _Fields:
    """Reads numeric fields, naming the file and field on error."""

    def __init__(self, cfg: Dict[str, Any], source: str):
        self.cfg = cfg
        self.source = source

    def _read(self, name: str, required: bool):
        v = self.cfg.get(name)
        if v is None:
            if required:
                raise ConfigError(f'{self.source}: the model needs field "{name}", which the config does not have')
            return None
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v != v or v < 0:
            raise ConfigError(f'{self.source}: field "{name}" must be a non-negative number, got {json.dumps(v)}')
        return int(v)

    def int(self, name: str) -> int:
        return self._read(name, True)

    def opt_int(self, name: str, default):
        v = self._read(name, False)
        return default if v is None else v
