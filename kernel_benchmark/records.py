"""Plan records and measurement records (JSON Lines), and the FLOPs behind a record's MFU.

Pure Python (no torch). A measurement record follows
src/schemas/raw-measurement.schema.json; a plan record (--dry-run) carries the
same kernel/phase/gpu/dtype/kv_dtype/shape fields plus "planned": true,
"table", "role" and "uses", and no latency.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Dict, Optional

from gpu_names import peak_tflops
from items import PlanItem


def kernel_flops(item: PlanItem) -> Optional[float]:
    """FLOPs of one measured call, with the conventions of the reference tables (causal prefill halves)."""
    s, k = item.shape, item.kernel
    if k == "gemm":
        return 2.0 * s["m"] * s["k"] * s["n"]
    if k == "attention" and item.phase == "decode":
        return 4.0 * s["heads"] * s["head_dim"] * s["kv_len"] * s["batch_size"]
    if k == "attention":
        return 4.0 * s["heads"] * s["head_dim"] * s["seq_len"] * s["seq_len"] / 2
    if k == "mla" and item.phase == "decode":
        h, r, rope, kv = s["heads"], s["kv_lora_rank"], s["qk_rope_head_dim"], s["kv_len"]
        return s["batch_size"] * (2.0 * h * (r + rope) * kv + 2.0 * kv * h * r)
    if k == "mla":
        h, n = s["heads"], s["seq_len"]
        return (2.0 * h * (s["qk_nope_head_dim"] + s["qk_rope_head_dim"]) * n + 2.0 * n * h * s["v_head_dim"]) * n / 2
    if k == "grouped_gemm":
        return 6.0 * s["hidden_size"] * s["intermediate_size"] * grouped_pairs(item)
    if k == "dsa_attn":  # top-k keys per query, no causal discount; value width = latent - 64 rope dims
        queries = s["batch_size"] if item.phase == "decode" else s["s_q"]
        return queries * s["heads"] * s["topk"] * 2.0 * (2 * s["head_dim"] - 64)
    if k == "dsa_logits" and item.phase == "decode":
        return 2.0 * s["batchsize"] * s["next_n"] * s["heads"] * s["head_dim"] * s["s_kv"]
    if k == "dsa_logits":  # causal: the s_q new tokens see s_kv - s_q/2 keys on average
        return 2.0 * s["heads"] * s["head_dim"] * s["s_q"] * (s["s_kv"] - s["s_q"] / 2)
    return None


def peak_dtype(item: PlanItem) -> str:
    """Which peak a kernel's MFU divides by: GEMMs and the DSA indexer run in their dtype, attention cores in bf16."""
    return item.dtype if item.kernel in ("gemm", "grouped_gemm", "dsa_logits") else "bf16"


def grouped_pairs(item: PlanItem) -> int:
    """Token-expert pairs one GPU computes: its tokens times topk (balanced routing)."""
    s = item.shape
    tokens = s.get("batch_size_per_gpu", s.get("seq_len_per_gpu", 0))
    return tokens * s["topk"]


@dataclass
class Measurement:
    """What a kernel module returns for one plan item."""

    latency_us: float
    stats: Dict
    backend: str
    parts: Dict[str, float] = field(default_factory=dict)
    library: Optional[str] = None
    library_version: Optional[str] = None
    env: Dict = field(default_factory=dict)  # facts of this record only (fp8 recipe, MoE routing, scale layout)


def plan_record(item: PlanItem, gpu: str) -> Dict:
    return item.to_json(gpu)


def measurement_record(item: PlanItem, gpu: str, m: Measurement, env: Dict, time: Optional[str] = None) -> Dict:
    rec = item.head(gpu)
    parts = {name: round(v, 3) for name, v in m.parts.items() if v > 0}
    if parts:
        rec["parts"] = parts
    rec["latency_us"] = round(m.latency_us, 3)
    mfu = record_mfu(item, gpu, m.latency_us)
    if mfu is not None:
        rec["mfu"] = mfu
    rec["stats"] = m.stats
    rec["backend"] = m.backend
    record_env = {**env, **m.env}
    if m.library:
        record_env["library"] = m.library
        if m.library_version:
            record_env["library_version"] = m.library_version
    rec["env"] = record_env
    rec["time"] = time or now_iso()
    return rec


def record_mfu(item: PlanItem, gpu: str, latency_us: float) -> Optional[float]:
    flops = kernel_flops(item)
    peak = peak_tflops(gpu, peak_dtype(item))
    if flops is None or peak is None or latency_us <= 0:
        return None
    return float(f"{flops / (latency_us * 1e-6) / (peak * 1e12):.6g}")  # significant digits: small-kernel MFUs are tiny


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def to_line(rec: Dict) -> str:
    return json.dumps(rec, separators=(",", ":"))
