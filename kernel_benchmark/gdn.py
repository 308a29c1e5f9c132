"""Gated DeltaNet (Qwen3-Next linear attention) kernels; measured only when fla is importable.

Shapes use the model's full head counts, as the simulator's GDN tables do.
Query/key heads are repeated to the value heads before the kernel, as the
Qwen3-Next layer does. Decode parts: conv (causal_conv1d_update) and
gdn_update (fla fused_recurrent_gated_delta_rule over one token). Prefill parts:
conv (causal_conv1d_fn) and the chunked kernel, split by kernel name with
torch.profiler into kkt, tril, wu, chunk_gdn, chunk_o (other: cumsum, norms)
and scaled to the chunk call's CUDA-event time; without the profiler the whole
chunked call is one part, chunk_gdn. latency_us is the sum of the parts.
"""
from __future__ import annotations

from typing import Dict

from common import Ctx, Skip, parts_measurement
from items import PlanItem
from records import Measurement
from timing import profile_kernel_times, sum_timings

# fla Triton kernel name fragments -> the part names of the reference GDN tables
PREFILL_KERNEL_PARTS = [
    ("kkt", "kkt"),
    ("solve_tril", "tril"),
    ("tril", "tril"),
    ("inverse", "tril"),
    ("recompute_w_u", "wu"),
    ("w_u", "wu"),
    ("fwd_kernel_h", "chunk_gdn"),
    ("delta_h", "chunk_gdn"),
    ("fwd_h", "chunk_gdn"),
    ("kernel_o", "chunk_o"),
    ("fwd_o", "chunk_o"),
]


def part_of_kernel(name: str) -> str:
    low = name.lower()
    for fragment, part in PREFILL_KERNEL_PARTS:
        if fragment in low:
            return part
    return "other"


def split_by_kernels(kernel_us: Dict[str, float], total_us: float) -> Dict[str, float]:
    """Profiler kernel times grouped into parts, scaled so that the parts sum to total_us."""
    grouped: Dict[str, float] = {}
    for name, us in kernel_us.items():
        part = part_of_kernel(name)
        grouped[part] = grouped.get(part, 0.0) + us
    profiled = sum(grouped.values())
    if profiled <= 0:
        return {"chunk_gdn": total_us}
    return {part: total_us * us / profiled for part, us in grouped.items()}


def measure(item: PlanItem, ctx: Ctx) -> Measurement:
    if not ctx.is_cuda():
        raise Skip("GDN kernels need a GPU")
    if not ctx.backends.has("fla"):
        raise Skip("GDN kernels need fla (flash-linear-attention), which is not installed")
    s = item.shape
    dims = (s["conv_kernel"], s["key_heads"], s["key_head_dim"], s["value_heads"], s["value_head_dim"])
    if item.phase == "decode":
        return _decode(ctx, s["batchsize"], *dims)
    return _prefill(ctx, s["seq_len"], *dims)


def _load_fla(ctx: Ctx) -> None:
    if ctx.backends.load("fla") is None:
        raise Skip("fla is installed but failed to import")


def _conv_channels(kh: int, kd: int, vh: int, vd: int) -> int:
    return 2 * kh * kd + vh * vd


def conv_library(ctx: Ctx):
    """causal_conv1d's module when it is installed, allowed and imports (a build for another torch or CUDA
    fails on import); None means the depthwise-convolution PyTorch path."""
    return ctx.backends.load("causal_conv1d") if ctx.backends.has("causal_conv1d") else None


def _inputs(ctx: Ctx, batch: int, seq: int, kd: int, vh: int, vd: int):
    torch = ctx.torch
    q = torch.nn.functional.normalize(ctx.randn(batch, seq, vh, kd).float(), dim=-1).to(ctx.bf16)
    k = torch.nn.functional.normalize(ctx.randn(batch, seq, vh, kd).float(), dim=-1).to(ctx.bf16)
    v = ctx.randn(batch, seq, vh, vd)
    g = torch.nn.functional.logsigmoid(torch.randn(batch, seq, vh, device=ctx.device, dtype=torch.float32))
    beta = torch.rand(batch, seq, vh, device=ctx.device, dtype=torch.float32).sigmoid().to(ctx.bf16)
    return q, k, v, g, beta


def decode_conv(ctx: Ctx, cc, batch: int, channels: int, ck: int):
    """One token's causal convolution update over the rolling state: causal_conv1d_update, or PyTorch."""
    torch = ctx.torch

    def make():
        x, weight = ctx.randn(batch, channels), ctx.randn(channels, ck)
        if cc is not None:
            state = ctx.randn(batch, channels, ck)
            return lambda: cc.causal_conv1d_update(x, state, weight, None, "silu")
        state = ctx.randn(batch, channels, ck - 1)

        def conv():
            window = torch.cat([state, x.unsqueeze(-1)], dim=-1)
            return torch.nn.functional.silu((window * weight).sum(-1))
        return conv

    return make


def prefill_conv(ctx: Ctx, cc, seq: int, channels: int, ck: int):
    torch = ctx.torch

    def make():
        x, weight = ctx.randn(1, channels, seq), ctx.randn(channels, ck)
        if cc is not None:
            return lambda: cc.causal_conv1d_fn(x, weight, None, activation="silu")
        w3 = weight.unsqueeze(1)
        F = torch.nn.functional
        return lambda: F.silu(F.conv1d(F.pad(x, (ck - 1, 0)), w3, groups=channels))

    return make


def _backend(cc) -> str:
    return f"fla+{'causal_conv1d' if cc is not None else 'torch-conv'}"


def _decode(ctx: Ctx, batch: int, ck: int, kh: int, kd: int, vh: int, vd: int) -> Measurement:
    torch = ctx.torch
    _load_fla(ctx)
    from fla.ops.gated_delta_rule import fused_recurrent_gated_delta_rule

    cc = conv_library(ctx)

    def update():
        q, k, v, g, beta = _inputs(ctx, batch, 1, kd, vh, vd)
        h0 = torch.zeros(batch, vh, kd, vd, device=ctx.device, dtype=torch.float32)
        return lambda: fused_recurrent_gated_delta_rule(q, k, v, g=g, beta=beta, initial_state=h0, output_final_state=True)

    setups = {"conv": decode_conv(ctx, cc, batch, _conv_channels(kh, kd, vh, vd), ck), "gdn_update": update}
    return parts_measurement(ctx, setups, _backend(cc), "fla")


def _prefill(ctx: Ctx, seq: int, ck: int, kh: int, kd: int, vh: int, vd: int) -> Measurement:
    _load_fla(ctx)
    from fla.ops.gated_delta_rule import chunk_gated_delta_rule

    cc = conv_library(ctx)

    def chunk():
        q, k, v, g, beta = _inputs(ctx, 1, seq, kd, vh, vd)
        return lambda: chunk_gated_delta_rule(q, k, v, g=g, beta=beta, output_final_state=True)

    conv_t = ctx.timer.time(prefill_conv(ctx, cc, seq, _conv_channels(kh, kd, vh, vd), ck))
    chunk_t = ctx.timer.time(chunk)
    kernels = profile_kernel_times(chunk())
    parts = {"conv": conv_t.median_us}
    parts.update(split_by_kernels(kernels, chunk_t.median_us) if kernels else {"chunk_gdn": chunk_t.median_us})
    total = sum_timings({"conv": conv_t, "chunk": chunk_t})
    return Measurement(total.median_us, total.stats(), _backend(cc), parts, "fla", ctx.backends.version("fla"))
