"""What a plan is made of: the deployment, one planned measurement, and the kernel names (pure Python, no torch)."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Dict, Optional, Tuple

from model_config import ModelDims

PROFILES = ("infersim", "default")
DEEPEP_KERNELS = ("deepep_ll_dispatch", "deepep_ll_combine", "deepep_normal_dispatch", "deepep_normal_combine")
# Collectives the simulator reads from comm/<gpu>/<op>.csv. All-to-all is not among them: the simulator runs it
# only across nodes, where it times every collective with the bandwidth formula.
COMM_KERNELS = ("allreduce", "allgather", "reduce_scatter") + DEEPEP_KERNELS
KERNELS = ("gemm", "attention", "mla", "dsa_attn", "dsa_logits", "grouped_gemm", "gdn") + COMM_KERNELS
# --kernels names that stand for several kernels
KERNEL_GROUPS = {"comm": COMM_KERNELS, "deepep": DEEPEP_KERNELS, "all": KERNELS}

# Shape keys of a communication table row (comm/<gpu>/<op>.csv); the other shape fields of a comm item
# (tokens, hidden_size, topk, num_experts) only tell the DeepEP kernels what to route.
COMM_KEYS = ("num_gpus", "message_bytes")


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
    tbo: bool = False  # two-batch overlap: a forward carries two micro-batches (LM head of both)
    moe_ep: Optional[int] = None  # --moe-ep: expert-parallel size of the MoE over the world; None = world // tp

    @property
    def replicas(self) -> int:
        """Attention groups of tp GPUs."""
        return self.world_size // self.tp

    @property
    def context(self) -> int:
        """Average decode context c = int(isl + osl/2)."""
        return int(math.floor(self.isl + self.osl / 2))

    def gemm_dtype(self, published: bool, model: ModelDims) -> str:
        """GEMM table dtype (src/sim/weight-format.ts, tables/interpolate/lookup.ts): fp8 weights read the fp8 tables, and so
        does nvfp4 (its own nvfp4 table first, which the benchmark does not measure); int4 and mxfp4 (weight-only) read bf16."""
        fmt = self.weight_format or ("fp8" if self.fp8_gemm else None)
        if fmt is None:
            fmt = model.shipped_quant if published and model.shipped_quant else "bf16"
        return "fp8" if fmt in ("fp8", "nvfp4") else "bf16"

    @property
    def kv_dtype(self) -> str:
        return "fp8" if self.fp8_kv else "bf16"


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
        """What tells two items apart: the table row they fill (comm rows are keyed by GPUs and bytes only)."""
        shape = {k: self.shape[k] for k in COMM_KEYS} if self.kernel in COMM_KERNELS else self.shape
        return (self.kernel, self.phase or "", self.dtype, self.kv_dtype or "", tuple(sorted(shape.items())))

    def key_text(self) -> str:
        """The key as one string, for resume files and logs."""
        k = self.key()
        return "|".join([k[0], k[1], k[2], k[3], ",".join(f"{a}={b}" for a, b in k[4])])

    def head(self, gpu: str) -> Dict:
        """The fields a plan record and a measurement record share: kernel, phase, gpu, dtypes, shape."""
        rec: Dict = {"kernel": self.kernel}
        if self.phase:
            rec["phase"] = self.phase
        rec["gpu"] = gpu
        rec["dtype"] = self.dtype
        if self.kv_dtype:
            rec["kv_dtype"] = self.kv_dtype
        rec["shape"] = dict(self.shape)
        return rec

    def to_json(self, gpu: str) -> Dict:
        rec = {"planned": True, **self.head(gpu)}
        rec["table"] = self.table
        rec["role"] = self.role
        if self.uses:
            rec["uses"] = sorted(self.uses)
        return rec


class Collector:
    """Plan items by key: a shape asked for twice is measured once, with every use it serves."""

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
