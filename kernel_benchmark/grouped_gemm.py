"""MoE grouped GEMM on one GPU: up (gate+up, [t, D] x [D, 2I]) and down ([t, I] x [I, D]) over its local experts.

Routing is taken as balanced: the GPU computes tokens*topk token-expert pairs
spread evenly over its local experts (fewer experts are active when there are
fewer pairs than experts). bf16: torch._grouped_mm when available (one kernel
for uneven groups), else torch.bmm over experts padded to the largest group.
fp8: torch._scaled_grouped_mm, else a loop of torch._scaled_mm per expert.
Parts: up_proj_us and down_proj_us; latency_us is their sum.
"""
from __future__ import annotations

from typing import Callable, List

from common import Ctx, Skip
from items import PlanItem
from records import Measurement, grouped_pairs


def expert_loads(pairs: int, local_experts: int) -> List[int]:
    """Token count of each active local expert under balanced routing."""
    if pairs <= 0:
        return []
    if pairs < local_experts:
        return [1] * pairs
    base, extra = divmod(pairs, local_experts)
    return [base + (1 if i < extra else 0) for i in range(local_experts)]


def measure(item: PlanItem, ctx: Ctx) -> Measurement:
    s = item.shape
    loads = expert_loads(grouped_pairs(item), s["num_local_experts"])
    d, inter = s["hidden_size"], s["intermediate_size"]
    if item.dtype == "bf16":
        up, down, backend = _bf16(ctx, loads, d, inter)
    elif item.dtype == "fp8":
        up, down, backend = _fp8(ctx, loads, d, inter)
    else:
        raise Skip(f"grouped GEMM dtype {item.dtype} is not measured by this script")
    total, parts = ctx.timer.time_parts({"up_proj_us": up, "down_proj_us": down})
    return Measurement(total.median_us, total.stats(), backend, parts={k: t.median_us for k, t in parts.items()})


def _offsets(ctx: Ctx, loads: List[int]):
    torch = ctx.torch
    return torch.tensor(loads, device=ctx.device, dtype=torch.int32).cumsum(0, dtype=torch.int32)


def _bf16(ctx: Ctx, loads: List[int], d: int, inter: int):
    torch = ctx.torch
    g, pairs = len(loads), sum(loads)
    if ctx.is_cuda() and hasattr(torch, "_grouped_mm"):
        try:
            offs = _offsets(ctx, loads)
            x, h = ctx.randn(pairs, d), ctx.randn(pairs, inter)
            w_up = ctx.randn(g, 2 * inter, d).transpose(1, 2)
            w_down = ctx.randn(g, d, inter).transpose(1, 2)
            up: Callable = lambda: torch._grouped_mm(x, w_up, offs=offs)  # noqa: E731
            down: Callable = lambda: torch._grouped_mm(h, w_down, offs=offs)  # noqa: E731
            up(), down()
            return up, down, "torch._grouped_mm"
        except Exception as e:
            ctx.backends.fail("torch._grouped_mm", e)
    rows = max(loads)
    x, h = ctx.randn(g, rows, d), ctx.randn(g, rows, inter)
    w_up, w_down = ctx.randn(g, d, 2 * inter), ctx.randn(g, inter, d)
    return (lambda: torch.bmm(x, w_up)), (lambda: torch.bmm(h, w_down)), "torch.bmm" + ("(padded)" if min(loads) != rows else "")


def _fp8(ctx: Ctx, loads: List[int], d: int, inter: int):
    torch = ctx.torch
    if not ctx.is_cuda():
        raise Skip("fp8 grouped GEMMs need a GPU")
    g, pairs = len(loads), sum(loads)
    f32 = dict(device=ctx.device, dtype=torch.float32)
    if hasattr(torch, "_scaled_grouped_mm"):
        try:
            offs = _offsets(ctx, loads)
            x, h = ctx.to_fp8(ctx.randn(pairs, d)), ctx.to_fp8(ctx.randn(pairs, inter))
            w_up = ctx.to_fp8(ctx.randn(g, 2 * inter, d)).transpose(1, 2)
            w_down = ctx.to_fp8(ctx.randn(g, d, inter)).transpose(1, 2)
            sx, sh = torch.ones(pairs, **f32), torch.ones(pairs, **f32)
            s_up, s_down = torch.ones(g, 2 * inter, **f32), torch.ones(g, d, **f32)
            up = lambda: torch._scaled_grouped_mm(x, w_up, sx, s_up, offs=offs, out_dtype=torch.bfloat16)  # noqa: E731
            down = lambda: torch._scaled_grouped_mm(h, w_down, sh, s_down, offs=offs, out_dtype=torch.bfloat16)  # noqa: E731
            up(), down()
            return up, down, "torch._scaled_grouped_mm"
        except Exception as e:
            ctx.backends.fail("torch._scaled_grouped_mm", e)
    if not hasattr(torch, "_scaled_mm"):
        raise Skip(f"torch {torch.__version__} has no fp8 matmul (_scaled_mm)")
    one = torch.ones((), **f32)
    xs = [ctx.to_fp8(ctx.randn(n, d)) for n in loads]
    hs = [ctx.to_fp8(ctx.randn(n, inter)) for n in loads]
    ups = [ctx.to_fp8(ctx.randn(2 * inter, d)).t() for _ in loads]
    downs = [ctx.to_fp8(ctx.randn(d, inter)).t() for _ in loads]

    def loop(acts, weights):
        for a, w in zip(acts, weights):
            torch._scaled_mm(a, w, scale_a=one, scale_b=one, out_dtype=torch.bfloat16)

    try:
        loop(xs[:1], ups[:1])
    except Exception as e:
        raise Skip(f"torch._scaled_mm failed ({type(e).__name__}: {str(e).splitlines()[0][:160]})") from None
    return (lambda: loop(xs, ups)), (lambda: loop(hs, downs)), "torch._scaled_mm-loop"
