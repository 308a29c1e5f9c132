"""FP8 operands for GEMMs: activation quantisation (timed with the GEMM, as an engine runs it) and scale layouts.

Recipes (--fp8-recipe; one per run, so that a table never mixes them):
- block: activations scaled per token per 128 channels (1x128), weights per
  128x128 block: DeepSeek-V3 / Qwen3 FP8 checkpoints, DeepGEMM.
- channel: one scale per token and one per output channel.
- tensor: one scale per tensor (static activation scale).
"""
from __future__ import annotations

from typing import Callable, Optional, Tuple

from common import Ctx, Skip

RECIPES = ("block", "channel", "tensor")
BLOCK = 128
FP8_MAX = 448.0
SCALE_ALIGN = 4  # fp32 scales: TMA wants 16-byte aligned rows


def align(v: int, to: int) -> int:
    return (v + to - 1) // to * to


def column_major_scales(ctx: Ctx, rows: int, groups: int):
    """An fp32 [rows, groups] scale tensor stored column-major with TMA-aligned columns (what DeepGEMM reads on Hopper)."""
    torch = ctx.torch
    return torch.empty(groups, align(rows, SCALE_ALIGN), device=ctx.device, dtype=torch.float32).t()[:rows]


class ActQuant:
    """Turns the bf16 activation x [m, k] into fp8 values and scales inside the timed call.

    `label` names the implementation for the record; with quantisation off (--no-act-quant) the
    operands are quantised once here and the call only hands them over."""

    def __init__(self, ctx: Ctx, m: int, k: int, recipe: str, scales_column_major: bool = False):
        self.ctx, self.m, self.k, self.recipe = ctx, m, k, recipe
        self.x = ctx.randn(m, k)
        self.q = ctx.to_fp8(ctx.randn(m, k))
        self.s = self._scale_buffer(scales_column_major)
        self.kernel, self.label = self._kernel()
        if not ctx.options.act_quant:
            self.kernel()
            self.label = "pre-quantised (not timed)"

    def _scale_buffer(self, column_major: bool):
        torch, m, k = self.ctx.torch, self.m, self.k
        if self.recipe == "block":
            groups = (k + BLOCK - 1) // BLOCK
            return column_major_scales(self.ctx, m, groups) if column_major else torch.empty(m, groups, device=self.ctx.device, dtype=torch.float32)
        if self.recipe == "channel":
            return torch.empty(m, 1, device=self.ctx.device, dtype=torch.float32)
        return torch.ones((), device=self.ctx.device, dtype=torch.float32)

    def _kernel(self) -> Tuple[Callable[[], object], str]:
        ctx, x, q, s = self.ctx, self.x, self.q, self.s
        sk = ctx.backends.load("sgl-kernel") if ctx.backends.has("sgl-kernel") else None
        if self.recipe == "block" and sk is not None and hasattr(sk, "sgl_per_token_group_quant_fp8"):
            return (lambda: sk.sgl_per_token_group_quant_fp8(x, q, s, BLOCK, 1e-10, -FP8_MAX, FP8_MAX)), "sgl-kernel per-token-group quant"
        if self.recipe == "channel" and sk is not None and hasattr(sk, "sgl_per_token_quant_fp8"):
            return (lambda: sk.sgl_per_token_quant_fp8(x, q, s)), "sgl-kernel per-token quant"
        return self._torch_kernel(), "torch quant"

    def _torch_kernel(self) -> Callable[[], object]:
        ctx, x, q, s, m, k = self.ctx, self.x, self.q, self.s, self.m, self.k
        fp8 = ctx.fp8()
        if self.recipe == "tensor":
            inv = 1.0 / FP8_MAX
            return lambda: q.copy_((x * inv).to(fp8))
        groups = (k // BLOCK) if self.recipe == "block" and k % BLOCK == 0 else 1
        width = k // groups

        def quant():
            g = x.view(m, groups, width)
            scale = g.abs().amax(-1, keepdim=True).float().clamp(1e-10) / FP8_MAX
            q.copy_((g / scale).to(fp8).view(m, k))
            s.copy_(scale.view(s.shape) if groups > 1 or self.recipe == "channel" else scale.view(m, 1).expand(*s.shape))

        return quant

    def operands(self) -> Tuple[object, object]:
        if self.ctx.options.act_quant:
            self.kernel()
        return self.q, self.s


def deepgemm_scale_layout(dg, sf, mn: int, k: int, is_activation: bool, blackwell: bool) -> Tuple[object, str]:
    """Scales in the layout DeepGEMM's kernels read, prepared once (outside the timed call).

    DeepGEMM 2.x transforms scales it is handed in another layout inside every GEMM call; handing it
    the required layout avoids timing that transform. Which helper exists depends on the version."""
    recipe = (1, BLOCK, BLOCK)
    transform = getattr(dg, "transform_sf_into_required_layout", None)
    if transform is not None:
        for kwargs in ({"recipe": recipe, "num_groups": None, "is_sfa": is_activation},
                       {"recipe": recipe, "is_sfa": is_activation}):
            try:
                return transform(sf, mn=mn, k=k, **kwargs), "transform_sf_into_required_layout"
            except TypeError:
                continue
    for name in (("get_mn_major_tma_aligned_packed_ue8m0_tensor",) if blackwell else ()) + (
            "get_mn_major_tma_aligned_tensor", "get_col_major_tma_aligned_tensor"):
        for owner in (dg, getattr(dg, "utils", None)):
            helper = getattr(owner, name, None) if owner is not None else None
            if helper is not None:
                return helper(sf), name
    return sf, "as allocated"


def fp8_skip_reason(ctx: Ctx) -> Optional[str]:
    if not ctx.is_cuda():
        return "fp8 GEMMs need a GPU"
    if ctx.fp8() is None:
        return f"torch {ctx.torch.__version__} has no float8_e4m3fn dtype"
    return None


def require_fp8(ctx: Ctx) -> None:
    why = fp8_skip_reason(ctx)
    if why:
        raise Skip(why)
