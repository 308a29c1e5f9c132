"""Dense GEMM y = x W^T with x [m, k] and W [n, k] (an nn.Linear), in bf16 or fp8.

bf16: torch.matmul (cuBLAS). fp8: DeepGEMM (block scales) or sgl-kernel
(per-token/per-channel scales) when importable, else torch._scaled_mm with
per-tensor scales.
"""
from __future__ import annotations

from common import Ctx, Skip
from items import PlanItem
from records import Measurement


def measure(item: PlanItem, ctx: Ctx) -> Measurement:
    m, k, n = item.shape["m"], item.shape["k"], item.shape["n"]
    if item.dtype == "bf16":
        return _bf16(ctx, m, k, n)
    if item.dtype == "fp8":
        return _fp8(ctx, m, k, n)
    raise Skip(f"GEMM dtype {item.dtype} is not measured by this script")


def _bf16(ctx: Ctx, m: int, k: int, n: int) -> Measurement:
    torch = ctx.torch
    x = ctx.randn(m, k)
    w = ctx.randn(n, k)
    wt = w.t()
    t = ctx.timer.time(lambda: torch.matmul(x, wt))
    return Measurement(t.median_us, t.stats(), "torch")


def _fp8(ctx: Ctx, m: int, k: int, n: int) -> Measurement:
    if not ctx.is_cuda():
        raise Skip("fp8 GEMMs need a GPU")
    for name, attempt in (("deepgemm", _deepgemm), ("sgl-kernel", _sgl_kernel)):
        if ctx.backends.has(name):
            try:
                fn = attempt(ctx, m, k, n)
                fn()
                t = ctx.timer.time(fn)
                return Measurement(t.median_us, t.stats(), name, library=name, library_version=ctx.backends.version(name))
            except Skip:
                raise
            except Exception as e:  # API differences between library versions, unsupported shapes
                ctx.backends.fail(name, e)
    return _torch_scaled_mm(ctx, m, k, n)


def _pad16(v: int) -> int:
    return (v + 15) // 16 * 16


def _torch_scaled_mm(ctx: Ctx, m: int, k: int, n: int) -> Measurement:
    torch = ctx.torch
    if not hasattr(torch, "_scaled_mm"):
        raise Skip(f"torch {torch.__version__} has no _scaled_mm and no fp8 GEMM library is installed")
    kp, np_ = _pad16(k), _pad16(n)
    a = ctx.to_fp8(ctx.randn(m, kp))
    b = ctx.to_fp8(ctx.randn(np_, kp)).t()  # column-major [k, n], as _scaled_mm wants
    one = torch.ones((), device=ctx.device, dtype=torch.float32)

    def fn():
        out = torch._scaled_mm(a, b, scale_a=one, scale_b=one, out_dtype=torch.bfloat16)
        return out[0] if isinstance(out, tuple) else out

    try:
        fn()
    except Exception as e:
        raise Skip(f"torch._scaled_mm failed ({type(e).__name__}: {str(e).splitlines()[0][:160]})") from None
    t = ctx.timer.time(fn)
    backend = "torch._scaled_mm" + ("(padded to 16)" if (kp, np_) != (k, n) else "")
    return Measurement(t.median_us, t.stats(), backend)


def _deepgemm(ctx: Ctx, m: int, k: int, n: int):
    torch = ctx.torch
    dg = ctx.backends.load("deepgemm")
    if dg is None:
        raise RuntimeError("import failed")
    a = ctx.to_fp8(ctx.randn(m, k))
    b = ctx.to_fp8(ctx.randn(n, k))
    a_scale = torch.ones(m, (k + 127) // 128, device=ctx.device, dtype=torch.float32)
    b_scale = torch.ones((n + 127) // 128, (k + 127) // 128, device=ctx.device, dtype=torch.float32)
    if hasattr(dg, "get_col_major_tma_aligned_tensor"):
        a_scale = dg.get_col_major_tma_aligned_tensor(a_scale)
    out = torch.empty(m, n, device=ctx.device, dtype=torch.bfloat16)
    gemm = getattr(dg, "fp8_gemm_nt", None) or getattr(dg, "gemm_fp8_fp8_bf16_nt")
    return lambda: gemm((a, a_scale), (b, b_scale), out)


def _sgl_kernel(ctx: Ctx, m: int, k: int, n: int):
    torch = ctx.torch
    sk = ctx.backends.load("sgl-kernel")
    if sk is None:
        raise RuntimeError("import failed")
    a = ctx.to_fp8(ctx.randn(m, k))
    b = ctx.to_fp8(ctx.randn(n, k)).t()
    sa = torch.ones(m, 1, device=ctx.device, dtype=torch.float32)
    sb = torch.ones(n, 1, device=ctx.device, dtype=torch.float32)
    return lambda: sk.fp8_scaled_mm(a, b, sa, sb, torch.bfloat16)
