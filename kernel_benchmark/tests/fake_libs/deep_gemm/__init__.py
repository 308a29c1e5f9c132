"""A stand-in for DeepGEMM 2.x's Python API on the simulated GPU of the fake torch: records what it is called with.

Like the real library, a GEMM handed scale factors in another layout than the
one its kernels read transforms them first, inside the call (one more kernel).
"""
import torch

__version__ = "2.1.0+fake"
calls = []


def _record(name, **facts):
    calls.append((name, facts))
    torch.launch(f"deep_gemm.{name}")


def transform_sf_into_required_layout(sf, mn, k, recipe=None, num_groups=None, is_sfa=False, disable_ue8m0_cast=False):
    calls.append(("transform_sf_into_required_layout", {"mn": mn, "k": k, "is_sfa": is_sfa}))
    out = torch.Tensor(sf.shape, sf.dtype)
    out.required_layout = True
    return out


def _in_layout(sf, is_activation):
    """Scales already in the layout the kernels read: transformed, or (activations) MN-major with TMA-aligned columns."""
    mn_major = is_activation and sf.dim() == 2 and sf.stride(0) == 1 and sf.stride(1) % 4 == 0
    if not getattr(sf, "required_layout", False) and not mn_major:
        torch.launch("deep_gemm.sf_transform")  # the per-call transform a pre-transform avoids


def fp8_gemm_nt(a, b, d, c=None, recipe=None, compiled_dims="nk", disable_ue8m0_cast=False):
    _in_layout(a[1], True)
    _in_layout(b[1], False)
    _record("fp8_gemm_nt", m=a[0].shape[0], n=b[0].shape[0], k=a[0].shape[1])


def get_mk_alignment_for_contiguous_layout():
    return 128


def m_grouped_bf16_gemm_nt_contiguous(a, b, d, m_indices):
    _record("m_grouped_bf16_gemm_nt_contiguous", rows=a.shape[0], groups=b.shape[0])


def m_grouped_bf16_gemm_nt_masked(a, b, d, masked_m, expected_m):
    _record("m_grouped_bf16_gemm_nt_masked", groups=a.shape[0], max_m=a.shape[1], expected_m=expected_m)


def m_grouped_fp8_gemm_nt_contiguous(a, b, d, m_indices):
    _record("m_grouped_fp8_gemm_nt_contiguous", rows=a[0].shape[0], groups=b[0].shape[0])


def m_grouped_fp8_gemm_nt_masked(a, b, d, masked_m, expected_m):
    _record("m_grouped_fp8_gemm_nt_masked", groups=a[0].shape[0], max_m=a[0].shape[1], expected_m=expected_m)


def fp8_mqa_logits(q, kv, weights, ks, ke):
    _record("fp8_mqa_logits", s_q=q.shape[0], s_kv=kv[0].shape[0])


def get_paged_mqa_logits_metadata(lens, block, sms):
    return torch.Tensor([sms, 2], torch.int32)


def fp8_paged_mqa_logits(q, kv, weights, lens, table, meta, max_len, clean):
    _record("fp8_paged_mqa_logits", batch=q.shape[0], max_len=max_len)
