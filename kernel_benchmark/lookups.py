"""The simulator's table lookups for one model and deployment, mirrored in Python (no torch).

This module is the one place that follows the simulator's code: src/tables/paths.ts
(which file); src/sim/layer.ts (the steps of a layer and the LM head), attention.ts,
ffn.ts with src/cost/moe-layout.ts, dsa.ts, linear.ts (which shape); and
src/sim/comm.ts with src/cost/collectives.ts and src/tables/comm-lookup.ts (which
collective table, message size in bytes and GPU count). When the simulator's
lookups change, change them here; plan.py only adds grids around what this
module returns, and test/kernel_benchmark/plan.test.ts checks that every lookup
of a simulation hits a planned row.

Where the simulator asks for a fractional count (the LM head of P / isl prompts,
the tokens one GPU's experts get under --moe-ep), no kernel can be timed at it:
the plan holds the whole counts on either side, between which the simulator
interpolates.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

from items import PROFILES, Collector, Deployment, PlanItem
from model_config import Mla, ModelDims, load_quant_config, read_model


@dataclass(frozen=True)
class Switches:
    """The profile switches (src/profile.ts) that change what the simulator looks up."""

    published_configs: bool  # configs read as published; DSA sparse attention
    interpolate_mfu: bool  # interpolating lookups: MoE keys keep fractional local experts
    measured_comm: bool  # collectives read from comm/<gpu>/<op>.csv
    layout_collectives: bool  # the collectives each layout runs; --moe-ep honoured
    lm_head: bool  # the LM head GEMM
    dense_ffn_tp_shard: bool  # a dense model's FFN looked up at 2I / tp instead of 2I / W
    linear_tp_shard: bool  # GDN layers' heads split over tp (src/cost/shapes.ts linearShard)


SWITCHES = {
    "infersim": Switches(False, False, False, False, False, False, False),
    "default": Switches(True, True, True, True, True, False, False),
}


# ---- table paths (src/tables/paths.ts, plus the per-dtype GEMM and the comm tables) ----

def gemm_table(gpu: str, dtype: str) -> str:
    return f"gemm/{gpu}/{dtype}.csv"


def attention_table(gpu: str, phase: str, shape: Dict[str, int]) -> str:
    window = f"-w{shape['window']}" if shape.get("window") else ""
    return f"mha/{phase}/{gpu}/{shape['heads']}-{shape['kv_heads']}-{shape['head_dim']}{window}.csv"


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

def tokens_per_expert(tokens_per_gpu: int, topk: int, local_experts: float) -> int:
    """Average routed tokens per local expert: each GPU computes tokens*topk token-expert pairs."""
    return int(math.floor(tokens_per_gpu * topk / max(1, local_experts) + 0.5))


def whole_counts(x: float) -> List[int]:
    """The whole counts a kernel can be timed at for a count x the simulator asks for: x itself, or the two either side
    (at least 1: below one token the simulator holds the first row)."""
    if x == int(x) and x >= 1:
        return [int(x)]
    return sorted({max(1, math.floor(x)), max(1, math.ceil(x))})


@dataclass(frozen=True)
class Collective:
    """One collective of a layer (src/cost/collectives.ts): op, GPUs, message bytes, whether it crosses nodes."""

    op: str
    gpus: int
    nbytes: int
    inter_node: bool


def layer_collectives(d: Deployment, hidden: int, topk: int, tokens: int, phase: str, moe: bool) -> Tuple[List[Collective], List[Collective]]:
    """The collectives before and after the FFN of one layer carrying `tokens` tokens per GPU (layoutCollectives)."""
    before: List[Collective] = []
    after: List[Collective] = []
    if d.world_size <= 1 or tokens <= 0:
        return before, after
    tensor = tokens * hidden * 2
    tp_inter_node = d.tp > d.world_size / max(1, d.nodes)
    if d.tp > 1:
        before.append(Collective("allreduce", d.tp, tensor, tp_inter_node))
    if not (moe and d.world_size > d.tp):
        if d.tp > 1:
            after.append(Collective("allreduce", d.tp, tensor, tp_inter_node))
        return before, after
    inter_node = d.nodes > 1
    if d.deepep:
        mode = "deepep_ll" if phase == "decode" else "deepep_normal"
        copies = tokens * topk * hidden
        before.append(Collective(f"{mode}_dispatch", d.world_size, copies, inter_node))
        after.append(Collective(f"{mode}_combine", d.world_size, copies * 2, inter_node))
    elif inter_node:
        copies = tokens * topk * hidden * 2
        before.append(Collective("alltoall", d.world_size, copies, True))
        after.append(Collective("alltoall", d.world_size, copies, True))
    else:
        groups = d.world_size // d.tp
        before.append(Collective("allgather", groups, tensor * groups, False))
        after.append(Collective("reduce_scatter", groups, tensor * groups, False))
    return before, after


class _Lookups:
    """Collects the lookups of one profile's reading of the model under one deployment."""

    def __init__(self, out: Collector, model: ModelDims, d: Deployment, gpu: str, profile: str):
        self.out, self.m, self.d, self.gpu, self.profile = out, model, d, gpu, profile
        self.sw = SWITCHES[profile]
        self.gemm_dtype = d.gemm_dtype(self.sw.published_configs, model)
        # two-batch overlap: each forward carries two micro-batches (not modelled for hybrid models)
        self.overlap = d.tbo and not model.linear

    def use(self, phase: str, step: str) -> str:
        return f"{self.profile} {phase} {step}"

    def gemm(self, phase: str, step: str, m: int, k: int, n: int, dtype: Optional[str] = None) -> None:
        dtype = dtype or self.gemm_dtype
        item = PlanItem("gemm", None, dtype, None, {"m": m, "k": k, "n": n}, gemm_table(self.gpu, dtype), "lookup")
        self.out.add(item, self.use(phase, step))

    def run(self) -> None:
        for phase, tokens in self.phase_tokens():
            self.phase(phase, tokens)
            if self.sw.measured_comm:
                self.comm(phase, tokens)

    def phase(self, phase: str, tokens: int) -> None:
        self.attention_core(phase)
        self.attention_projections(phase, tokens)
        if self.m.linear:
            self.linear_attention(phase, tokens)
        self.ffn(phase, tokens)
        if self.sw.lm_head:
            self.lm_head(phase)

    # attention cores (src/sim/attention.ts); the table is keyed by the heads one GPU holds in both profiles
    def attention_core(self, phase: str) -> None:
        m, d, a = self.m, self.d, self.m.attention
        htp = a.heads // d.tp
        if isinstance(a, Mla) and a.sparse and self.sw.published_configs:
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
            if a.sliding_layers and not m.linear:
                self.sliding_window_core(phase, shape, item)
        self.out.add(item, self.use(phase, "attn-core"))

    # sliding-window layers (src/sim/attention.ts): the sliding-window kernel's own table, <h>-<hkv>-<hd>-w<window>,
    # keyed like the full one (decode by the request's context, prefill by its length)
    def sliding_window_core(self, phase: str, shape: dict, full: PlanItem) -> None:
        w = dict(shape, window=self.m.attention.sliding_window)
        item = PlanItem("attention", phase, "bf16", full.kv_dtype, w, attention_table(self.gpu, phase, w), "lookup")
        self.out.add(item, self.use(phase, "attn-core-window"))

    # DeepSeek V3.2 sparse attention, configs read as published only (src/sim/dsa.ts)
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

    # GDN linear attention (src/sim/linear.ts): one GPU's heads with linear_tp_shard (ceil over tp), else all of them
    def linear_attention(self, phase: str, t: int) -> None:
        lin, D, d = self.m.linear, self.m.hidden, self.d
        split = d.tp if self.sw.linear_tp_shard else 1
        key_heads, value_heads = -(-lin.key_heads // split), -(-lin.value_heads // split)
        shape = {"conv_kernel": lin.conv_kernel, "key_heads": key_heads, "key_head_dim": lin.key_head_dim,
                 "value_heads": value_heads, "value_head_dim": lin.value_head_dim}
        shape.update({"batchsize": d.decode_batch} if phase == "decode" else {"seq_len": d.isl})
        self.out.add(PlanItem("gdn", phase, "bf16", None, shape, gdn_table(self.gpu, phase, shape), "lookup"), self.use(phase, "linear-core"))
        n = 2 * key_heads * lin.key_head_dim + 2 * value_heads * lin.value_head_dim
        self.gemm(phase, "qkvzba-proj", t, D, n)
        self.gemm(phase, "linear-o-proj", t, value_heads * lin.value_head_dim, D)

    # MoE / dense FFN (src/sim/ffn.ts, src/cost/moe-layout.ts)
    def ffn(self, phase: str, t: int) -> None:
        f, D, d = self.m.ffn, self.m.hidden, self.d
        if f.is_moe:
            self.routed_experts(phase, t)
        else:
            self.gemm(phase, "ffn", t, D, (f.intermediate * 2) // (d.tp if self.sw.dense_ffn_tp_shard else d.world_size))
        if f.shared_experts > 0:
            w = f.shared_intermediate // d.tp
            self.gemm(phase, "shared-up", t, D, w * 2 * f.shared_experts)
            self.gemm(phase, "shared-down", t, w * f.shared_experts, D)
        if f.is_moe and f.dense_intermediate > 0:  # computed whether or not a layer is dense (sim/layer.ts ffnSteps)
            width = f.dense_intermediate // d.tp
            self.gemm(phase, "dense-up", t, D, width * 2)
            self.gemm(phase, "dense-down", t, width, D)

    def routed_experts(self, phase: str, m: int) -> None:
        """The grouped-GEMM key and tokens of one GPU's experts. The MoE spans the W GPUs as moe_tp x moe_ep (--moe-ep with
        layoutCollectives, else W // tp); one GPU holds E / moe_ep experts of width I // moe_tp and gets the tokens of the
        replicas' m x replicas over moe_ep GPUs. The compat lookup keys whole local experts (floor)."""
        f, D, d = self.m.ffn, self.m.hidden, self.d
        replicas = d.replicas
        moe_ep = d.moe_ep if self.sw.layout_collectives and d.moe_ep else replicas
        moe_tp = d.world_size // moe_ep
        width = f.intermediate // moe_tp
        local = f.experts / moe_ep  # a float, as the simulator divides
        tokens = (m * replicas) / moe_ep
        if not self.sw.interpolate_mfu:
            local = float(math.floor(local))
        if local != int(local):
            # No table row has fractional local experts: the interpolating lookup reads one GPU's share of the ep = 1
            # curve of the experts at moe_tp GPUs, at the group's tokens (tables/interpolate/grouped-gemm.ts).
            ep = f.experts / local
            self.grouped_gemm(phase, {"num_gpus": int(round(d.world_size / ep)), "num_local_experts": f.experts}, width, tokens * ep)
            return
        self.grouped_gemm(phase, {"num_gpus": d.world_size, "num_local_experts": int(local)}, width, tokens)

    def grouped_gemm(self, phase: str, layout: Dict[str, int], width: int, tokens: float) -> None:
        f, D = self.m.ffn, self.m.hidden
        tokens_key = "batch_size_per_gpu" if phase == "decode" else "seq_len_per_gpu"
        for t in whole_counts(tokens):
            shape = {"num_experts": f.experts, "num_gpus": layout["num_gpus"], "num_local_experts": layout["num_local_experts"], "topk": f.topk,
                     "hidden_size": D, "intermediate_size": width, tokens_key: t,
                     "tokens_per_expert": tokens_per_expert(t, f.topk, layout["num_local_experts"])}
            self.out.add(PlanItem("grouped_gemm", phase, self.gemm_dtype, None, shape, grouped_gemm_table(self.gpu, phase, self.gemm_dtype), "lookup"),
                         self.use(phase, "ffn"))

    # LM head (src/sim/layer.ts lmHeadStep, phase.ts withLmHead): the tokens that need logits, ceil(vocab / tp) wide,
    # in BF16 whatever the weights' format (checkpoints leave lm_head unquantized; src/sim/context.ts lmHeadGemm)
    def lm_head(self, phase: str) -> None:
        d, n = self.d, -(-self.m.vocab // self.d.tp)
        if phase == "prefill":
            tokens = (2 * d.max_prefill_tokens if self.overlap else d.max_prefill_tokens) / d.isl  # the prompts' last tokens
        else:
            tokens = 2 * d.decode_batch if self.overlap else d.decode_batch
        for m in whole_counts(tokens):
            self.gemm(phase, "lm-head", m, self.m.hidden, n, "bf16")

    def phase_tokens(self) -> Iterator[Tuple[str, int]]:
        """Tokens of one forward per GPU in each simulated phase: max prefill tokens, decode batch."""
        d = self.d
        if d.mode in ("both", "prefill"):
            yield "prefill", d.max_prefill_tokens
        if d.mode in ("both", "decode"):
            yield "decode", d.decode_batch

    # Collectives (src/sim/comm.ts layoutSteps / timed): each one read from its table unless it crosses nodes.
    def comm(self, phase: str, tokens: int) -> None:
        D, f = self.m.hidden, self.m.ffn
        # a MoE model's layers and its leading dense layers (whose collectives are the tp all-reduces)
        for moe in (True, False) if f.is_moe else (False,):
            before, after = layer_collectives(self.d, D, f.topk, tokens, phase, moe)
            for step, collectives in (("comm-before", before), ("comm-after", after)):
                for c in collectives:
                    if not c.inter_node:
                        self.collective(c, phase, step, tokens)

    def collective(self, c: Collective, phase: str, step: str, tokens: int) -> None:
        shape = {"num_gpus": c.gpus, "message_bytes": c.nbytes}
        if c.op.startswith("deepep_"):  # what the DeepEP kernels route
            shape.update(tokens=tokens, hidden_size=self.m.hidden, topk=self.m.ffn.topk, num_experts=self.m.ffn.experts)
        dtype = "fp8" if c.op.endswith("_dispatch") else "bf16"
        self.out.add(PlanItem(c.op, None, dtype, None, shape, comm_table(self.gpu, c.op), "lookup"), self.use(phase, step))


def lookups(raw_config: Dict, source: str, deployments: Sequence[Deployment], gpu_key: str,
            profiles: Sequence[str] = PROFILES) -> List[PlanItem]:
    """The exact queries the simulator makes for these deployments, under the given profiles."""
    out = Collector()
    quant = load_quant_config(source) if source.endswith(".json") else None
    for profile in profiles:
        model = read_model(raw_config, source, published=SWITCHES[profile].published_configs, quant_config=quant)
        for d in deployments:
            _Lookups(out, model, d, gpu_key, profile).run()
    return list(out.items.values())
