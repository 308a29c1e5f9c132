"""DeepSeek V3.2 sparse attention (DSA) kernels, planned for the default profile.

dsa_attn decode: each request's query heads attend min(topk, kv_len) tokens of
its latent cache, picked by index: a torch gather then absorbed-MLA batched
matmuls (bf16 KV). The other DSA kernels (sparse prefill, the fp8 indexer
logits) need FlashMLA's sparse kernels and DeepGEMM's fp8 MQA logits, which
this script does not drive: those items are skipped with the reason.
"""
from __future__ import annotations

import math

from attention import _labelled, run_first
from common import Ctx, Skip
from items import PlanItem
from records import Measurement

ROPE_DIM = 64  # DeepSeek V3.2: the latent's last 64 channels are the rope part, the rest the values


def measure(item: PlanItem, ctx: Ctx) -> Measurement:
    if item.kernel == "dsa_logits":
        raise Skip("the DSA indexer logits need DeepGEMM's fp8 MQA logits kernels, which this script does not drive")
    if item.phase != "decode":
        raise Skip("DSA sparse prefill needs FlashMLA's sparse prefill kernel, which this script does not drive")
    if item.kv_dtype == "fp8":
        raise Skip("fp8 KV sparse attention has no PyTorch path")
    s = item.shape
    return run_first(ctx, [("torch", lambda: _torch_decode(ctx, s["heads"], s["head_dim"], s["topk"], s["batch_size"], s["kv_len"]))],
                     f"DSA decode {s['heads']}-{s['head_dim']}-{s['topk']}")


def _torch_decode(ctx: Ctx, heads: int, latent: int, topk: int, batch: int, kv_len: int):
    torch = ctx.torch
    chosen = min(topk, kv_len)
    q = ctx.randn(batch, heads, latent)
    cache = ctx.randn(batch, kv_len, latent)
    index = torch.stack([torch.randperm(kv_len, device=ctx.device)[:chosen] for _ in range(batch)]).unsqueeze(-1).expand(-1, -1, latent)
    scale = 1.0 / math.sqrt(latent - ROPE_DIM + ROPE_DIM)

    def sparse():
        picked = torch.gather(cache, 1, index)
        p = torch.softmax(torch.bmm(q, picked.transpose(1, 2)).float() * scale, dim=-1).to(picked.dtype)
        return torch.bmm(p, picked[:, :, : latent - ROPE_DIM])

    return _labelled(sparse, "torch-gather-bmm")
