"""Collectives across the GPUs of a run: all-reduce, all-gather, reduce-scatter and DeepEP dispatch/combine, with torch.distributed.

Every rank runs the same items in the same order (collectives must match
across ranks). A measurement over num_gpus = n uses ranks 0..n-1; the others
take part only in the agreements. Before each item every rank says whether
its setup worked (one small all-reduce over all ranks): if any rank failed,
every rank skips the item, so one rank's error never leaves the others
waiting in a collective. Each timed repeat starts with a barrier of the
group, so that the ranks start together; its latency is the slowest member
rank's. Rank 0 writes the records. A collective that hangs anyway (a dead
link) is ended by the process group's timeout (--comm-timeout).

message_bytes counts as the simulator's comm tables do (src/cost/collectives.ts):
the all-reduce buffer (bf16); the whole tensor for all-gather (what each rank
ends with, 1/n of it its own) and reduce-scatter (what each rank reduces, 1/n
of the sum kept); for DeepEP the payload one GPU sends (tokens x top-k x
hidden, fp8 to dispatch, bf16 to combine). DeepEP's own kernels run where
deep_ep imports (low-latency kernels in decode, normal ones in prefill);
elsewhere the same bytes go through all_to_all_single. gloo (CPU smoke runs)
has no all_gather_into_tensor and no reduce-scatter: all-gather runs as
all_gather into n slices, reduce-scatter as all_to_all_single of the same
bytes plus the sum of the n parts. The record's backend says which ran.
"""
from __future__ import annotations

import datetime
import math
import os
import sys
import time
from typing import Callable, Dict, List, Optional

from common import Ctx
from items import DEEPEP_KERNELS, PlanItem
from records import Measurement
from timing import Timing


def distributed_world() -> int:
    return int(os.environ.get("WORLD_SIZE", "1"))


def init(device: str, timeout_s: float = 600.0) -> Dict[str, int]:
    import torch
    import torch.distributed as dist

    local = int(os.environ.get("LOCAL_RANK", "0"))
    if device != "cpu":
        torch.cuda.set_device(local)
        # a collective that never completes raises after the timeout instead of hanging the run
        os.environ.setdefault("TORCH_NCCL_ASYNC_ERROR_HANDLING", "1")
        os.environ.setdefault("NCCL_ASYNC_ERROR_HANDLING", "1")
    if not dist.is_initialized():
        dist.init_process_group(backend="gloo" if device == "cpu" else "nccl", timeout=datetime.timedelta(seconds=timeout_s))
    return {"rank": dist.get_rank(), "world": dist.get_world_size(), "local_rank": local}


class Collectives:
    """The collective items of one run on this rank."""

    def __init__(self, ctx: Ctx, warmup: int, repeats: int, dist=None):
        self.ctx, self.warmup, self.repeats = ctx, warmup, repeats
        self.torch = ctx.torch
        if dist is None:
            import torch.distributed as dist
        self.dist = dist
        self.rank, self.world = dist.get_rank(), dist.get_world_size()
        self.groups: Dict[int, object] = {}

    def make_groups(self, items: List[PlanItem]) -> None:
        """Every rank creates every group, in the same order (torch.distributed requires it)."""
        for n in sorted({it.shape["num_gpus"] for it in items}):
            if 2 <= n <= self.world and n not in self.groups:
                self.groups[n] = self.dist.new_group(list(range(n)))

    def agree(self, ok: bool, group=None) -> bool:
        """True when every rank's `ok` is true (a max of 'failed' over all ranks, or over `group`'s)."""
        flag = self.torch.tensor([0 if ok else 1], dtype=self.torch.int32, device=self.ctx.device)
        self.dist.all_reduce(flag, op=self.dist.ReduceOp.MAX, group=group)
        return int(flag.item()) == 0

    def run(self, items: List[PlanItem], emit: Callable[[PlanItem, Measurement], None],
            report: Callable[[str], None] = lambda m: print(m, file=sys.stderr),
            issue: Callable[[PlanItem, str, str], None] = lambda item, kind, why: None,
            start: Callable[[PlanItem], None] = lambda item: None) -> Dict[str, int]:
        """Measures the items; rank 0 emits the records and the issues (`issue(item, kind, why)`)."""
        counts = {"measured": 0, "skipped": 0, "failed": 0}
        self.make_groups(items)
        for item in items:
            n = item.shape["num_gpus"]
            start(item)
            if n not in self.groups:
                why = f"{item.kernel} over {n} GPUs needs {n} ranks; this run has {self.world}"
                if self.rank == 0:
                    report(f"  skip: {why}")
                    issue(item, "skipped", why)
                counts["skipped"] += 1
                continue
            member = self.rank < n
            fn, backend, error = None, None, None
            if member:
                try:
                    fn, backend = self.setup(item, self.groups[n])
                except Exception as e:  # out of memory, a library that refuses the shape
                    error = f"{type(e).__name__}: {str(e).splitlines()[0][:200] if str(e) else ''}"
            if not self.agree(error is None):
                if error:
                    report(f"  {item.kernel} over {n} GPUs failed on rank {self.rank} ({error}); every rank skips it")
                if self.rank == 0:
                    issue(item, "failed", error or "failed on another rank")
                counts["failed"] += 1
                continue
            if member:
                worst = self.time(fn, self.groups[n])
                if self.rank == 0:
                    library = "deep_ep" if backend == "deep_ep" else "torch.distributed"
                    version = self.ctx.backends.version("deep_ep") if library == "deep_ep" else self.torch.__version__
                    emit(item, Measurement(worst.median_us, worst.stats(), backend, library=library, library_version=version))
                    counts["measured"] += 1
            self.dist.barrier()
        return counts

    def setup(self, item: PlanItem, group):
        """The call to time and its backend name."""
        torch, dist, device = self.torch, self.dist, self.ctx.device
        nbytes, n = item.shape["message_bytes"], item.shape["num_gpus"]
        backend = f"torch.distributed-{dist.get_backend(group)}"
        if item.kernel in DEEPEP_KERNELS:
            deepep = deepep_call(self.ctx, item, group)
            if self.agree(deepep is not None, group):
                return deepep, "deep_ep"
            elements = max(n, math.ceil(nbytes / n) * n)  # bytes as uint8 elements, split evenly over the ranks
            src = torch.empty(elements, dtype=torch.uint8, device=device).fill_(1)
            dst = torch.empty_like(src)
            return (lambda: dist.all_to_all_single(dst, src, group=group)), f"{backend}(all_to_all_single, DeepEP bytes)"
        dtype = torch.float32 if device == "cpu" else torch.bfloat16  # gloo reduces no bf16
        size = torch.tensor([], dtype=dtype).element_size()
        gloo = dist.get_backend(group) == "gloo"
        if item.kernel == "allgather":
            return self.allgather(group, n, max(1, math.ceil(nbytes / size / n)), dtype, gloo, backend)
        if item.kernel == "reduce_scatter":
            return self.reduce_scatter(group, n, max(1, math.ceil(nbytes / size / n)), dtype, gloo, backend)
        src = torch.empty(max(1, nbytes // size), dtype=dtype, device=device).normal_()
        return (lambda: dist.all_reduce(src, group=group)), backend

    def allgather(self, group, n: int, per_rank: int, dtype, gloo: bool, backend: str):
        """Each rank gives `per_rank` values and ends with all n ranks' (the message)."""
        torch, dist, device = self.torch, self.dist, self.ctx.device
        src = torch.empty(per_rank, dtype=dtype, device=device).normal_()
        dst = torch.empty(per_rank * n, dtype=dtype, device=device)
        if gloo or not hasattr(dist, "all_gather_into_tensor"):
            parts = [dst[i * per_rank:(i + 1) * per_rank] for i in range(n)]
            return (lambda: dist.all_gather(parts, src, group=group)), f"{backend}(all_gather)"
        return (lambda: dist.all_gather_into_tensor(dst, src, group=group)), backend

    def reduce_scatter(self, group, n: int, per_rank: int, dtype, gloo: bool, backend: str):
        """Each rank reduces n x `per_rank` values (the message) and keeps its `per_rank` of the sum."""
        torch, dist, device = self.torch, self.dist, self.ctx.device
        src = torch.empty(per_rank * n, dtype=dtype, device=device).normal_()
        dst = torch.empty(per_rank, dtype=dtype, device=device)
        if gloo or not hasattr(dist, "reduce_scatter_tensor"):
            received = torch.empty_like(src)

            def exchange_and_sum():
                dist.all_to_all_single(received, src, group=group)
                dst.copy_(received.view(n, per_rank).sum(0))

            return exchange_and_sum, f"{backend}(all_to_all_single + sum, reduce-scatter bytes)"
        return (lambda: dist.reduce_scatter_tensor(dst, src, group=group)), backend

    def time(self, fn, group) -> Timing:
        """Warm-up calls, then `repeats` timed calls, each after a barrier; the slowest member's time per repeat."""
        torch, dist, cuda = self.torch, self.dist, self.ctx.is_cuda()
        for _ in range(self.warmup):
            fn()
        samples: List[float] = []
        for _ in range(self.repeats):
            dist.barrier(group=group)
            if cuda:
                start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                torch.cuda.synchronize()
                start.record()
                fn()
                end.record()
                torch.cuda.synchronize()
                samples.append(start.elapsed_time(end) * 1000.0)
            else:
                t0 = time.perf_counter()
                fn()
                samples.append((time.perf_counter() - t0) * 1e6)
        slowest = torch.tensor(samples, dtype=torch.float64, device=self.ctx.device)
        dist.all_reduce(slowest, op=dist.ReduceOp.MAX, group=group)
        timer = "cuda_event" if cuda else "wall"
        return Timing([float(v) for v in slowest.tolist()], self.warmup, timer, {"copies": 1})


def deepep_call(ctx: Ctx, item: PlanItem, group) -> Optional[Callable[[], object]]:
    """DeepEP's own dispatch or combine for this item, or None where deep_ep is missing or refuses it."""
    if not ctx.is_cuda() or not ctx.backends.has("deep_ep"):
        return None
    try:
        return _deepep(ctx, item, group)
    except Exception as e:
        ctx.backends.fail("deep_ep", e)
        return None


def _deepep(ctx: Ctx, item: PlanItem, group):
    torch = ctx.torch
    ep = ctx.backends.load("deep_ep")
    s = item.shape
    tokens, hidden, topk, experts, n = s["tokens"], s["hidden_size"], s["topk"], s["num_experts"], s["num_gpus"]
    low_latency = "_ll_" in item.kernel
    x = torch.randn(tokens, hidden, device=ctx.device, dtype=torch.bfloat16)
    topk_idx = torch.stack([torch.randperm(experts, device=ctx.device)[:topk] for _ in range(tokens)]).to(torch.int64)
    weights = torch.ones(tokens, topk, device=ctx.device, dtype=torch.float32)
    if low_latency:
        rdma = ep.Buffer.get_low_latency_rdma_size_hint(tokens, hidden, n, experts)
        buffer = ep.Buffer(group, 0, rdma, low_latency_mode=True, num_qps_per_rank=max(1, experts // n))
        recv_x, _, handle, _, _ = buffer.low_latency_dispatch(x, topk_idx, tokens, experts, use_fp8=True)
        if item.kernel.endswith("dispatch"):
            return lambda: buffer.low_latency_dispatch(x, topk_idx, tokens, experts, use_fp8=True)
        expert_out = torch.randn(*recv_x[0].shape, device=ctx.device, dtype=torch.bfloat16)
        return lambda: buffer.low_latency_combine(expert_out, topk_idx, weights, handle)
    config = ep.Buffer.get_dispatch_config(n)
    buffer = ep.Buffer(group, config.get_nvl_buffer_size_hint(hidden * 2, n), 0)
    per_rank, per_rdma, per_expert, in_rank, _ = buffer.get_dispatch_layout(topk_idx, experts)
    layout = dict(num_tokens_per_rank=per_rank, num_tokens_per_rdma_rank=per_rdma, is_token_in_rank=in_rank, num_tokens_per_expert=per_expert)
    recv_x, _, _, _, handle, _ = buffer.dispatch(x, topk_idx=topk_idx, topk_weights=weights, **layout)
    if item.kernel.endswith("dispatch"):
        return lambda: buffer.dispatch(x, topk_idx=topk_idx, topk_weights=weights, **layout)
    return lambda: buffer.combine(recv_x, handle)


def finish() -> None:
    import torch.distributed as dist

    if dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()
