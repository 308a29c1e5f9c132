"""MHA/GQA attention cores: decode (one query token per request over a KV cache) and causal prefill.

A shape with `window` is a sliding-window layer's kernel (each query attends to the last `window` keys):
decode reads the last min(kv_len, window) cached tokens, prefill runs the kernels' own window (FlashAttention
window_size, FlashInfer window_left; torch: a banded mask).

Decode: FlashInfer paged decode (bf16 or fp8 KV) > FlashAttention-3 (bf16 KV)
> torch (scaled_dot_product_attention with GQA, or grouped matmuls).
Prefill (batch 1, causal): FlashAttention-3 > FlashInfer > FlashAttention-2 > torch SDPA.
The torch path has no fp8 KV kernel: fp8 KV decode without FlashInfer is skipped.
"""
from __future__ import annotations

import math

from common import Ctx, Skip, labelled, run_first
from items import PlanItem
from records import Measurement

WORKSPACE_BYTES = 256 * 1024**2
PAGE_SIZE = 16


def measure(item: PlanItem, ctx: Ctx) -> Measurement:
    s = item.shape
    window = s.get("window", 0)
    if item.phase == "decode":
        kv_len = min(s["kv_len"], window) if window else s["kv_len"]
        return decode(ctx, s["heads"], s["kv_heads"], s["head_dim"], s["batch_size"], kv_len, item.kv_dtype == "fp8")
    return prefill(ctx, s["heads"], s["kv_heads"], s["head_dim"], s["seq_len"], window=window)


# ---- decode ----

def decode(ctx: Ctx, h: int, hkv: int, hd: int, batch: int, kv_len: int, fp8_kv: bool) -> Measurement:
    attempts = [("flashinfer", lambda: _flashinfer_decode(ctx, h, hkv, hd, batch, kv_len, fp8_kv))]
    if not fp8_kv:
        attempts.append(("fa3", lambda: _fa3_decode(ctx, h, hkv, hd, batch, kv_len)))
        attempts.append(("torch", lambda: _torch_decode(ctx, h, hkv, hd, batch, kv_len)))
    elif not ctx.backends.has("flashinfer"):
        raise Skip("fp8 KV decode attention needs FlashInfer (torch has no fp8 attention kernel)")
    return run_first(ctx, attempts, f"decode attention {h}-{hkv}-{hd}")


def _flashinfer_decode(ctx: Ctx, h, hkv, hd, batch, kv_len, fp8_kv):
    torch = ctx.torch
    fi = ctx.backends.load("flashinfer")
    pages = math.ceil(kv_len / PAGE_SIZE)
    cache = ctx.randn(batch * pages, 2, PAGE_SIZE, hkv, hd)
    if fp8_kv:
        cache = ctx.to_fp8(cache)
    i32 = dict(device=ctx.device, dtype=torch.int32)
    indptr = torch.arange(batch + 1, **i32) * pages
    indices = torch.arange(batch * pages, **i32)
    last = torch.full((batch,), kv_len - (pages - 1) * PAGE_SIZE, **i32)
    ws = ctx.workspace("flashinfer", WORKSPACE_BYTES)
    try:
        wrapper = fi.BatchDecodeWithPagedKVCacheWrapper(ws, "NHD", use_tensor_cores=(h // hkv) >= 4)
    except TypeError:
        wrapper = fi.BatchDecodeWithPagedKVCacheWrapper(ws, "NHD")
    plan = getattr(wrapper, "plan", None) or wrapper.begin_forward
    try:
        plan(indptr, indices, last, h, hkv, hd, PAGE_SIZE, q_data_type=ctx.bf16, kv_data_type=cache.dtype)
    except TypeError:
        plan(indptr, indices, last, h, hkv, hd, PAGE_SIZE, data_type=cache.dtype)
    q = ctx.randn(batch, h, hd)
    run = getattr(wrapper, "run", None) or wrapper.forward
    return labelled(lambda: run(q, cache), "flashinfer")


def _fa3_decode(ctx: Ctx, h, hkv, hd, batch, kv_len):
    fa3 = ctx.backends.load("fa3")
    q = ctx.randn(batch, 1, h, hd)
    k = ctx.randn(batch, kv_len, hkv, hd)
    v = ctx.randn(batch, kv_len, hkv, hd)
    seqlens = ctx.torch.full((batch,), kv_len, device=ctx.device, dtype=ctx.torch.int32)
    return labelled(lambda: fa3.flash_attn_with_kvcache(q, k, v, cache_seqlens=seqlens), "fa3")


def _torch_decode(ctx: Ctx, h, hkv, hd, batch, kv_len):
    torch = ctx.torch
    k = ctx.randn(batch, hkv, kv_len, hd)
    v = ctx.randn(batch, hkv, kv_len, hd)
    sdpa = getattr(torch.nn.functional, "scaled_dot_product_attention", None)
    if sdpa is not None:
        q = ctx.randn(batch, h, 1, hd)
        if h == hkv:
            return labelled(lambda: sdpa(q, k, v), "torch-sdpa")
        try:
            sdpa(q, k, v, enable_gqa=True)
            return labelled(lambda: sdpa(q, k, v, enable_gqa=True), "torch-sdpa")
        except (TypeError, RuntimeError):
            pass  # torch < 2.5 has no enable_gqa; the grouped matmuls below read K/V once too
    qg = ctx.randn(batch, hkv, h // hkv, hd)
    kt = k.transpose(-1, -2)
    scale = 1.0 / math.sqrt(hd)

    def grouped():
        p = torch.softmax(torch.matmul(qg, kt).float() * scale, dim=-1).to(v.dtype)
        return torch.matmul(p, v)

    return labelled(grouped, "torch-matmul")


# ---- prefill ----

def prefill(ctx: Ctx, h: int, hkv: int, hd: int, seq: int, v_dim: int = 0, window: int = 0) -> Measurement:
    """Causal self-attention over `seq` tokens, batch 1; v_dim (MLA prefill) defaults to hd; window > 0: each query
    attends to the last `window` keys."""
    vd = v_dim or hd
    attempts = [
        ("fa3", lambda: _fa_prefill(ctx, "fa3", h, hkv, hd, vd, seq, window)),
        ("flashinfer", lambda: _flashinfer_prefill(ctx, h, hkv, hd, vd, seq, window)),
    ]
    if vd == hd:
        attempts.append(("fa2", lambda: _fa_prefill(ctx, "fa2", h, hkv, hd, vd, seq, window)))
    attempts.append(("torch", lambda: _torch_prefill(ctx, h, hkv, hd, vd, seq, window)))
    return run_first(ctx, attempts, f"prefill attention {h}-{hkv}-{hd}" + (f" window {window}" if window else ""))


def _fa_prefill(ctx: Ctx, lib: str, h, hkv, hd, vd, seq, window=0):
    fa = ctx.backends.load(lib)
    q = ctx.randn(1, seq, h, hd)
    k = ctx.randn(1, seq, hkv, hd)
    v = ctx.randn(1, seq, hkv, vd)
    if window:
        return labelled(lambda: fa.flash_attn_func(q, k, v, causal=True, window_size=(window - 1, 0)), lib)
    return labelled(lambda: fa.flash_attn_func(q, k, v, causal=True), lib)


def _flashinfer_prefill(ctx: Ctx, h, hkv, hd, vd, seq, window=0):
    fi = ctx.backends.load("flashinfer")
    q = ctx.randn(seq, h, hd)
    k = ctx.randn(seq, hkv, hd)
    v = ctx.randn(seq, hkv, vd)
    if window:
        return labelled(lambda: fi.single_prefill_with_kv_cache(q, k, v, causal=True, window_left=window - 1), "flashinfer")
    return labelled(lambda: fi.single_prefill_with_kv_cache(q, k, v, causal=True), "flashinfer")


def _torch_prefill(ctx: Ctx, h, hkv, hd, vd, seq, window=0):
    torch = ctx.torch
    q = ctx.randn(1, h, seq, hd)
    sdpa = getattr(torch.nn.functional, "scaled_dot_product_attention", None)
    # GQA: K/V are expanded to the query heads once, outside the timed call.
    k = ctx.randn(1, hkv, seq, hd).repeat_interleave(h // hkv, dim=1)
    v = ctx.randn(1, hkv, seq, vd).repeat_interleave(h // hkv, dim=1)
    if window:
        # a query i sees keys i - window + 1 .. i: the causal band, as a boolean mask (True = attend)
        i = torch.arange(seq, device=q.device)
        band = (i[None, :] <= i[:, None]) & (i[None, :] > i[:, None] - window)
        if sdpa is None:
            return labelled(lambda: _manual_causal(torch, q, k, v, mask=~band), "torch-manual")
        vp = torch.nn.functional.pad(v, (0, hd - vd)) if hd > vd else v
        return labelled(lambda: sdpa(q, k, vp, attn_mask=band)[..., :vd], "torch-sdpa")
    if sdpa is None:
        return labelled(lambda: _manual_causal(torch, q, k, v), "torch-manual")
    if vd == hd:
        return labelled(lambda: sdpa(q, k, v, is_causal=True), "torch-sdpa")
    try:
        sdpa(q, k, v, is_causal=True)
        return labelled(lambda: sdpa(q, k, v, is_causal=True), "torch-sdpa")
    except RuntimeError:  # a backend that wants equal q/k and v head dims: pad V, drop the padding
        vp = torch.nn.functional.pad(v, (0, hd - vd)) if hd > vd else v
        return labelled(lambda: sdpa(q, k, vp, is_causal=True)[..., :vd], "torch-sdpa(v-padded)")


def _manual_causal(torch, q, k, v, heads_per_chunk: int = 4, mask=None):
    """Causal attention without SDPA (torch < 2.0), a few heads at a time to bound memory; `mask`: True = masked out."""
    seq = q.shape[-2]
    if mask is None:
        mask = torch.ones(seq, seq, dtype=torch.bool, device=q.device).triu_(1)
    scale = 1.0 / math.sqrt(q.shape[-1])
    outs = []
    for i in range(0, q.shape[1], heads_per_chunk):
        s = torch.matmul(q[:, i:i + heads_per_chunk], k[:, i:i + heads_per_chunk].transpose(-1, -2)).float() * scale
        p = torch.softmax(s.masked_fill_(mask, float("-inf")), dim=-1).to(v.dtype)
        outs.append(torch.matmul(p, v[:, i:i + heads_per_chunk]))
    return torch.cat(outs, dim=1)
