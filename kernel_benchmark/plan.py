"""Which kernel shapes to measure for one model and deployment (pure Python, no torch).

`lookups()` (lookups.py) lists exactly the queries the simulator makes under
both profiles; `build_plan()` adds a grid around each one (powers of two in
m, batch, kv_len, seq_len and message size, plus the GEMM tile steps) so the
default profile can interpolate. Every item names the table it feeds, whether
it is an exact lookup or a grid point, and which simulator steps ask for it.
"""
from __future__ import annotations

import math
from typing import Dict, Iterable, List, Sequence

from items import COMM_KERNELS, DEEPEP_KERNELS, KERNEL_GROUPS, KERNELS, PROFILES, Collector, Deployment, PlanItem  # noqa: F401
from lookups import gemm_table, grouped_gemm_table, lookups, tokens_per_expert  # noqa: F401

# GEMM m: powers of two, plus the steps of 16- and 128-row tiles (a kernel pays for a whole tile
# from m = 16j + 1 on, so the latency jumps just past 16, 32, 48, 64, 128, 256).
GEMM_M_GRID = sorted({2**i for i in range(0, 15)} | {17, 33, 48, 49, 65, 129, 257})  # 1 .. 16384
DECODE_BATCH_GRID = [2**i for i in range(0, 10)]  # 1 .. 512
DECODE_KV_GRID = [2**i for i in range(10, 18)]  # 1024 .. 131072
PREFILL_SEQ_GRID = [2**i for i in range(9, 16)]  # 512 .. 32768
MOE_DECODE_GRID = [2**i for i in range(0, 11)]  # 1 .. 1024
MOE_PREFILL_GRID = [2**i for i in range(8, 16)]  # 256 .. 32768
GDN_DECODE_GRID = DECODE_BATCH_GRID
GDN_PREFILL_GRID = PREFILL_SEQ_GRID
COMM_BYTES_GRID = [2**i for i in range(10, 31, 2)]  # 1 KiB .. 1 GiB
DEEPEP_LL_TOKENS_GRID = [2**i for i in range(0, 10)]  # 1 .. 512 tokens per GPU (decode)
DEEPEP_NORMAL_TOKENS_GRID = [2**i for i in range(7, 15)]  # 128 .. 16384 tokens per GPU (prefill)


def _with(values: Iterable[int], exact: int) -> List[int]:
    return sorted(set(values) | {exact})


def kv_bytes_per_token(item: PlanItem) -> int:
    s, b = item.shape, (1 if item.kv_dtype == "fp8" else 2)
    if item.kernel == "mla":
        return (s["kv_lora_rank"] + s["qk_rope_head_dim"]) * b
    return 2 * s["kv_heads"] * s["head_dim"] * b


def deepep_bytes(kernel: str, tokens: int, topk: int, hidden: int) -> int:
    """DeepEP payload one GPU sends: fp8 tokens to dispatch, bf16 to combine (as lookups.py plans it)."""
    return tokens * topk * hidden * (2 if kernel.endswith("combine") else 1)


def comm_shapes(item: PlanItem, gpu_counts: Sequence[int], sizes: Sequence[int]) -> List[Dict[str, int]]:
    """Comm rows at these GPU counts and sizes: message bytes, or for DeepEP tokens per GPU."""
    s = item.shape
    if item.kernel in DEEPEP_KERNELS:
        return [{**s, "num_gpus": g, "tokens": t, "message_bytes": deepep_bytes(item.kernel, t, s["topk"], s["hidden_size"])}
                for g in gpu_counts for t in sizes]
    return [{**s, "num_gpus": g, "message_bytes": n} for g in gpu_counts for n in sizes]


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
    elif k in COMM_KERNELS:
        gpus = _with([2**i for i in range(1, 16) if 2**i <= s["num_gpus"]], s["num_gpus"])
        if k in DEEPEP_KERNELS:
            grid = DEEPEP_LL_TOKENS_GRID if "_ll_" in k else DEEPEP_NORMAL_TOKENS_GRID
            out = comm_shapes(item, gpus, _with(grid, s["tokens"]))
        else:
            out = comm_shapes(item, gpus, _with(COMM_BYTES_GRID, s["message_bytes"]))
    return [shape for shape in out if shape != s]


def comm_neighbour(item: PlanItem) -> Dict[str, int]:
    """The simulator reads a collective off a curve of at least two sizes per GPU count: the size twice as large."""
    s = item.shape
    size = s["tokens"] * 2 if item.kernel in DEEPEP_KERNELS else s["message_bytes"] * 2
    return comm_shapes(item, [s["num_gpus"]], [size])[0]


def build_plan(raw_config: Dict, source: str, deployments: Sequence[Deployment], gpu_key: str,
               profiles: Sequence[str] = PROFILES, kernels: Sequence[str] = KERNELS, grid: bool = True,
               max_kv_gib: float = 16.0, extra_gemm_dtypes: Sequence[str] = (), extra_kv_dtypes: Sequence[str] = ()) -> List[PlanItem]:
    """Lookups plus (optionally) their grid, filtered to `kernels`, in a stable order."""
    out = Collector()
    for item in lookups(raw_config, source, deployments, gpu_key, profiles):
        if item.kernel not in kernels:
            continue
        for variant in _dtype_variants(item, gpu_key, extra_gemm_dtypes, extra_kv_dtypes):
            out.add(variant)
    max_kv_bytes = int(max_kv_gib * 1024**3)
    for item in list(out.items.values()):
        if item.role != "lookup":
            continue
        shapes = grid_shapes(item, max_kv_bytes) if grid else [comm_neighbour(item)] if item.kernel in COMM_KERNELS else []
        for shape in shapes:
            out.add(PlanItem(item.kernel, item.phase, item.dtype, item.kv_dtype, shape, item.table, "grid"))
    return sorted(out.items.values(), key=_order)


def limit_items(items: Sequence[PlanItem], limit: int) -> List[PlanItem]:
    """The first `limit` items for a smoke run: lookups before grid points, taken in turn from each kernel, so a
    small limit still reaches every kernel (collectives included); the plan's order is kept."""
    queues: Dict[str, List[PlanItem]] = {}
    for role in ("lookup", "grid"):
        for it in items:
            if it.role == role:
                queues.setdefault(f"{role} {it.kernel}", []).append(it)
    chosen: set = set()
    while len(chosen) < min(limit, len(items)):
        for q in queues.values():
            if q and len(chosen) < limit:
                chosen.add(id(q.pop(0)))
        queues = {k: q for k, q in queues.items() if q}
        if not queues:
            break
    return [it for it in items if id(it) in chosen]


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
    return (KERNELS.index(item.kernel), item.phase or "", item.table, item.dtype, item.kv_dtype or "", tuple(item.key()[4]))


def default_decode_batch(target_tgs: float, target_tpot_ms: float) -> int:
    return int(math.ceil(target_tgs * target_tpot_ms / 1000))
