"""DeepSeek V3.2 sparse attention (DSA) kernels, planned for the default profile.

dsa_attn: each query's heads attend to its top-k latent tokens (absorbed MLA,
latent = kv_lora_rank + 64 rope channels, values = the first kv_lora_rank).
- decode: FlashMLA's sparse decode (fp8 KV cache in its 656-byte token
  layout, what DeepSeek serves V3.2 with) where importable; bf16 KV: a torch
  gather of the top-k latents and batched matmuls.
- prefill (s_q queries over s_kv tokens): FlashMLA's sparse prefill
  (flash_mla_sparse_fwd, bf16), else the torch gather path in query chunks.
dsa_logits: the indexer's scores, relu(q . k) weighted per head and summed
over heads, in fp8: DeepGEMM's fp8_paged_mqa_logits (decode) and
fp8_mqa_logits (prefill), else a bf16 torch emulation (labelled as such).
"""
from __future__ import annotations

import math

from common import Ctx, Skip, labelled, run_first
from items import PlanItem
from records import Measurement

ROPE_DIM = 64  # DeepSeek V3.2: the latent's last 64 channels are the rope part, the rest the values
FLASHMLA_BLOCK = 64
FLASHMLA_FP8_TOKEN_BYTES = 656  # 512 fp8 values, 4 fp32 scales, 64 bf16 rope values
DEEPGEMM_KV_BLOCK = 64
QUERY_CHUNK_BYTES = 256 * 1024**2  # bound on the torch paths' temporaries


def measure(item: PlanItem, ctx: Ctx) -> Measurement:
    s = item.shape
    if item.kernel == "dsa_logits":
        if item.phase == "decode":
            attempts = [("deepgemm", lambda: _deepgemm_paged_logits(ctx, s)), ("torch", lambda: _torch_logits(ctx, s["heads"], s["head_dim"], s["batchsize"], s["s_kv"], paged=True))]
        else:
            attempts = [("deepgemm", lambda: _deepgemm_logits(ctx, s)), ("torch", lambda: _torch_logits(ctx, s["heads"], s["head_dim"], s["s_q"], s["s_kv"], paged=False))]
        return run_first(ctx, attempts, f"DSA indexer logits {s['heads']}-{s['head_dim']}")
    what = f"DSA {item.phase} attention {s['heads']}-{s['head_dim']}-{s['topk']}"
    if item.phase == "decode":
        if item.kv_dtype == "fp8":
            if not ctx.backends.has("flashmla"):
                raise Skip("fp8 KV sparse decode attention needs FlashMLA (torch has no fp8 attention kernel)")
            return run_first(ctx, [("flashmla", lambda: _flashmla_sparse_decode(ctx, s))], what)
        return run_first(ctx, [("torch", lambda: _torch_sparse(ctx, s["heads"], s["head_dim"], s["topk"], s["batch_size"], s["kv_len"], per_request=True))], what)
    attempts = [("flashmla", lambda: _flashmla_sparse_prefill(ctx, s)),
                ("torch", lambda: _torch_sparse(ctx, s["heads"], s["head_dim"], s["topk"], s["s_q"], s["s_kv"], per_request=False))]
    return run_first(ctx, attempts, what)


def _scale(latent: int) -> float:
    return 1.0 / math.sqrt(latent)


def _torch_sparse(ctx: Ctx, heads: int, latent: int, topk: int, queries: int, kv_len: int, per_request: bool):
    """Top-k gather then absorbed attention. Decode: one query per request, each over its own cache;
    prefill: `queries` tokens of one sequence over its cache, in chunks of queries."""
    torch = ctx.torch
    chosen = min(topk, kv_len)
    scale = _scale(latent)
    if per_request:
        q = ctx.randn(queries, heads, latent)
        cache = ctx.randn(queries, kv_len, latent)
        index = torch.randint(0, kv_len, (queries, chosen, 1), device=ctx.device, dtype=torch.int64).expand(-1, -1, latent)

        def sparse():
            picked = torch.gather(cache, 1, index)
            p = torch.softmax(torch.bmm(q, picked.transpose(1, 2)).float() * scale, dim=-1).to(picked.dtype)
            return torch.bmm(p, picked[:, :, : latent - ROPE_DIM])

        return labelled(sparse, "torch-gather-bmm")
    chunk = max(1, min(queries, QUERY_CHUNK_BYTES // max(1, chosen * latent * 2)))
    q = ctx.randn(queries, heads, latent)
    cache = ctx.randn(kv_len, latent)
    index = torch.randint(0, kv_len, (queries, chosen), device=ctx.device, dtype=torch.int64)

    def sparse_prefill():
        for start in range(0, queries, chunk):
            picked = cache[index[start:start + chunk]]  # [chunk, k, latent]
            p = torch.softmax(torch.bmm(q[start:start + chunk], picked.transpose(1, 2)).float() * scale, dim=-1).to(picked.dtype)
            torch.bmm(p, picked[:, :, : latent - ROPE_DIM])

    return labelled(sparse_prefill, f"torch-gather-bmm(chunks of {chunk} queries)")


def _torch_logits(ctx: Ctx, heads: int, dim: int, queries: int, kv_len: int, paged: bool):
    """relu(q . k) weighted per head, summed over heads; bf16 in place of fp8 (an emulation, not the kernel)."""
    torch = ctx.torch
    chunk = max(1, min(queries, QUERY_CHUNK_BYTES // max(1, heads * kv_len * 4)))
    if paged:  # decode: one query per request, each over its own cache
        q = ctx.randn(queries, heads, dim)
        kv = ctx.randn(queries, dim, kv_len)
        w = ctx.randn(queries, 1, heads)

        def logits():
            return torch.bmm(w, torch.bmm(q, kv).relu())

        return labelled(logits, "torch-bf16-emulation")
    q = ctx.randn(queries, heads, dim)
    kv = ctx.randn(kv_len, dim)
    w = ctx.randn(queries, 1, heads)
    kt = kv.t()

    def logits_prefill():
        for start in range(0, queries, chunk):
            scores = torch.matmul(q[start:start + chunk], kt).relu()  # [chunk, heads, kv]
            torch.bmm(w[start:start + chunk], scores)

    return labelled(logits_prefill, f"torch-bf16-emulation(chunks of {chunk} queries)")


def _flashmla_sparse_decode(ctx: Ctx, s):
    torch = ctx.torch
    fm = ctx.backends.load("flashmla")
    batch, kv_len, heads, latent, topk = s["batch_size"], s["kv_len"], s["heads"], s["head_dim"], s["topk"]
    blocks = math.ceil(kv_len / FLASHMLA_BLOCK)
    raw = torch.zeros(batch * blocks, FLASHMLA_BLOCK, 1, FLASHMLA_FP8_TOKEN_BYTES, device=ctx.device, dtype=torch.uint8)
    cache = raw.view(ctx.fp8())
    q = ctx.randn(batch, 1, heads, latent)
    # token slots in the cache: request b's tokens are its own blocks
    indices = torch.randint(0, kv_len, (batch, 1, topk), device=ctx.device, dtype=torch.int32)
    meta, splits = fm.get_mla_metadata()
    value_dim = latent - ROPE_DIM
    fn = lambda: fm.flash_mla_with_kvcache(q, cache, None, None, value_dim, meta, splits, softmax_scale=_scale(latent),  # noqa: E731
                                           causal=False, is_fp8_kvcache=True, indices=indices)
    return labelled(fn, "flashmla-sparse-decode(fp8 KV)")


def _flashmla_sparse_prefill(ctx: Ctx, s):
    torch = ctx.torch
    fm = ctx.backends.load("flashmla")
    sq, skv, heads, latent, topk = s["s_q"], s["s_kv"], s["heads"], s["head_dim"], s["topk"]
    q = ctx.randn(sq, heads, latent)
    kv = ctx.randn(skv, 1, latent)
    indices = torch.randint(0, skv, (sq, 1, topk), device=ctx.device, dtype=torch.int32)
    fn = lambda: fm.flash_mla_sparse_fwd(q, kv, indices, _scale(latent), latent - ROPE_DIM)  # noqa: E731
    return labelled(fn, "flashmla-sparse-prefill")


def _deepgemm_logits(ctx: Ctx, s):
    torch = ctx.torch
    dg = ctx.backends.load("deepgemm")
    sq, skv, heads, dim = s["s_q"], s["s_kv"], s["heads"], s["head_dim"]
    q = ctx.to_fp8(ctx.randn(sq, heads, dim))
    kv = (ctx.to_fp8(ctx.randn(skv, dim)), torch.ones(skv, device=ctx.device, dtype=torch.float32))
    w = torch.randn(sq, heads, device=ctx.device, dtype=torch.float32)
    # causal prefill: query i of the new tokens sees the cache up to its own position
    ks = torch.zeros(sq, device=ctx.device, dtype=torch.int32)
    ke = torch.arange(sq, device=ctx.device, dtype=torch.int32) + (skv - sq + 1)
    fn = lambda: dg.fp8_mqa_logits(q, kv, w, ks, ke)  # noqa: E731
    return labelled(fn, "deepgemm-fp8_mqa_logits")


def _deepgemm_paged_logits(ctx: Ctx, s):
    torch = ctx.torch
    dg = ctx.backends.load("deepgemm")
    batch, next_n, skv, heads, dim = s["batchsize"], s["next_n"], s["s_kv"], s["heads"], s["head_dim"]
    blocks = math.ceil(skv / DEEPGEMM_KV_BLOCK)
    q = ctx.to_fp8(ctx.randn(batch, next_n, heads, dim))
    # fp8 values then one fp32 scale per token, DEEPGEMM_KV_BLOCK tokens per block
    kv = torch.zeros(batch * blocks, DEEPGEMM_KV_BLOCK, 1, dim + 4, device=ctx.device, dtype=torch.uint8)
    w = torch.randn(batch * next_n, heads, device=ctx.device, dtype=torch.float32)
    lens = torch.full((batch,), skv, device=ctx.device, dtype=torch.int32)
    table = torch.arange(batch * blocks, device=ctx.device, dtype=torch.int32).view(batch, blocks)
    sms = torch.cuda.get_device_properties(torch.cuda.current_device()).multi_processor_count
    meta = dg.get_paged_mqa_logits_metadata(lens, DEEPGEMM_KV_BLOCK, sms)
    fn = lambda: dg.fp8_paged_mqa_logits(q, kv, w, lens, table, meta, skv, False)  # noqa: E731
    return labelled(fn, "deepgemm-fp8_paged_mqa_logits")
