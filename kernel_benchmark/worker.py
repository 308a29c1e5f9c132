"""Measuring plan items in one process: the collectives across the run's ranks, then this rank's share of the rest.

Three ways in:
- run_single: one process (all kernels here; collectives only when started by
  torchrun, across its ranks, with the other kernels on rank 0).
- run_worker: one rank of `run.py --gpus N` (node.py starts N of them): the
  collectives across all ranks, then this rank's share of the other kernels,
  into the run's workdir, where node.py watches and gathers them.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Callable, Dict, List, Optional

from items import COMM_KERNELS, PlanItem
from records import kernel_flops, measurement_record
from workdir import Workdir

CLOCK_CHECK_SECONDS = 5.0


def cost(item: PlanItem) -> float:
    """A rough cost for balancing the ranks' shares: FLOPs, else the shape's size."""
    flops = kernel_flops(item)
    if flops:
        return flops
    size = 1.0
    for v in item.shape.values():
        size *= max(1, v)
    return size


def shard(items: List[PlanItem], ranks: int) -> List[List[PlanItem]]:
    """Items split over ranks, largest first to the least loaded (the same split on every rank); plan order within a share."""
    loads = [0.0] * ranks
    shares: List[List[PlanItem]] = [[] for _ in range(ranks)]
    order = {id(it): i for i, it in enumerate(items)}
    for it in sorted(items, key=lambda i: (-cost(i), order[id(i)])):
        r = loads.index(min(loads))
        shares[r].append(it)
        loads[r] += cost(it)
    return [sorted(s, key=lambda i: order[id(i)]) for s in shares]


def describe(item: PlanItem) -> str:
    shape = " ".join(f"{k}={v}" for k, v in item.shape.items())
    kv = f" kv={item.kv_dtype}" if item.kv_dtype else ""
    return f"{item.kernel}{' ' + item.phase if item.phase else ''} {item.dtype}{kv} {shape}"


def say(message: str, rank: Optional[int] = None) -> None:
    """One progress line on stderr, written at once (ranks share the terminal)."""
    sys.stderr.write((message if rank is None else f"[rank {rank}] {message}") + "\n")
    sys.stderr.flush()


def make_ctx(args: argparse.Namespace, torch, device: str):
    from backends import Backends
    from common import Ctx, Options
    from timing import Timer

    allowed = None if args.backends is None else [b for b in args.backends if b != "torch"]
    timer = Timer(device=device, timer=args.timer, warmup=args.warmup, repeats=args.repeats, max_seconds=args.max_seconds,
                  flush_l2=not args.no_flush_l2, rotate=not args.no_rotate, torch_module=torch)
    options = Options(fp8_recipe=args.fp8_recipe, act_quant=not args.no_act_quant, moe_routing=args.moe_routing,
                      power_law_alpha=args.power_law_alpha, seed=args.seed)
    dev = device if device == "cpu" else f"cuda:{torch.cuda.current_device()}"
    return Ctx(torch=torch, device=dev, timer=timer, backends=Backends(allowed), options=options)


class ClockWatch:
    """Re-reads the SM clock and throttle reasons now and then; a record taken while throttled says so."""

    def __init__(self, torch, device: str, env: Dict):
        self.env, self.last = env, 0.0
        self.gpu_id = None
        if device != "cpu":
            from env import smi_id

            self.gpu_id = smi_id(torch, torch.cuda.current_device())

    def check(self) -> Dict:
        if self.gpu_id is None or time.monotonic() - self.last < CLOCK_CHECK_SECONDS:
            return {}
        from preflight import gpu_states, throttle_reasons

        self.last = time.monotonic()
        states = gpu_states(str(self.gpu_id))
        if not states:
            return {}
        try:
            self.env["sm_clock_mhz"] = float(states[0].get("clocks.sm", ""))
        except ValueError:
            pass
        reasons = throttle_reasons(states[0].get("clocks_throttle_reasons.active", "0"))
        return {"throttled": ", ".join(reasons)} if reasons else {}


def measure_compute(items: List[PlanItem], ctx, gpu: str, env: Dict, emit: Callable[[Dict], None],
                    issue: Callable[[PlanItem, str, str], None], start: Callable[[PlanItem, str], None],
                    rank: Optional[int] = None) -> Dict[str, int]:
    """Measures items one by one: a skipped or failed item is reported and the run goes on."""
    from common import Skip

    modules = kernel_modules()
    watch = ClockWatch(ctx.torch, "cpu" if not ctx.is_cuda() else "cuda", env)
    counts = {"measured": 0, "skipped": 0, "failed": 0}
    for i, item in enumerate(items, 1):
        label = f"[{i}/{len(items)}] {describe(item)}"
        start(item, label)
        try:
            m = modules[item.kernel].measure(item, ctx)
        except Exception as e:  # Skip, out of memory, a kernel error: report and go on
            kind = "skipped" if isinstance(e, Skip) else "failed"
            why = str(e).splitlines()[0][:300] if str(e) else type(e).__name__
            counts[kind] += 1
            issue(item, kind, why)
            say(f"{label}: {kind}: {why}", rank)
            if ctx.is_cuda():
                ctx.torch.cuda.empty_cache()
            continue
        throttled = watch.check()
        if throttled:
            m.env.update(throttled)
            say(f"{label}: measured while the GPU was throttled ({throttled['throttled']})", rank)
        emit(measurement_record(item, gpu, m, env))
        counts["measured"] += 1
        if ctx.is_cuda():
            ctx.torch.cuda.empty_cache()  # shapes differ item to item: keep the allocator from fragmenting
        say(f"{label}: {m.latency_us:.2f} us ({m.backend}, {m.stats.get('timer')})", rank)
    return counts


def kernel_modules():
    import attention
    import dsa
    import gdn
    import gemm
    import grouped_gemm
    import mla

    return {"gemm": gemm, "attention": attention, "mla": mla, "dsa_attn": dsa, "dsa_logits": dsa, "grouped_gemm": grouped_gemm, "gdn": gdn}


def record_env(args: argparse.Namespace, device: str, argv_text: str, workdir: Optional[Workdir]) -> Dict:
    from env import capture_env

    env = capture_env(device, argv_text)
    env["device"] = "cpu" if device == "cpu" else "cuda"
    if workdir is not None and os.path.exists(workdir.preflight_file):
        with open(workdir.preflight_file, encoding="utf-8") as f:
            env.update(json.load(f).get("env", {}))
    return env


def run_worker(args: argparse.Namespace, items: List[PlanItem], gpu: str, argv_text: str) -> int:
    """One rank of a `--gpus N` run (env: RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT)."""
    import torch

    import comm

    rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    local = int(os.environ.get("LOCAL_RANK", "0"))
    wd = Workdir(args.workdir)
    if args.device != "cpu":
        torch.cuda.set_device(local)
    ctx = make_ctx(args, torch, args.device)
    env = record_env(args, args.device, argv_text, wd)
    skip = wd.done() | (set() if args.retry_failed else wd.failed())
    todo = [it for it in items if it.key_text() not in skip]
    comm_items = [it for it in todo if it.kernel in COMM_KERNELS]
    if comm_items and world == 1 and rank == 0:
        for it in comm_items:
            wd.add_issue(rank, it, "skipped", "collectives need several GPUs (--gpus 2 or more)")
    if comm_items and world > 1 and not args.compute_only:
        comm.init(args.device, args.comm_timeout)
        runner = comm.Collectives(ctx, args.warmup, min(args.repeats, args.comm_repeats))
        runner.run(comm_items, lambda it, m: wd.add_record(rank, measurement_record(it, gpu, m, env)), lambda msg: say(msg, rank),
                   lambda it, kind, why: wd.add_issue(rank, it, kind, why), lambda it: wd.start_item(rank, it, describe(it)))
        comm.finish()  # the kernels below need no collective: a rank restarted after a timeout runs alone
    compute_ranks = args.gpus  # the other kernels run on the first node's GPUs
    if rank < compute_ranks:
        share = shard([it for it in todo if it.kernel not in COMM_KERNELS], compute_ranks)[rank]
        measure_compute(share, ctx, gpu, env, lambda rec: wd.add_record(rank, rec),
                        lambda it, kind, why: wd.add_issue(rank, it, kind, why), lambda it, label: wd.start_item(rank, it, label), rank)
    wd.end_items(rank)
    return 0


def run_single(args: argparse.Namespace, items: List[PlanItem], gpu: str, argv_text: str, output) -> Dict[str, int]:
    """All items in this process, records to `output` (which knows what an earlier, interrupted run measured).

    Started by torchrun (WORLD_SIZE > 1), the collectives run across its ranks and the other kernels on rank 0."""
    import torch

    import comm

    ctx = make_ctx(args, torch, args.device)
    env = record_env(args, args.device, argv_text, None)
    done = output.done_keys()
    todo = [it for it in items if it.key_text() not in done]
    if len(todo) < len(items):
        say(f"run.py: resuming: {len(items) - len(todo)} of {len(items)} items are already in {output.partial}")
    counts = {"measured": 0, "skipped": 0, "failed": 0}
    issue = lambda it, kind, why: None  # noqa: E731
    comm_items = [it for it in todo if it.kernel in COMM_KERNELS]
    rank = 0
    if comm.distributed_world() > 1:
        rank = comm.init(args.device, args.comm_timeout)["rank"]
        runner = comm.Collectives(ctx, args.warmup, min(args.repeats, args.comm_repeats))
        emit = (lambda it, m: output.write(measurement_record(it, gpu, m, env))) if rank == 0 else (lambda it, m: None)
        for k, v in runner.run(comm_items, emit).items():
            counts[k] += v
        comm.finish()
    elif comm_items:
        say(f"run.py: skipping {len(comm_items)} collective items: they need several GPUs (--gpus N, or torchrun --nproc-per-node N)")
        counts["skipped"] += len(comm_items)
    if rank != 0:
        return counts  # the other kernels run on rank 0
    compute = [it for it in todo if it.kernel not in COMM_KERNELS]
    for k, v in measure_compute(compute, ctx, gpu, env, output.write, issue, lambda it, label: None).items():
        counts[k] += v
    return counts
