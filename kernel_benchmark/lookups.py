"""The simulator's table lookups for one model and deployment, mirrored in Python (no torch).

This module is the one place that follows the simulator's code: src/tables/paths.ts
(which file), src/sim/attention.ts, ffn.ts, dsa.ts, linear.ts (which shape), and
src/sim/phase.ts `commSteps` / `measuredMoeComm` with src/tables/comm-lookup.ts
(which collective table, message size in bytes and GPU count). When the
simulator's lookups change, change them here; plan.py only adds grids around
what this module returns, and test/kernel_benchmark/plan.test.ts checks that
every lookup of a simulation hits a planned row.
"""
from __future__ import annotations

import math
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

from items import PROFILES, Collector, Deployment, PlanItem
from model_config import Mla, ModelDims, load_quant_config, read_model

# Profiles whose simulation times collectives from the measured comm tables (the measuredComm switch, src/profile.ts).
MEASURED_COMM = {"infersim": False, "default": True}


# ---- table paths (src/tables/paths.ts, plus the per-dtype GEMM and the comm tables) ----

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

    def __init__(self, out: Collector, model: ModelDims, d: Deployment, gpu: str, profile: str):
        self.out, self.m, self.d, self.gpu, self.profile = out, model, d, gpu, profile
        self.gemm_dtype = d.gemm_dtype(profile, model)

    def use(self, phase: str, step: str) -> str:
        return f"{self.profile} {phase} {step}"

    def gemm(self, phase: str, step: str, m: int, k: int, n: int) -> None:
        item = PlanItem("gemm", None, self.gemm_dtype, None, {"m": m, "k": k, "n": n}, gemm_table(self.gpu, self.gemm_dtype), "lookup")
        self.out.add(item, self.use(phase, step))

    def run(self) -> None:
        for phase, tokens in self.phase_tokens():
            self.phase(phase, tokens)
        self.comm()

    def phase(self, phase: str, tokens: int) -> None:
        self.attention_core(phase)
        self.attention_projections(phase, tokens)
        if self.m.linear:
            self.linear_attention(phase, tokens)
        self.ffn(phase, tokens)

    # attention cores (src/sim/attention.ts)
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

    def phase_tokens(self) -> Iterator[Tuple[str, int]]:
        """Tokens of one forward per GPU in each simulated phase: max prefill tokens, decode batch."""
        d = self.d
        if d.mode in ("both", "prefill"):
            yield "prefill", d.max_prefill_tokens
        if d.mode in ("both", "decode"):
            yield "decode", d.decode_batch

    # Collectives (src/sim/phase.ts commSteps, measuredMoeComm): looked up only where the profile
    # times them from measured tables and the deployment has more than one GPU.
    def comm(self) -> None:
        d, D, k = self.d, self.m.hidden, self.m.ffn.topk
        if not MEASURED_COMM[self.profile] or d.world_size <= 1:
            return
        for phase, tokens in self.phase_tokens():
            if d.tp > 1:
                self.collective("allreduce", phase, "tp-allreduce", d.tp, tokens * D * 2)
            if d.deepep:
                # DeepEP low-latency kernels in decode, normal kernels in prefill; the payload one GPU
                # sends: tokens x top-k x hidden, fp8 (1 byte) to dispatch, bf16 (2 bytes) to combine.
                mode = "ll" if phase == "decode" else "normal"
                route = {"tokens": tokens, "hidden_size": D, "topk": k, "num_experts": self.m.ffn.experts}
                self.collective(f"deepep_{mode}_dispatch", phase, "comm-before", d.world_size, tokens * k * D, route)
                self.collective(f"deepep_{mode}_combine", phase, "comm-after", d.world_size, tokens * k * D * 2, route)
            elif d.nodes == 1:
                # without DeepEP: an all-reduce of the tokens' bf16 hidden states over the GPUs (one node only)
                self.collective("allreduce", phase, "comm-before", d.world_size, tokens * D * 2)
                self.collective("allreduce", phase, "comm-after", d.world_size, tokens * D * 2)

    def collective(self, op: str, phase: str, step: str, gpus: int, nbytes: int, route: Optional[Dict[str, int]] = None) -> None:
        shape = {"num_gpus": gpus, "message_bytes": nbytes, **(route or {})}
        dtype = "fp8" if op.endswith("_dispatch") else "bf16"
        self.out.add(PlanItem(op, None, dtype, None, shape, comm_table(self.gpu, op), "lookup"), self.use(phase, step))


def lookups(raw_config: Dict, source: str, deployments: Sequence[Deployment], gpu_key: str,
            profiles: Sequence[str] = PROFILES) -> List[PlanItem]:
    """The exact queries the simulator makes for these deployments, under the given profiles."""
    out = Collector()
    quant = load_quant_config(source) if source.endswith(".json") else None
    for profile in profiles:
        model = read_model(raw_config, source, published=(profile == "default"), quant_config=quant)
        for d in deployments:
            _Lookups(out, model, d, gpu_key, profile).run()
    return list(out.items.values())


