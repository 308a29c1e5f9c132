"""MoE grouped GEMM on one GPU: up (gate+up, [t, D] x [D, 2I]) and down ([t, I] x [I, D]) over its local experts.

Tokens per local expert come from the routing (routing.py: balanced by
default, or uniform / power-law). Backends, first that works:
- DeepGEMM, the kernels the reference tables were measured with: the
  contiguous layout in prefill (experts' tokens back to back, each padded to
  the kernel's block), the masked layout in decode (one padded slab per
  expert, as DeepEP's low-latency dispatch hands them over); bf16 or fp8
  (128x128 block scales; the activations arrive quantised, as DeepEP
  dispatches them in fp8).
- a fused MoE kernel (SGLang's or vLLM's Triton fused_experts): one call
  for up, activation and down; its time is split into the up and down parts
  by their FLOPs (2:1), which the record says.
- torch._grouped_mm / torch._scaled_grouped_mm (torch >= 2.8).
- torch.bmm over experts padded to the largest group (bf16), or a loop of
  torch._scaled_mm per expert (fp8 with per-tensor scales): many launches,
  which the default CUDA-graph timing does not count against them.
Parts: up_proj_us and down_proj_us; latency_us is their sum.
"""
from __future__ import annotations

from typing import Callable, List, Tuple

from common import Ctx, Skip, build, parts_measurement, primed
from fp8 import BLOCK, align, column_major_scales, require_fp8
from items import PlanItem
from records import Measurement
from routing import describe, gpu_expert_loads
from timing import Setup, Timing, sum_timings

DEFAULT_ALIGNMENT = 128


def loads_of(item: PlanItem, ctx: Ctx) -> List[int]:
    s = item.shape
    tokens = s.get("batch_size_per_gpu", s.get("seq_len_per_gpu", 0))
    o = ctx.options
    return gpu_expert_loads(o.moe_routing, tokens, s["topk"], s["num_experts"], s["num_local_experts"], o.power_law_alpha, o.seed)


def measure(item: PlanItem, ctx: Ctx) -> Measurement:
    s = item.shape
    loads = loads_of(item, ctx)
    if not loads:
        raise Skip("no token reaches this GPU's experts")
    d, inter = s["hidden_size"], s["intermediate_size"]
    fp8 = item.dtype == "fp8"
    if fp8:
        require_fp8(ctx)
    elif item.dtype != "bf16":
        raise Skip(f"grouped GEMM dtype {item.dtype} is not measured by this script")
    env = {"moe_routing": describe(ctx.options.moe_routing, ctx.options.power_law_alpha, ctx.options.seed)}
    if fp8:
        env["fp8_recipe"] = ctx.options.fp8_recipe
    skipped = []
    for name, make in backends_for(fp8, item.phase, ctx.options.fp8_recipe):
        if name != "torch" and not ctx.backends.has(name):
            continue
        try:
            up, down, label, extra = make(ctx, loads, d, inter, fp8)
        except Skip as e:
            skipped.append(str(e))
            continue
        except Exception as e:  # API differences between library versions, unsupported shapes
            if name == "torch":
                raise
            ctx.backends.fail(name, e)
            continue
        library = None if name == "torch" else name
        if isinstance(up, Timing):  # a fused call, already timed and split
            total = sum_timings({"up_proj_us": up, "down_proj_us": down})
            return Measurement(total.median_us, total.stats(), label, {"up_proj_us": up.median_us, "down_proj_us": down.median_us},
                               library, ctx.backends.version(library) if library else None, {**env, **extra})
        return parts_measurement(ctx, {"up_proj_us": up, "down_proj_us": down}, label, library, {**env, **extra})
    raise Skip(f"no backend can run a {item.dtype} grouped GEMM" + (f" ({'; '.join(skipped)})" if skipped else ""))


def backends_for(fp8: bool, phase: str, recipe: str) -> List[Tuple[str, Callable]]:
    """Backends in the order tried: what engines run first, PyTorch last."""
    deepgemm = deepgemm_masked if phase == "decode" else deepgemm_contiguous
    if not fp8:
        return [("deepgemm", deepgemm), ("sglang", fused_moe), ("vllm", fused_moe), ("torch", torch_grouped_mm), ("torch", torch_bmm)]
    if recipe == "block":
        return [("deepgemm", deepgemm), ("sglang", fused_moe), ("vllm", fused_moe)]
    if recipe == "channel":
        return [("torch", torch_scaled_grouped_mm)]
    return [("torch", torch_scaled_mm_loop)]


def _checked(ctx: Ctx, setup: Setup) -> Setup:
    """Builds and runs the first copy now, so that a failing backend is found before timing."""
    fn = build(ctx, setup)
    fn()
    return primed(fn, setup)


# ---- DeepGEMM ----

def _dg(ctx: Ctx):
    dg = ctx.backends.load("deepgemm")
    if dg is None:
        raise RuntimeError("import failed")
    return dg


def _dg_fn(dg, *names: str):
    for n in names:
        fn = getattr(dg, n, None)
        if fn is not None:
            return fn
    raise AttributeError(f"DeepGEMM has none of {', '.join(names)}")


def _operand(ctx: Ctx, fp8: bool, *shape: int):
    """bf16 values, or fp8 values with per-token 1x128 scales (an activation's, laid out for DeepGEMM)."""
    if not fp8:
        return ctx.randn(*shape)
    *lead, rows, k = shape
    scales = column_major_scales(ctx, rows, (k + BLOCK - 1) // BLOCK) if not lead else \
        ctx.torch.ones(*lead, rows, (k + BLOCK - 1) // BLOCK, device=ctx.device, dtype=ctx.torch.float32)
    return ctx.to_fp8(ctx.randn(*shape)), scales


def _weights(ctx: Ctx, fp8: bool, groups: int, n: int, k: int):
    if not fp8:
        return ctx.randn(groups, n, k)
    scales = ctx.torch.ones(groups, (n + BLOCK - 1) // BLOCK, (k + BLOCK - 1) // BLOCK, device=ctx.device, dtype=ctx.torch.float32)
    return ctx.to_fp8(ctx.randn(groups, n, k)), scales


def deepgemm_contiguous(ctx: Ctx, loads: List[int], d: int, inter: int, fp8: bool):
    """Prefill: every expert's tokens back to back, each group padded to the kernel's M alignment."""
    torch, dg = ctx.torch, _dg(ctx)
    gemm = _dg_fn(dg, "m_grouped_fp8_gemm_nt_contiguous", "m_grouped_gemm_fp8_fp8_bf16_nt_contiguous") if fp8 else \
        _dg_fn(dg, "m_grouped_bf16_gemm_nt_contiguous")
    alignment = _dg_alignment(dg)
    padded = [align(n, alignment) for n in loads]
    rows = sum(padded)

    def setup(n_out: int, k_in: int):
        def make():
            x = _operand(ctx, fp8, rows, k_in)
            w = _weights(ctx, fp8, len(loads), n_out, k_in)
            out = torch.empty(rows, n_out, device=ctx.device, dtype=torch.bfloat16)
            m_indices = torch.empty(rows, device=ctx.device, dtype=torch.int32)
            return lambda: gemm(x, w, out, m_indices)
        return _checked(ctx, make)

    label = f"deepgemm-contiguous({'fp8' if fp8 else 'bf16'})"
    return setup(2 * inter, d), setup(d, inter), label, {"deepgemm_alignment": alignment}


def deepgemm_masked(ctx: Ctx, loads: List[int], d: int, inter: int, fp8: bool):
    """Decode: one slab per expert of the largest load's rows; masked_m says how many rows each holds."""
    torch, dg = ctx.torch, _dg(ctx)
    gemm = _dg_fn(dg, "m_grouped_fp8_gemm_nt_masked", "m_grouped_gemm_fp8_fp8_bf16_nt_masked") if fp8 else \
        _dg_fn(dg, "m_grouped_bf16_gemm_nt_masked")
    groups, max_m = len(loads), align(max(loads), DEFAULT_ALIGNMENT)
    expected = max(1, round(sum(loads) / groups))

    def setup(n_out: int, k_in: int):
        def make():
            x = _operand(ctx, fp8, groups, max_m, k_in)
            w = _weights(ctx, fp8, groups, n_out, k_in)
            out = torch.empty(groups, max_m, n_out, device=ctx.device, dtype=torch.bfloat16)
            masked = torch.tensor(loads, device=ctx.device, dtype=torch.int32)
            return lambda: gemm(x, w, out, masked, expected)
        return _checked(ctx, make)

    return setup(2 * inter, d), setup(d, inter), f"deepgemm-masked({'fp8' if fp8 else 'bf16'})", {}


def _dg_alignment(dg) -> int:
    for name in ("get_mk_alignment_for_contiguous_layout", "get_m_alignment_for_contiguous_layout"):
        for owner in (dg, getattr(dg, "utils", None)):
            fn = getattr(owner, name, None) if owner is not None else None
            if fn is not None:
                return int(fn())
    return DEFAULT_ALIGNMENT


# ---- fused MoE (one call: up, activation, down) ----

FUSED_MODULES = {"sglang": "sglang.srt.layers.moe.fused_moe_triton.fused_moe", "vllm": "vllm.model_executor.layers.fused_moe.fused_moe"}


def fused_moe(ctx: Ctx, loads: List[int], d: int, inter: int, fp8: bool):
    """The whole MoE layer in one call; its time is split into up and down by their FLOPs (2:1)."""
    import importlib

    torch = ctx.torch
    for lib, module in FUSED_MODULES.items():
        if not ctx.backends.has(lib):
            continue
        fused_experts = importlib.import_module(module).fused_experts
        break
    else:
        raise Skip("no fused MoE library")
    groups, tokens = len(loads), sum(loads)

    def make():
        x = ctx.randn(tokens, d)
        w1, w2 = ctx.randn(groups, 2 * inter, d), ctx.randn(groups, d, inter)
        kw = {}
        if fp8:
            w1, w2 = ctx.to_fp8(w1), ctx.to_fp8(w2)
            kw = dict(use_fp8_w8a8=True, block_shape=[BLOCK, BLOCK],
                      w1_scale=torch.ones(groups, (2 * inter + BLOCK - 1) // BLOCK, (d + BLOCK - 1) // BLOCK, device=ctx.device, dtype=torch.float32),
                      w2_scale=torch.ones(groups, (d + BLOCK - 1) // BLOCK, (inter + BLOCK - 1) // BLOCK, device=ctx.device, dtype=torch.float32))
        ids = torch.tensor([e for e, n in enumerate(loads) for _ in range(n)], device=ctx.device, dtype=torch.int32).view(tokens, 1)
        weights = torch.ones(tokens, 1, device=ctx.device, dtype=torch.float32)
        return lambda: fused_experts(x, w1, w2, weights, ids, **kw)

    whole = ctx.timer.time(_checked(ctx, make))
    return share(whole, 2 / 3), share(whole, 1 / 3), f"{lib}-fused_experts", {"moe_parts_split": "one fused call, split 2:1 by FLOPs"}


def share(t: Timing, fraction: float) -> Timing:
    """A part's timing as a fixed share of a whole call's."""
    return Timing([us * fraction for us in t.samples_us], t.warmup, t.timer, dict(t.extra))


# ---- PyTorch ----

def torch_grouped_mm(ctx: Ctx, loads: List[int], d: int, inter: int, fp8: bool):
    torch = ctx.torch
    if not ctx.is_cuda() or not hasattr(torch, "_grouped_mm") or ctx.torch_version() < (2, 8):
        raise Skip(f"torch._grouped_mm needs a GPU and torch >= 2.8 (this is {torch.__version__})")
    groups, pairs = len(loads), sum(loads)

    def setup(n_out: int, k_in: int):
        def make():
            offs = torch.tensor(loads, device=ctx.device, dtype=torch.int32).cumsum(0, dtype=torch.int32)
            x, w = ctx.randn(pairs, k_in), ctx.randn(groups, n_out, k_in).transpose(1, 2)
            return lambda: torch._grouped_mm(x, w, offs=offs)
        return _checked(ctx, make)

    return setup(2 * inter, d), setup(d, inter), "torch._grouped_mm", {}


def torch_bmm(ctx: Ctx, loads: List[int], d: int, inter: int, fp8: bool):
    torch = ctx.torch
    groups, rows = len(loads), max(loads)

    def setup(k_in: int, n_out: int):
        def make():
            x, w = ctx.randn(groups, rows, k_in), ctx.randn(groups, k_in, n_out)
            return lambda: torch.bmm(x, w)
        return make

    label = "torch.bmm" + ("(padded)" if min(loads) != rows else "")
    return setup(d, 2 * inter), setup(inter, d), label, {}


def torch_scaled_grouped_mm(ctx: Ctx, loads: List[int], d: int, inter: int, fp8: bool):
    torch = ctx.torch
    if not hasattr(torch, "_scaled_grouped_mm") or ctx.torch_version() < (2, 8):
        raise Skip(f"fp8 grouped GEMMs with per-token/channel scales need torch._scaled_grouped_mm (torch >= 2.8; this is {torch.__version__})")
    groups, pairs = len(loads), sum(loads)
    f32 = dict(device=ctx.device, dtype=torch.float32)

    def setup(n_out: int, k_in: int):
        def make():
            offs = torch.tensor(loads, device=ctx.device, dtype=torch.int32).cumsum(0, dtype=torch.int32)
            x = ctx.to_fp8(ctx.randn(pairs, k_in))
            w = ctx.to_fp8(ctx.randn(groups, n_out, k_in)).transpose(1, 2)
            sx, sw = torch.ones(pairs, **f32), torch.ones(groups, n_out, **f32)
            return lambda: torch._scaled_grouped_mm(x, w, sx, sw, offs=offs, out_dtype=torch.bfloat16)
        return _checked(ctx, make)

    return setup(2 * inter, d), setup(d, inter), "torch._scaled_grouped_mm", {}


def torch_scaled_mm_loop(ctx: Ctx, loads: List[int], d: int, inter: int, fp8: bool):
    torch = ctx.torch
    if not hasattr(torch, "_scaled_mm"):
        raise Skip(f"torch {torch.__version__} has no fp8 matmul (_scaled_mm)")
    one = torch.ones((), device=ctx.device, dtype=torch.float32)

    def setup(k_in: int, n_out: int):
        def make():
            acts = [ctx.to_fp8(ctx.randn(n, k_in)) for n in loads]
            weights = [ctx.to_fp8(ctx.randn(n_out, k_in)).t() for _ in loads]

            def loop():
                for a, w in zip(acts, weights):
                    torch._scaled_mm(a, w, scale_a=one, scale_b=one, out_dtype=torch.bfloat16)
            return loop
        return _checked(ctx, make)

    return setup(d, 2 * inter), setup(inter, d), "torch._scaled_mm-loop", {}
