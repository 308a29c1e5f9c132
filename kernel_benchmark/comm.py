"""all-reduce and all-to-all with torch.distributed, when the run is started by torchrun on several GPUs.

Every rank runs the same plan items in the same order with a fixed repeat
count (collectives must match across ranks). A measurement over num_gpus = n
uses ranks 0..n-1; the other ranks wait at a barrier. Each repeat's latency is
the slowest member rank's (max across ranks); rank 0 writes the records.
message_bytes is what each rank contributes: the all-reduce buffer, or the
all-to-all input split evenly across the group.
"""
from __future__ import annotations

import math
import os
import sys
from typing import Callable, Dict, List

from common import Ctx
from items import PlanItem
from records import Measurement
from timing import Timer, Timing


def distributed_world() -> int:
    return int(os.environ.get("WORLD_SIZE", "1"))


def init(device: str) -> Dict[str, int]:
    import torch
    import torch.distributed as dist

    local = int(os.environ.get("LOCAL_RANK", "0"))
    if device != "cpu":
        torch.cuda.set_device(local)
    if not dist.is_initialized():
        dist.init_process_group(backend="gloo" if device == "cpu" else "nccl")
    return {"rank": dist.get_rank(), "world": dist.get_world_size(), "local_rank": local}


def fixed_timer(device: str, warmup: int, repeats: int) -> Timer:
    """Same number of calls on every rank: no adaptive repeats, no CUDA graphs."""
    return Timer(device=device, timer="cuda_event", warmup=warmup, repeats=repeats, min_repeats=repeats,
                 max_seconds=float("inf"), flush_l2=False)


def measure_all(items: List[PlanItem], ctx: Ctx, warmup: int, repeats: int, emit: Callable[[PlanItem, Measurement], None]) -> Dict[str, int]:
    import torch
    import torch.distributed as dist

    rank, world = dist.get_rank(), dist.get_world_size()
    counts = {"measured": 0, "skipped": 0, "failed": 0}
    groups = {}
    for n in sorted({it.shape["num_gpus"] for it in items}):
        if 2 <= n <= world:
            groups[n] = dist.new_group(list(range(n)))  # every rank creates every group, in the same order
    timer = fixed_timer(ctx.device, warmup, repeats)
    dtype = torch.float32 if ctx.device == "cpu" else torch.bfloat16
    elem = torch.tensor([], dtype=dtype).element_size()
    for item in items:
        n, nbytes = item.shape["num_gpus"], item.shape["message_bytes"]
        if n not in groups:
            if rank == 0:
                print(f"  skip {item.kernel} over {n} GPUs: this run has {world} ranks", file=sys.stderr)
            counts["skipped"] += 1
            continue
        if rank < n:
            group = groups[n]
            numel = max(n, math.ceil(nbytes / elem / n) * n) if item.kernel == "alltoall" else max(1, nbytes // elem)
            src = torch.empty(numel, dtype=dtype, device=ctx.device).normal_()
            if item.kernel == "alltoall":
                dst = torch.empty_like(src)
                fn = lambda: dist.all_to_all_single(dst, src, group=group)  # noqa: E731
            else:
                fn = lambda: dist.all_reduce(src, group=group)  # noqa: E731
            t = timer.time(fn)
            slowest = torch.tensor(t.samples_us, dtype=torch.float64, device=ctx.device)
            dist.all_reduce(slowest, op=dist.ReduceOp.MAX, group=group)
            worst = Timing(slowest.tolist(), t.warmup, t.timer)
            if rank == 0:
                emit(item, Measurement(worst.median_us, worst.stats(), f"torch.distributed-{dist.get_backend(group)}",
                                       library="torch.distributed", library_version=torch.__version__))
                counts["measured"] += 1
            del src
        dist.barrier()
    return counts


def finish() -> None:
    import torch.distributed as dist

    if dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()
