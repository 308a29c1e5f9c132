"""A stand-in for FlashMLA's interface (sparse decode and prefill) on the fake torch's simulated GPU."""
import torch

__version__ = "1.0.0+fake"
calls = []


def get_mla_metadata(*args, **kwargs):
    return object(), None


def flash_mla_with_kvcache(q, k_cache, block_table, cache_seqlens, head_dim_v, meta, num_splits=None, softmax_scale=None,
                           causal=False, is_fp8_kvcache=False, indices=None):
    calls.append(("flash_mla_with_kvcache", {"sparse": indices is not None, "fp8": is_fp8_kvcache, "head_dim_v": head_dim_v}))
    torch.launch("flash_mla.decode")


def flash_mla_sparse_fwd(q, kv, indices, sm_scale, d_v=512):
    calls.append(("flash_mla_sparse_fwd", {"s_q": q.shape[0], "topk": indices.shape[-1], "d_v": d_v}))
    torch.launch("flash_mla.sparse_prefill")
