"""Which kernel shapes to measure for one model and deployment (pure Python, no torch).

`lookups()` lists exactly the queries the simulator makes (SPEC A5/A6,
src/sim/*.ts, src/tables/paths.ts) under both profiles; `build_plan()` adds a
grid around each one (powers of two in m, batch, kv_len, seq_len and message
size) so the default profile can interpolate. Every item names the table it
feeds, whether it is an exact lookup or a grid point, and which simulator
steps ask for it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from model_config import Mla, ModelDims, load_quant_config, read_model

PROFILES = ("infersim", "default")
KERNELS = ("gemm", "attention", "mla", "dsa_attn", "dsa_logits", "grouped_gemm", "gdn", "allreduce", "alltoall")

GEMM_M_GRID = [2**i for i in range(0, 15)]  # 1 .. 16384
DECODE_BATCH_GRID = [2**i for i in range(0, 10)]  # 1 .. 512
DECODE_KV_GRID = [2**i for i in range(10, 18)]  # 1024 .. 131072
PREFILL_SEQ_GRID = [2**i for i in range(9, 16)]  # 512 .. 32768
MOE_DECODE_GRID = [2**i for i in range(0, 11)]  # 1 .. 1024
MOE_PREFILL_GRID = [2**i for i in range(8, 16)]  # 256 .. 32768
GDN_DECODE_GRID = DECODE_BATCH_GRID
GDN_PREFILL_GRID = PREFILL_SEQ_GRID
COMM_BYTES_GRID = [2**i for i in range(10, 31, 2)]  # 1 KiB .. 1 GiB


@dataclass(frozen=True)
class Deployment:
    tp: int = 1
    world_size: int = 1
    nodes: int = 1
    fp8_gemm: bool = False
    fp8_kv: bool = False
    deepep: bool = False
    isl: int = 4096
    osl: int = 2048
    decode_batch: int = 128
    max_prefill_tokens: int = 4096
    mode: str = "both"  # both | prefill | decode
    weight_format: Optional[str] = None  # --weight-format; None = auto

    @property
    def context(self) -> int:
        """Average decode context c = int(isl + osl/2) (SPEC A4)."""
        return int(math.floor(self.isl + self.osl / 2))

    def gemm_dtype(self, profile: str, model: ModelDims) -> str:
        """GEMM table dtype (src/sim/weight-format.ts): fp8 only for fp8 weights; int4/fp4 formats read the bf16 tables."""
        fmt = self.weight_format or ("fp8" if self.fp8_gemm else None)
        if fmt is None:
            fmt = model.shipped_quant if profile == "default" and model.shipped_quant else "bf16"
        return "fp8" if fmt == "fp8" else "bf16"

    @property
    def kv_dtype(self) -> str:
        return "fp8" if self.fp8_kv else "bf16"


def default_decode_batch(target_tgs: float, target_tpot_ms: float) -> int:
    return int(math.ceil(target_tgs * target_tpot_ms / 1000))


@dataclass
class PlanItem:
    kernel: str
    phase: Optional[str]
    dtype: str
    kv_dtype: Optional[str]
    shape: Dict[str, int]
    table: str
    role: str = "grid"  # lookup | grid
    uses: set = field(default_factory=set)

    def key(self) -> Tuple:
        return (self.kernel, self.phase or "", self.dtype, self.kv_dtype or "", tuple(sorted(self.shape.items())))

    def to_json(self, gpu: str) -> Dict:
        rec = {"planned": True, "kernel": self.kernel}
        if self.phase:
            rec["phase"] = self.phase
        rec["gpu"] = gpu
        rec["dtype"] = self.dtype
        if self.kv_dtype:
            rec["kv_dtype"] = self.kv_dtype
        rec["shape"] = dict(self.shape)
        rec["table"] = self.table
        rec["role"] = self.role
        if self.uses:
            rec["uses"] = sorted(self.uses)
        return rec


class _Collector:
    def __init__(self):
        self.items: Dict[Tuple, PlanItem] = {}

    def add(self, item: PlanItem, use: Optional[str] = None) -> None:
        if any(v <= 0 for k, v in item.shape.items() if k != "tokens_per_expert"):
            return  # a zero-sized kernel (e.g. q_lora_rank 0) costs nothing and cannot be timed
        found = self.items.get(item.key())
        if found is None:
            self.items[item.key()] = found = item
        if item.role == "lookup":
            found.role = "lookup"
        if found is not item:
            found.uses |= item.uses
        if use:
            found.uses.add(use)


# ---- table paths (src/tables/paths.ts, plus the agreed per-dtype GEMM and comm tables) ----

def gemm_table(gpu: str, dtype: str) -> str:
    return f"gemm/{gpu}/{dtype}.csv"


def attention_table(gpu: str, phase: str, shape: Dict[str, int]) -> str:
    return f"mha/{phase}/{gpu}/{shape['heads']}-{shape['kv_heads']}-{shape['head_dim']}.csv"


def mla_table(gpu: str, phase: str, shape: Dict[str, int]) -> str:
    if phase == "decode":
        return f"mla/decode/{gpu}/{shape['heads']}-{shape['kv_lora_rank']}-{shape['qk_rope_head_dim']}.csv"
    return f"mla/prefill/{gpu}/{shape['heads']}-{shape['qk_nope_head_dim']}-{shape['qk_rope_head_dim']}.csv"


def grouped_gemm_table(gpu: str, phase: str, dtype: str) -> str:
    """fp8 rows go to data.csv (the reference's DeepGEMM FP8 tables), other dtypes to <dtype>.csv, as ingest writes them."""
    return f"grouped_gemm/{phase}/{gpu}/{'data' if dtype == 'fp8' else dtype}.csv"


def gdn_table(gpu: str, phase: str, shape: Dict[str, int]) -> str:
    s = shape
    return f"gdn/{phase}/{gpu}/{s['conv_kernel']}-{s['key_heads']}-{s['key_head_dim']}-{s['value_heads']}-{s['value_head_dim']}.csv"


def dsa_table(gpu: str, phase: str, part: str, shape: Dict[str, int]) -> str:
    tail = f"{shape['heads']}-{shape['head_dim']}" + (f"-{shape['topk']}" if part == "attn" else "")
    return f"dsa/{phase}/{gpu}/{part}-{tail}.csv"


def comm_table(gpu: str, op: str) -> str:
    return f"comm/{gpu}/{op}.csv"


# ---- the simulator's lookups ----

def tokens_per_expert(tokens_per_gpu: int, topk: int, local_experts: int) -> int:
    """Average routed tokens per local expert: each GPU computes tokens*topk token-expert pairs."""
    return int(math.floor(tokens_per_gpu * topk / max(1, local_experts) + 0.5))


class _Lookups:
    """Collects the lookups of one profile's reading of the model under one deployment."""

    def __init__(self, out: _Collector, model: ModelDims, d: Deployment, gpu: str, profile: str):
        self.out, self.m, self.d, self.gpu, self.profile = out, model, d, gpu, profile
        self.gemm_dtype = d.gemm_dtype(profile, model)

    def use(self, phase: str, step: str) -> str:
        return f"{self.profile} {phase} {step}"

    def gemm(self, phase: str, step: str, m: int, k: int, n: int) -> None:
        item = PlanItem("gemm", None, self.gemm_dtype, None, {"m": m, "k": k, "n": n}, gemm_table(self.gpu, self.gemm_dtype), "lookup")
        self.out.add(item, self.use(phase, step))

    def run(self) -> None:
        d = self.d
        if d.mode in ("both", "prefill"):
            self.phase("prefill", d.max_prefill_tokens)
        if d.mode in ("both", "decode"):
            self.phase("decode", d.decode_batch)
        self.comm()

    def phase(self, phase: str, tokens: int) -> None:
        self.attention_core(phase)
        self.attention_projections(phase, tokens)
        if self.m.linear:
            self.linear_attention(phase, tokens)
        self.ffn(phase, tokens)

    # attention cores (SPEC A6; src/sim/attention.ts)
    def attention_core(self, phase: str) -> None:
        m, d, a = self.m, self.d, self.m.attention
        htp = a.heads // d.tp
        if isinstance(a, Mla) and a.sparse and self.profile == "default":
            self.sparse_attention(phase, a, htp)
            return
        if isinstance(a, Mla):
            if phase == "decode":
                shape = {"heads": htp, "kv_lora_rank": a.kv_lora_rank, "qk_rope_head_dim": a.qk_rope_head_dim,
                         "batch_size": d.decode_batch, "kv_len": d.context}
            else:
                shape = {"heads": htp, "qk_nope_head_dim": a.qk_nope_head_dim, "qk_rope_head_dim": a.qk_rope_head_dim,
                         "v_head_dim": a.v_head_dim, "seq_len": d.isl}
            item = PlanItem("mla", phase, "bf16", d.kv_dtype if phase == "decode" else None, shape, mla_table(self.gpu, phase, shape), "lookup")
        else:
            hkvtp = max(1, a.kv_heads // d.tp)
            shape = {"heads": htp, "kv_heads": hkvtp, "head_dim": a.head_dim}
            shape.update({"batch_size": d.decode_batch, "kv_len": d.context} if phase == "decode" else {"seq_len": d.isl})
            item = PlanItem("attention", phase, "bf16", d.kv_dtype if phase == "decode" else None, shape,
                            attention_table(self.gpu, phase, shape), "lookup")
        self.out.add(item, self.use(phase, "attn-core"))

    # DeepSeek V3.2 sparse attention, default profile only (src/sim/dsa.ts)
    def sparse_attention(self, phase: str, a: Mla, htp: int) -> None:
        d, sp = self.d, a.sparse
        attn = {"heads": htp, "head_dim": a.kv_lora_rank + a.qk_rope_head_dim, "topk": sp.index_topk}
        logits = {"heads": sp.index_heads, "head_dim": sp.index_head_dim}
        if phase == "decode":
            attn.update(batch_size=d.decode_batch, kv_len=d.context)
            logits.update(batchsize=d.decode_batch, next_n=1, s_kv=d.context)
            kv = d.kv_dtype
        else:
            attn.update(s_q=d.isl, s_kv=d.isl)
            logits.update(s_q=d.isl, s_kv=d.isl)
            kv = None
        self.out.add(PlanItem("dsa_attn", phase, "bf16", kv, attn, dsa_table(self.gpu, phase, "attn", attn), "lookup"), self.use(phase, "attn-core"))
        self.out.add(PlanItem("dsa_logits", phase, "fp8", None, logits, dsa_table(self.gpu, phase, "logits", logits), "lookup"),
                     self.use(phase, "dsa-indexer"))

    def attention_projections(self, phase: str, t: int) -> None:
        D, a, tp = self.m.hidden, self.m.attention, self.d.tp
        htp = a.heads // tp
        if isinstance(a, Mla):
            qk = a.qk_nope_head_dim + a.qk_rope_head_dim
            self.gemm(phase, "q-down-proj", t, D, a.q_lora_rank)
            self.gemm(phase, "q-up-proj", t, a.q_lora_rank, htp * qk)
            self.gemm(phase, "kv-down-proj", t, D, a.kv_lora_rank + a.qk_rope_head_dim)
            self.gemm(phase, "bmm-q-wk", t, htp * a.qk_nope_head_dim, a.kv_lora_rank)
            self.gemm(phase, "bmm-o-wv", t, htp * a.kv_lora_rank, a.v_head_dim)
            self.gemm(phase, "o-proj", t, htp * a.v_head_dim, D)
        else:
            hkvtp = max(1, a.kv_heads // tp)
            self.gemm(phase, "qkv-proj", t, D, (htp + 2 * hkvtp) * a.head_dim)
            self.gemm(phase, "o-proj", t, htp * a.head_dim, D)

    # GDN linear attention (src/sim/linear.ts): full heads, not split by tp
    def linear_attention(self, phase: str, t: int) -> None:
        lin, D, d = self.m.linear, self.m.hidden, self.d
        shape = {"conv_kernel": lin.conv_kernel, "key_heads": lin.key_heads, "key_head_dim": lin.key_head_dim,
                 "value_heads": lin.value_heads, "value_head_dim": lin.value_head_dim}
        shape.update({"batchsize": d.decode_batch} if phase == "decode" else {"seq_len": d.isl})
        self.out.add(PlanItem("gdn", phase, "bf16", None, shape, gdn_table(self.gpu, phase, shape), "lookup"), self.use(phase, "linear-core"))
        n = 2 * lin.key_heads * lin.key_head_dim + 2 * lin.value_heads * lin.value_head_dim
        self.gemm(phase, "qkvzba-proj", t, D, n)
        self.gemm(phase, "linear-o-proj", t, lin.value_heads * lin.value_head_dim, D)

    # MoE / dense FFN (src/sim/ffn.ts)
    def ffn(self, phase: str, t: int) -> None:
        f, D, d = self.m.ffn, self.m.hidden, self.d
        itp = f.intermediate // d.tp
        if f.is_moe:
            ep_groups = d.world_size // d.tp
            local = f.experts // ep_groups
            tokens_key = "batch_size_per_gpu" if phase == "decode" else "seq_len_per_gpu"
            shape = {"num_experts": f.experts, "num_gpus": d.world_size, "num_local_experts": local, "topk": f.topk,
                     "hidden_size": D, "intermediate_size": itp, tokens_key: t, "tokens_per_expert": tokens_per_expert(t, f.topk, local)}
            self.out.add(PlanItem("grouped_gemm", phase, self.gemm_dtype, None, shape, grouped_gemm_table(self.gpu, phase, self.gemm_dtype), "lookup"),
                         self.use(phase, "ffn"))
        else:
            # The reference looks the dense FFN up with I*2 // W (defect B6); the B6 switch (off by
            # default, docs/profiles.md) uses the tp shard: the default profile plans both.
            self.gemm(phase, "ffn", t, D, (f.intermediate * 2) // d.world_size)
            if self.profile == "default" and d.tp != d.world_size:
                self.gemm(phase, "ffn", t, D, (f.intermediate * 2) // d.tp)
        if f.shared_experts > 0:
            w = f.shared_intermediate // d.tp
            self.gemm(phase, "shared-up", t, D, w * 2 * f.shared_experts)
            self.gemm(phase, "shared-down", t, w * f.shared_experts, D)
        if f.is_moe and f.dense_layers > 0 and f.dense_intermediate > 0:
            width = f.dense_intermediate // d.tp
            self.gemm(phase, "dense-up", t, D, width * 2)
            self.gemm(phase, "dense-down", t, width, D)

    # Communication messages of this deployment (SPEC A7), for the comm/<gpu>/<op>.csv tables
    def comm(self) -> None:
        d, D, k = self.d, self.m.hidden, self.m.ffn.topk
        tokens = {"prefill": d.max_prefill_tokens, "decode": d.decode_batch}
        for phase, n in tokens.items():
            if d.mode not in ("both", phase):
                continue
            if d.tp > 1:
                self.comm_item("allreduce", phase, "tp-allreduce", d.tp, n * D * 2)
            if d.world_size > 1:
                if d.deepep:
                    self.comm_item("alltoall", phase, "dispatch", d.world_size, n * k * D)
                    self.comm_item("alltoall", phase, "combine", d.world_size, n * k * D * 2)
                else:
                    self.comm_item("allreduce", phase, "moe-allreduce", d.world_size, n * d.world_size * D * 2)

    def comm_item(self, op: str, phase: str, step: str, gpus: int, nbytes: int) -> None:
        item = PlanItem(op, None, "bf16", None, {"num_gpus": gpus, "message_bytes": nbytes}, comm_table(self.gpu, op), "lookup")
        self.out.add(item, self.use(phase, step))


def lookups(raw_config: Dict, source: str, deployments: Sequence[Deployment], gpu_key: str,
            profiles: Sequence[str] = PROFILES) -> List[PlanItem]:
    """The exact queries the simulator makes for these deployments, under the given profiles."""
    out = _Collector()
    quant = load_quant_config(source) if source.endswith(".json") else None
    for profile in profiles:
        model = read_model(raw_config, source, published=(profile == "default"), quant_config=quant)
        for d in deployments:
            _Lookups(out, model, d, gpu_key, profile).run()
    return list(out.items.values())


# ---- the grid around each lookup ----

def _with(values: Iterable[int], exact: int) -> List[int]:
    return sorted(set(values) | {exact})


def kv_bytes_per_token(item: PlanItem) -> int:
    s, b = item.shape, (1 if item.kv_dtype == "fp8" else 2)
    if item.kernel == "mla":
        return (s["kv_lora_rank"] + s["qk_rope_head_dim"]) * b
    return 2 * s["kv_heads"] * s["head_dim"] * b


def grid_shapes(item: PlanItem, max_kv_bytes: int) -> List[Dict[str, int]]:
    """Shapes around one lookup, for interpolation. The lookup itself is not repeated here."""
    s, k = item.shape, item.kernel
    out: List[Dict[str, int]] = []
    if k == "gemm":
        out = [{**s, "m": m} for m in _with(GEMM_M_GRID, s["m"])]
    elif k in ("attention", "mla") and item.phase == "decode":
        per_token = kv_bytes_per_token(item)
        for b in _with(DECODE_BATCH_GRID, s["batch_size"]):
            for kv in _with(DECODE_KV_GRID, s["kv_len"]):
                if b * kv * per_token <= max_kv_bytes:
                    out.append({**s, "batch_size": b, "kv_len": kv})
    elif k in ("attention", "mla"):
        out = [{**s, "seq_len": n} for n in _with(PREFILL_SEQ_GRID, s["seq_len"])]
    elif k == "dsa_attn" and item.phase == "decode":
        per_token = s["head_dim"] * (1 if item.kv_dtype == "fp8" else 2)
        out = [{**s, "batch_size": b, "kv_len": kv} for b in _with(DECODE_BATCH_GRID, s["batch_size"])
               for kv in _with(DECODE_KV_GRID, s["kv_len"]) if b * kv * per_token <= max_kv_bytes]
    elif k == "dsa_logits" and item.phase == "decode":
        out = [{**s, "batchsize": b, "s_kv": kv} for b in _with(DECODE_BATCH_GRID, s["batchsize"])
               for kv in _with(DECODE_KV_GRID, s["s_kv"]) if b * kv * s["head_dim"] <= max_kv_bytes]
    elif k in ("dsa_attn", "dsa_logits"):
        out = [{**s, "s_q": n, "s_kv": n} for n in _with(PREFILL_SEQ_GRID, s["s_q"])]
    elif k == "grouped_gemm":
        key = "batch_size_per_gpu" if item.phase == "decode" else "seq_len_per_gpu"
        values = MOE_DECODE_GRID if item.phase == "decode" else MOE_PREFILL_GRID
        out = [{**s, key: t, "tokens_per_expert": tokens_per_expert(t, s["topk"], s["num_local_experts"])}
               for t in _with(values, s[key])]
    elif k == "gdn":
        key = "batchsize" if item.phase == "decode" else "seq_len"
        values = GDN_DECODE_GRID if item.phase == "decode" else GDN_PREFILL_GRID
        out = [{**s, key: t} for t in _with(values, s[key])]
    elif k in ("allreduce", "alltoall"):
        gpus = _with([2**i for i in range(1, 16) if 2**i <= s["num_gpus"]], s["num_gpus"])
        out = [{"num_gpus": g, "message_bytes": n} for g in gpus for n in _with(COMM_BYTES_GRID, s["message_bytes"])]
    return [shape for shape in out if shape != s]


def build_plan(raw_config: Dict, source: str, deployments: Sequence[Deployment], gpu_key: str,
               profiles: Sequence[str] = PROFILES, kernels: Sequence[str] = KERNELS, grid: bool = True,
               max_kv_gib: float = 16.0, extra_gemm_dtypes: Sequence[str] = (), extra_kv_dtypes: Sequence[str] = ()) -> List[PlanItem]:
    """Lookups plus (optionally) their grid, filtered to `kernels`, in a stable order."""
    out = _Collector()
    for item in lookups(raw_config, source, deployments, gpu_key, profiles):
        if item.kernel not in kernels:
            continue
        for variant in _dtype_variants(item, gpu_key, extra_gemm_dtypes, extra_kv_dtypes):
            out.add(variant)
    if grid:
        max_kv_bytes = int(max_kv_gib * 1024**3)
        for item in list(out.items.values()):
            if item.role != "lookup":
                continue
            for shape in grid_shapes(item, max_kv_bytes):
                out.add(PlanItem(item.kernel, item.phase, item.dtype, item.kv_dtype, shape, item.table, "grid"))
    return sorted(out.items.values(), key=_order)


def _dtype_variants(item: PlanItem, gpu: str, gemm_dtypes: Sequence[str], kv_dtypes: Sequence[str]) -> List[PlanItem]:
    """The item itself, plus copies in the extra dtypes asked for (--both-dtypes)."""
    variants = [item]
    if item.kernel in ("gemm", "grouped_gemm"):
        for dt in gemm_dtypes:
            if dt != item.dtype:
                table = gemm_table(gpu, dt) if item.kernel == "gemm" else grouped_gemm_table(gpu, item.phase, dt)
                variants.append(PlanItem(item.kernel, item.phase, dt, None, dict(item.shape), table, "lookup", set(item.uses)))
    if item.kernel in ("attention", "mla", "dsa_attn") and item.phase == "decode":
        for kv in kv_dtypes:
            if kv != item.kv_dtype:
                variants.append(PlanItem(item.kernel, item.phase, item.dtype, kv, dict(item.shape), item.table, "lookup", set(item.uses)))
    return variants


def _order(item: PlanItem):
    return (KERNELS.index(item.kernel), item.phase or "", item.table, item.dtype, item.kv_dtype or "", tuple(item.shape.values()))
