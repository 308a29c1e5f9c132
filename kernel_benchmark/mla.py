"""MLA attention cores (DeepSeek): absorbed decode over the compressed KV cache, and prefill.

Decode (absorbed: query heads attend to the kv_lora_rank + rope latent, values are
the first kv_lora_rank channels): FlashMLA (bf16 KV) > FlashInfer MLA (bf16/fp8 KV)
> torch batched matmuls (bf16 KV).
Prefill (not absorbed: q/k head dim nope+rope, v head dim v_head_dim, causal,
batch 1): the attention prefill backends of attention.py.
"""
from __future__ import annotations

import math

from attention import prefill
from common import Ctx, Skip, labelled, run_first
from items import PlanItem
from records import Measurement

FLASHMLA_BLOCK = 64
FLASHINFER_PAGE = 64
WORKSPACE_BYTES = 256 * 1024**2


def measure(item: PlanItem, ctx: Ctx) -> Measurement:
    s = item.shape
    if item.phase == "decode":
        return decode(ctx, s["heads"], s["kv_lora_rank"], s["qk_rope_head_dim"], s["batch_size"], s["kv_len"], item.kv_dtype == "fp8")
    qk = s["qk_nope_head_dim"] + s["qk_rope_head_dim"]
    return prefill(ctx, s["heads"], s["heads"], qk, s["seq_len"], v_dim=s["v_head_dim"])


def decode(ctx: Ctx, h: int, rank: int, rope: int, batch: int, kv_len: int, fp8_kv: bool) -> Measurement:
    attempts = []
    if not fp8_kv:
        attempts.append(("flashmla", lambda: _flashmla(ctx, h, rank, rope, batch, kv_len)))
    attempts.append(("flashinfer", lambda: _flashinfer(ctx, h, rank, rope, batch, kv_len, fp8_kv)))
    if not fp8_kv:
        attempts.append(("torch", lambda: _torch(ctx, h, rank, rope, batch, kv_len)))
    elif not ctx.backends.has("flashinfer"):
        raise Skip("fp8 KV MLA decode needs FlashInfer (torch has no fp8 attention kernel)")
    return run_first(ctx, attempts, f"MLA decode {h}-{rank}-{rope}")


def _flashmla(ctx: Ctx, h, rank, rope, batch, kv_len):
    torch = ctx.torch
    fm = ctx.backends.load("flashmla")
    blocks = math.ceil(kv_len / FLASHMLA_BLOCK)
    cache = ctx.randn(batch * blocks, FLASHMLA_BLOCK, 1, rank + rope)
    table = torch.arange(batch * blocks, device=ctx.device, dtype=torch.int32).view(batch, blocks)
    seqlens = torch.full((batch,), kv_len, device=ctx.device, dtype=torch.int32)
    q = ctx.randn(batch, 1, h, rank + rope)
    metadata, splits = fm.get_mla_metadata(seqlens, h, 1)
    return labelled(lambda: fm.flash_mla_with_kvcache(q, cache, table, seqlens, rank, metadata, splits, causal=True), "flashmla")


def _flashinfer(ctx: Ctx, h, rank, rope, batch, kv_len, fp8_kv):
    torch = ctx.torch
    fi = ctx.backends.load("flashinfer")
    pages = math.ceil(kv_len / FLASHINFER_PAGE)
    i32 = dict(device=ctx.device, dtype=torch.int32)
    ckv = ctx.randn(batch * pages, FLASHINFER_PAGE, rank)
    kpe = ctx.randn(batch * pages, FLASHINFER_PAGE, rope)
    if fp8_kv:
        ckv, kpe = ctx.to_fp8(ckv), ctx.to_fp8(kpe)
    ws = ctx.workspace("flashinfer", WORKSPACE_BYTES)
    wrapper = fi.mla.BatchMLAPagedAttentionWrapper(ws)
    wrapper.plan(
        torch.arange(batch + 1, **i32),
        torch.arange(batch + 1, **i32) * pages,
        torch.arange(batch * pages, **i32),
        torch.full((batch,), kv_len, **i32),
        h, rank, rope, FLASHINFER_PAGE, False, 1.0 / math.sqrt(128 + rope), ctx.bf16, ckv.dtype,
    )
    q_nope = ctx.randn(batch, h, rank)
    q_pe = ctx.randn(batch, h, rope)
    return labelled(lambda: wrapper.run(q_nope, q_pe, ckv, kpe), "flashinfer")


def _torch(ctx: Ctx, h, rank, rope, batch, kv_len):
    torch = ctx.torch
    q = ctx.randn(batch, h, rank + rope)
    latent = ctx.randn(batch, kv_len, rank + rope)
    kt = latent.transpose(1, 2)
    values = latent[:, :, :rank]
    scale = 1.0 / math.sqrt(128 + rope)

    def absorbed():
        p = torch.softmax(torch.bmm(q, kt).float() * scale, dim=-1).to(latent.dtype)
        return torch.bmm(p, values)

    return labelled(absorbed, "torch-bmm")
