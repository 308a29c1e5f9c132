"""Dense GEMM y = x W^T with x [m, k] and W [n, k] (an nn.Linear), in bf16 or fp8.

bf16: torch.matmul (cuBLAS). fp8 (fp8.py): one scaling recipe per run, the
activation quantised inside the timed call:
- block: DeepGEMM (scales prepared once in the layout it reads), else
  sgl-kernel's blockwise GEMM; nothing else runs this recipe.
- channel: sgl-kernel fp8_scaled_mm, else torch._scaled_mm with row-wise scales.
- tensor: torch._scaled_mm with per-tensor scales.

    python3 kernel_benchmark/gemm.py --model qwen3-8b --gpu H20    (= run.py --kernels gemm)
"""
from __future__ import annotations

from common import Ctx, Skip, labelled, run_first
from fp8 import BLOCK, ActQuant, deepgemm_scale_layout, require_fp8
from items import PlanItem
from records import Measurement


def measure(item: PlanItem, ctx: Ctx) -> Measurement:
    m, k, n = item.shape["m"], item.shape["k"], item.shape["n"]
    if item.dtype == "bf16":
        return run_first(ctx, [("torch", lambda: _bf16(ctx, m, k, n))], f"bf16 GEMM {m}x{k}x{n}")
    if item.dtype == "fp8":
        require_fp8(ctx)
        recipe = ctx.options.fp8_recipe
        attempts = [(name, (lambda f=f: f(ctx, m, k, n))) for name, f in FP8_BACKENDS[recipe]]
        return run_first(ctx, attempts, f"fp8 GEMM with {recipe} scales {m}x{k}x{n}", {"fp8_recipe": recipe})
    raise Skip(f"GEMM dtype {item.dtype} is not measured by this script")


def _bf16(ctx: Ctx, m: int, k: int, n: int):
    torch = ctx.torch
    x, w = ctx.randn(m, k), ctx.randn(n, k)
    wt = w.t()
    return labelled(lambda: torch.matmul(x, wt), "torch")


def _backend(name: str, quant: ActQuant) -> str:
    return f"{name}+{quant.label}"


def deepgemm_block(ctx: Ctx, m: int, k: int, n: int):
    torch = ctx.torch
    dg = ctx.backends.load("deepgemm")
    if dg is None:
        raise RuntimeError("import failed")
    gemm = getattr(dg, "fp8_gemm_nt", None) or getattr(dg, "gemm_fp8_fp8_bf16_nt")
    blackwell = torch.cuda.get_device_properties(torch.cuda.current_device()).major >= 10
    quant = ActQuant(ctx, m, k, "block", scales_column_major=True)
    w = ctx.to_fp8(ctx.randn(n, k))
    w_scale = torch.ones((n + BLOCK - 1) // BLOCK, (k + BLOCK - 1) // BLOCK, device=ctx.device, dtype=torch.float32)
    w_scale, layout = deepgemm_scale_layout(dg, w_scale, n, k, is_activation=False, blackwell=blackwell)
    if not ctx.options.act_quant:
        quant.s, _ = deepgemm_scale_layout(dg, quant.s, m, k, is_activation=True, blackwell=blackwell)
    out = torch.empty(m, n, device=ctx.device, dtype=torch.bfloat16)
    fn = lambda: gemm(quant.operands(), (w, w_scale), out)  # noqa: E731
    fn.env = {"deepgemm_scale_layout": layout}
    return labelled(fn, _backend("deepgemm", quant))


def sgl_block(ctx: Ctx, m: int, k: int, n: int):
    torch = ctx.torch
    sk = ctx.backends.load("sgl-kernel")
    quant = ActQuant(ctx, m, k, "block", scales_column_major=True)
    w = ctx.to_fp8(ctx.randn(n, k)).t()
    w_scale = torch.ones((k + BLOCK - 1) // BLOCK, (n + BLOCK - 1) // BLOCK, device=ctx.device, dtype=torch.float32).t()
    return labelled(lambda: sk.fp8_blockwise_scaled_mm(*_pair(quant.operands(), (w, w_scale)), torch.bfloat16), _backend("sgl-kernel", quant))


def sgl_channel(ctx: Ctx, m: int, k: int, n: int):
    torch = ctx.torch
    sk = ctx.backends.load("sgl-kernel")
    quant = ActQuant(ctx, m, k, "channel")
    w = ctx.to_fp8(ctx.randn(n, k)).t()
    w_scale = torch.ones(n, 1, device=ctx.device, dtype=torch.float32)
    return labelled(lambda: sk.fp8_scaled_mm(*_pair(quant.operands(), (w, w_scale)), torch.bfloat16), _backend("sgl-kernel", quant))


def _pair(a, b):
    """(a, a_scale), (b, b_scale) -> a, b, a_scale, b_scale: the argument order of the scaled-mm APIs."""
    return a[0], b[0], a[1], b[1]


def _pad16(v: int) -> int:
    return (v + 15) // 16 * 16


def torch_scaled_mm(ctx: Ctx, m: int, k: int, n: int, recipe: str):
    torch = ctx.torch
    if not hasattr(torch, "_scaled_mm"):
        raise Skip(f"torch {torch.__version__} has no _scaled_mm and no fp8 GEMM library for {recipe} scales is installed")
    kp, np_ = _pad16(k), _pad16(n)
    quant = ActQuant(ctx, m, kp, recipe)
    w = ctx.to_fp8(ctx.randn(np_, kp)).t()  # column-major [k, n], as _scaled_mm wants
    f32 = dict(device=ctx.device, dtype=torch.float32)
    w_scale = torch.ones(1, np_, **f32) if recipe == "channel" else torch.ones((), **f32)

    def fn():
        q, s = quant.operands()
        out = torch._scaled_mm(q, w, scale_a=s, scale_b=w_scale, out_dtype=torch.bfloat16)
        return out[0] if isinstance(out, tuple) else out

    padded = "(padded to 16)" if (kp, np_) != (k, n) else ""
    return labelled(fn, _backend(f"torch._scaled_mm{'-rowwise' if recipe == 'channel' else ''}{padded}", quant))


FP8_BACKENDS = {
    "block": [("deepgemm", deepgemm_block), ("sgl-kernel", sgl_block)],
    "channel": [("sgl-kernel", sgl_channel), ("torch", lambda ctx, m, k, n: torch_scaled_mm(ctx, m, k, n, "channel"))],
    "tensor": [("torch", lambda ctx, m, k, n: torch_scaled_mm(ctx, m, k, n, "tensor"))],
}


if __name__ == "__main__":
    import sys

    from run import main_for_kernels

    sys.exit(main_for_kernels(("gemm",)))
