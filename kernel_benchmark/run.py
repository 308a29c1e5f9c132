#!/usr/bin/env python3
"""Measure the kernels the infersim simulator looks up for one model and deployment.

    python3 kernel_benchmark/run.py --model hf_configs/qwen3-8b.json --gpu H100-SXM --tp 1 --world-size 8
    python3 kernel_benchmark/run.py --model qwen3-30b-a3b --tp 2 --world-size 8 --dry-run
    torchrun --nproc-per-node 8 kernel_benchmark/run.py --model deepseek-v3 --world-size 8 --kernels comm

Writes one JSON record per measurement to stdout (or --output), in the raw
format of src/schemas/raw-measurement.schema.json, which `infersim ingest`
reads; progress goes to stderr. --dry-run prints the plan instead (no torch).
"""
from __future__ import annotations

import argparse
import itertools
import os
import shlex
import sys
import time
from typing import Dict, List, Optional, Sequence

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from gpu_names import REPO_ROOT, gpu_key, infersim_gpu_name  # noqa: E402
from model_config import ConfigError, Mha, load_config, read_model  # noqa: E402
from items import COMM_KERNELS, KERNEL_GROUPS, KERNELS, PROFILES, Deployment, PlanItem  # noqa: E402
from plan import build_plan, default_decode_batch, limit_items  # noqa: E402
from records import measurement_record, plan_record, to_line  # noqa: E402


class UsageError(Exception):
    """Bad arguments: exit status 2."""


def int_list(text: str) -> List[int]:
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f'expected whole numbers separated by commas, got "{text}"') from None
    if not values or any(v <= 0 for v in values):
        raise argparse.ArgumentTypeError(f'expected positive whole numbers, got "{text}"')
    return values


def name_list(text: str) -> List[str]:
    return [v.strip() for v in text.split(",") if v.strip()]


def parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="run.py",
        description="Measure (or with --dry-run, list) the kernel shapes infersim looks up for a model and deployment. "
                    "Lists (1,2,4) in --tp, --world-size, --isl, --osl, --decode-batch and --max-prefill-tokens plan every combination.",
    )
    p.add_argument("--model", required=True, help="HuggingFace config.json path, or a bundled name (hf_configs/<name>.json)")
    p.add_argument("--gpu", help="infersim GPU name written into records (default: derived from the CUDA device name)")
    dep = p.add_argument_group("deployment (the simulate command's flags)")
    dep.add_argument("--tp", type=int_list, default=[1], help="tensor-parallel size (default 1)")
    dep.add_argument("--world-size", type=int_list, default=[1], help="number of GPUs W (default 1)")
    dep.add_argument("--nodes", type=int, default=1, help="nodes the GPUs span (default 1)")
    dep.add_argument("--fp8-gemm", action="store_true", help="FP8 GEMMs and grouped GEMMs")
    dep.add_argument("--weight-format", choices=("auto", "bf16", "fp8", "int4", "nvfp4", "mxfp4"), default="auto",
                     help="as simulate: auto = --fp8-gemm, else (default profile) the format the checkpoint ships in; "
                          "only fp8 reads fp8 GEMM tables")
    dep.add_argument("--fp8-kv", action="store_true", help="FP8 KV cache")
    dep.add_argument("--deepep", action="store_true", help="DeepEP all-to-all instead of all-reduce around the MoE")
    dep.add_argument("--isl", type=int_list, default=[4096], help="input length (default 4096)")
    dep.add_argument("--osl", type=int_list, default=[2048], help="output length (default 2048)")
    dep.add_argument("--decode-batch", type=int_list, help="requests per decode batch (default ceil(target TGS x TPOT / 1000))")
    dep.add_argument("--target-tgs", type=float, default=2560, help="sets the default decode batch (default 2560)")
    dep.add_argument("--target-tpot", type=float, default=50, help="ms; sets the default decode batch (default 50)")
    dep.add_argument("--max-prefill-tokens", type=int_list, default=[4096], help="tokens per prefill forward per GPU (default 4096)")
    mode = dep.add_mutually_exclusive_group()
    mode.add_argument("--prefill-only", action="store_true")
    mode.add_argument("--decode-only", action="store_true")
    sel = p.add_argument_group("what to measure")
    sel.add_argument("--kernels", type=name_list, default=list(KERNELS),
                     help=f"comma list of {', '.join(KERNELS)}; groups: deepep (the four DeepEP kernels), comm (all-reduce and DeepEP), all (default)")
    sel.add_argument("--profile", choices=("both",) + PROFILES, default="both",
                     help="plan the lookups of this simulator profile (default both)")
    sel.add_argument("--no-grid", action="store_true", help="only the exact lookups, no interpolation grid around them")
    sel.add_argument("--max-kv-gib", type=float, default=16.0, help="largest KV cache of a decode-attention grid point (default 16)")
    sel.add_argument("--both-dtypes", action="store_true", help="GEMMs in bf16 and fp8, decode attention with bf16 and fp8 KV")
    sel.add_argument("--limit", type=int, help="measure only the first N planned items (smoke runs)")
    sel.add_argument("--dry-run", action="store_true", help="print the plan as JSON lines; needs no torch and no GPU")
    how = p.add_argument_group("how to measure")
    how.add_argument("--device", choices=("cuda", "cpu"), default="cuda", help="cpu: a wall-clock smoke run, not a measurement")
    how.add_argument("--timer", choices=("cuda_event", "cuda_graph"), default="cuda_event")
    how.add_argument("--warmup", type=int, default=10)
    how.add_argument("--repeats", type=int, default=100, help="most timed calls per shape (default 100)")
    how.add_argument("--max-seconds", type=float, default=2.0, help="fewer repeats (at least 10) when a shape would take longer")
    how.add_argument("--no-flush-l2", action="store_true", help="keep the L2 cache warm between timed calls")
    how.add_argument("--backends", type=name_list, help="optional libraries allowed (default all installed); 'torch' = PyTorch paths only")
    how.add_argument("--output", help="write records to this file (atomically, at the end) instead of stdout")
    how.add_argument("--strict", action="store_true", help="exit 1 when any planned item was skipped or failed")
    args = p.parse_args(argv)
    kernels: List[str] = []
    for k in args.kernels:
        if k == "alltoall":
            p.error('--kernels: "alltoall" is not planned: the simulator reads DeepEP dispatch/combine tables (--kernels deepep)')
        for name in KERNEL_GROUPS.get(k, (k,)):
            if name not in KERNELS:
                p.error(f'--kernels: unknown kernel "{k}"; choose from {", ".join(KERNELS)}, {", ".join(KERNEL_GROUPS)}')
            if name not in kernels:
                kernels.append(name)
    args.kernels = kernels
    return args


def resolve_model(model: str) -> str:
    if os.path.exists(model):
        return model
    if "/" not in model and not model.endswith(".json"):
        bundled = os.path.join(REPO_ROOT, "hf_configs", f"{model.lower()}.json")
        if os.path.exists(bundled):
            return bundled
    raise ConfigError(f"{model}: model config not found (give a config.json path or a bundled name from hf_configs/)")


def deployments(args: argparse.Namespace, raw: Dict, source: str) -> List[Deployment]:
    """Every combination of the list arguments that the simulator accepts; others are reported and left out."""
    model = read_model(raw, source, published=False)
    a = model.attention
    batches = args.decode_batch or [default_decode_batch(args.target_tgs, args.target_tpot)]
    mode = "prefill" if args.prefill_only else "decode" if args.decode_only else "both"
    out, rejected = [], []
    for tp, w, isl, osl, bs, p in itertools.product(args.tp, args.world_size, args.isl, args.osl, batches, args.max_prefill_tokens):
        why = None
        if w % tp:
            why = f"tp {tp} does not divide the world size {w}"
        elif w % args.nodes:
            why = f"world size {w} is not divisible by nodes {args.nodes}"
        elif a.heads % tp:
            why = f"attention heads ({a.heads}) are not divisible by tp {tp}"
        elif isinstance(a, Mha) and a.kv_heads % tp and a.kv_heads >= tp:
            why = f"KV heads ({a.kv_heads}) are neither divisible by tp {tp} nor fewer than it"
        if why:
            rejected.append(why)
            continue
        out.append(Deployment(tp=tp, world_size=w, nodes=args.nodes, fp8_gemm=args.fp8_gemm, fp8_kv=args.fp8_kv,
                              deepep=args.deepep, isl=isl, osl=osl, decode_batch=bs, max_prefill_tokens=p, mode=mode,
                              weight_format=None if args.weight_format == "auto" else args.weight_format))
    for why in sorted(set(rejected)):
        print(f"run.py: left out: {why}", file=sys.stderr)
    if not out:
        raise UsageError("no valid deployment: " + "; ".join(sorted(set(rejected))))
    return out


def make_plan(args: argparse.Namespace, gpu: str) -> List[PlanItem]:
    source = resolve_model(args.model)
    raw = load_config(source)
    deps = deployments(args, raw, source)
    profiles = PROFILES if args.profile == "both" else (args.profile,)
    both = args.both_dtypes
    items = build_plan(raw, source, deps, gpu_key(gpu), profiles=profiles, kernels=args.kernels, grid=not args.no_grid,
                       max_kv_gib=args.max_kv_gib, extra_gemm_dtypes=("bf16", "fp8") if both else (),
                       extra_kv_dtypes=("bf16", "fp8") if both else ())
    return limit_items(items, args.limit) if args.limit else items


def plan_summary(items: List[PlanItem]) -> str:
    counts: Dict[str, List[int]] = {}
    for it in items:
        c = counts.setdefault(f"{it.kernel}{' ' + it.phase if it.phase else ''}", [0, 0])
        c[0 if it.role == "lookup" else 1] += 1
    parts = [f"{k}: {v[0]} lookups + {v[1]} grid" for k, v in counts.items()]
    return f"planned {len(items)} measurements ({'; '.join(parts)})"


def dry_run_gpu(args: argparse.Namespace) -> str:
    if args.gpu:
        return args.gpu
    from env import nvidia_smi

    name = nvidia_smi().get("name")
    if not name:
        raise UsageError("--gpu is needed with --dry-run when no GPU is visible (e.g. --gpu H100-SXM)")
    return infersim_gpu_name(name)


class Output:
    """stdout, or a file written as <file>.partial and renamed into place when the run succeeds."""

    def __init__(self, path: Optional[str]):
        self.path = path
        self.partial = f"{path}.partial" if path else None
        self.f = open(self.partial, "w", encoding="utf-8") if self.partial else sys.stdout

    def write(self, rec: Dict) -> None:
        self.f.write(to_line(rec) + "\n")
        self.f.flush()

    def close(self, success: bool) -> None:
        if not self.path:
            return
        self.f.close()
        if success:
            os.replace(self.partial, self.path)
        else:
            print(f"run.py: records so far are in {self.partial}; {self.path} is unchanged", file=sys.stderr)


def describe(item: PlanItem) -> str:
    shape = " ".join(f"{k}={v}" for k, v in item.shape.items())
    kv = f" kv={item.kv_dtype}" if item.kv_dtype else ""
    return f"{item.kernel}{' ' + item.phase if item.phase else ''} {item.dtype}{kv} {shape}"


def measure(args: argparse.Namespace, argv_text: str) -> int:
    try:
        import torch
    except ImportError:
        print("run.py: PyTorch is not installed; install it on the GPU machine, or use --dry-run to see the plan", file=sys.stderr)
        return 1
    if args.device == "cuda" and not torch.cuda.is_available():
        print("run.py: no CUDA device is visible (use --dry-run to list the plan, or --device cpu for a smoke run)", file=sys.stderr)
        return 1
    import comm
    from backends import Backends
    from common import Ctx
    from env import capture_env, sm_clock_mhz, smi_id
    from timing import Timer

    dist_world = comm.distributed_world()
    rank = comm.init(args.device)["rank"] if dist_world > 1 else 0
    env = capture_env(args.device, argv_text)
    gpu = args.gpu or (infersim_gpu_name(env["gpu_name"]) if args.device != "cpu" else "cpu")
    items = make_plan(args, gpu)
    if not items:
        print(f"run.py: nothing to measure: this model has no {', '.join(args.kernels)} kernels to plan", file=sys.stderr)
        return 1
    if rank == 0:
        print(f"run.py: {plan_summary(items)} on {env['gpu_name']} as {gpu}", file=sys.stderr)
    allowed = None if args.backends is None else [b for b in args.backends if b != "torch"]
    timer = Timer(device=args.device, timer=args.timer, warmup=args.warmup, repeats=args.repeats,
                  max_seconds=args.max_seconds, flush_l2=not args.no_flush_l2)
    ctx = Ctx(torch=torch, device=args.device if args.device == "cpu" else f"cuda:{torch.cuda.current_device()}",
              timer=timer, backends=Backends(allowed))
    out = Output(args.output) if rank == 0 else None
    counts = {"measured": 0, "skipped": 0, "failed": 0}

    def emit(item: PlanItem, m) -> None:
        out.write(measurement_record(item, gpu, m, env))

    comm_items = [it for it in items if it.kernel in COMM_KERNELS]
    if dist_world > 1:
        for k, v in comm.measure_all(comm_items, ctx, args.warmup, args.repeats, emit).items():
            counts[k] += v
        comm.finish()
        if rank != 0:
            return 0  # the other kernels run on one GPU, rank 0's
    elif comm_items:
        print(f"run.py: skipping {len(comm_items)} all-reduce/all-to-all items: start with torchrun --nproc-per-node N to measure them",
              file=sys.stderr)
        counts["skipped"] += len(comm_items)

    compute = [it for it in items if it.kernel not in COMM_KERNELS]
    modules = _kernel_modules()
    last_clock = 0.0
    try:
        for i, item in enumerate(compute, 1):
            label = f"[{i}/{len(compute)}] {describe(item)}"
            try:
                m = modules[item.kernel].measure(item, ctx)
            except Exception as e:  # Skip, out of memory, a kernel error: report and go on
                from common import Skip

                kind = "skipped" if isinstance(e, Skip) else "failed"
                counts[kind] += 1
                print(f"{label}: {kind}: {str(e).splitlines()[0][:300] if str(e) else type(e).__name__}", file=sys.stderr)
                if args.device != "cpu":
                    torch.cuda.empty_cache()
                continue
            if args.device != "cpu" and time.monotonic() - last_clock > 5:
                clock = sm_clock_mhz(smi_id(torch, torch.cuda.current_device()))
                if clock is not None:
                    env["sm_clock_mhz"] = clock
                last_clock = time.monotonic()
            emit(item, m)
            counts["measured"] += 1
            if args.device != "cpu":
                torch.cuda.empty_cache()  # shapes differ item to item: keep the allocator from fragmenting
            print(f"{label}: {m.latency_us:.2f} us ({m.backend})", file=sys.stderr)
    except KeyboardInterrupt:
        out.close(False)
        return 130
    print(f"run.py: measured {counts['measured']}, skipped {counts['skipped']}, failed {counts['failed']}", file=sys.stderr)
    ok = counts["measured"] > 0 and not (args.strict and (counts["skipped"] or counts["failed"]))
    out.close(ok)
    return 0 if ok else 1


def _kernel_modules():
    import attention
    import dsa
    import gdn
    import gemm
    import grouped_gemm
    import mla

    return {"gemm": gemm, "attention": attention, "mla": mla, "dsa_attn": dsa, "dsa_logits": dsa, "grouped_gemm": grouped_gemm, "gdn": gdn}


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    argv_text = " ".join(shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv))
    try:
        if args.dry_run:
            gpu = dry_run_gpu(args)
            items = make_plan(args, gpu)
            out = Output(args.output)
            for item in items:
                out.write(plan_record(item, gpu))
            out.close(True)
            print(f"run.py: {plan_summary(items)}", file=sys.stderr)
            return 0
        return measure(args, argv_text)
    except UsageError as e:
        print(f"run.py: error: {e}", file=sys.stderr)
        return 2
    except ConfigError as e:
        print(f"run.py: error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
