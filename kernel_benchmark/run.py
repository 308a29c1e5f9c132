#!/usr/bin/env python3
"""Measure the kernels the infersim simulator looks up for one model and deployment.

    python3 kernel_benchmark/run.py --model qwen3-8b --gpus 8 --tp 2 --world-size 8 --output qwen3-8b.jsonl --ingest
    python3 kernel_benchmark/run.py --model hf_configs/qwen3-8b.json --gpu H100-SXM --tp 1 --world-size 8
    python3 kernel_benchmark/run.py --model qwen3-30b-a3b --tp 2 --world-size 8 --dry-run

Writes one JSON record per measurement to stdout (or --output), in the raw
format of src/schemas/raw-measurement.schema.json, which `infersim ingest`
reads; progress goes to stderr. --dry-run prints the plan instead (no torch).
--gpus N runs on N GPUs of this node (node.py): collectives across them, the
other kernels shared out, resumable, with a timeout per item.
"""
from __future__ import annotations

import argparse
import itertools
import os
import shlex
import sys
from typing import Dict, List, Optional, Sequence, Set

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fp8 import RECIPES  # noqa: E402
from gpu_names import REPO_ROOT, gpu_key, infersim_gpu_name  # noqa: E402
from items import KERNEL_GROUPS, KERNELS, PROFILES, Deployment, PlanItem  # noqa: E402
from model_config import ConfigError, Mha, load_config, read_model  # noqa: E402
from plan import build_plan, default_decode_batch, limit_items  # noqa: E402
from records import plan_record, to_line  # noqa: E402
from routing import ROUTINGS  # noqa: E402
from workdir import read_lines, record_key  # noqa: E402


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


def positive_int(text: str) -> int:
    v = int_list(text)
    if len(v) != 1:
        raise argparse.ArgumentTypeError(f'expected one positive whole number, got "{text}"')
    return v[0]


EXAMPLES = """examples:
  run.py --model qwen3-8b --gpu H20 --dry-run                       the plan, no GPU needed
  run.py --model qwen3-8b --gpus 8 --world-size 8 --output q.jsonl  every GPU of this node; rerun to resume
  run.py --model qwen3-8b --gpus 8 --world-size 8 --ingest          ... then infersim ingest and simulate
  run.py --model tiny.json --gpu H20 --device cpu --gpus 2 --allow-cpu --ingest /tmp/bench
                                                                    the whole chain on the CPU (a smoke run)
"""


def parse_args(argv: Optional[Sequence[str]], default_kernels: Optional[Sequence[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="run.py", formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EXAMPLES,
        description="Measure (or with --dry-run, list) the kernel shapes infersim looks up for a model and deployment. "
                    "Lists (1,2,4) in --tp, --world-size, --isl, --osl, --decode-batch and --max-prefill-tokens plan every combination.",
    )
    p.add_argument("--model", required=True, help="HuggingFace config.json path, or a bundled name (hf_configs/<name>.json)")
    p.add_argument("--gpu", help="infersim GPU name written into records (default: derived from the CUDA device name)")
    p.add_argument("--gpu-spec", help="JSON file of GPUs (schema of data/gpus.json) for a GPU the bundled file lacks; passed on to ingest and simulate")
    dep = p.add_argument_group("deployment (the simulate command's flags)")
    dep.add_argument("--tp", type=int_list, default=[1], help="tensor-parallel size (default 1)")
    dep.add_argument("--world-size", type=int_list, default=[1], help="number of GPUs W (default 1)")
    dep.add_argument("--nodes", type=int, default=1, help="nodes the GPUs span (default 1)")
    dep.add_argument("--fp8-gemm", action="store_true", help="FP8 GEMMs and grouped GEMMs")
    dep.add_argument("--weight-format", choices=("auto", "bf16", "fp8", "int4", "nvfp4", "mxfp4"), default="auto",
                     help="as simulate: auto = --fp8-gemm, else (default profile) the format the checkpoint ships in; "
                          "fp8 and nvfp4 read the fp8 GEMM tables, the others bf16")
    dep.add_argument("--fp8-kv", action="store_true", help="FP8 KV cache")
    dep.add_argument("--deepep", action="store_true", help="DeepEP dispatch/combine around expert-parallel MoE layers "
                                                          "(without: all-gather and reduce-scatter on one node)")
    dep.add_argument("--tbo", action="store_true", help="two-batch overlap: each forward carries two micro-batches (their LM head)")
    dep.add_argument("--moe-ep", type=positive_int, help="expert-parallel size of the MoE over the world size (default world size / tp)")
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
    sel.add_argument("--kernels", type=name_list, default=list(default_kernels or KERNELS),
                     help=f"comma list of {', '.join(KERNELS)}; groups: deepep (the four DeepEP kernels), comm (all-reduce, all-gather, reduce-scatter and DeepEP), all (default)")
    sel.add_argument("--profile", choices=("both",) + PROFILES, default="both",
                     help="plan the lookups of this simulator profile (default both)")
    sel.add_argument("--no-grid", action="store_true", help="only the exact lookups, no interpolation grid around them")
    sel.add_argument("--max-kv-gib", type=float, default=16.0, help="largest KV cache of a decode-attention grid point (default 16)")
    sel.add_argument("--both-dtypes", action="store_true", help="GEMMs in bf16 and fp8, decode attention with bf16 and fp8 KV")
    sel.add_argument("--limit", type=positive_int, help="measure only N planned items, lookups first, every kernel in turn (smoke runs)")
    sel.add_argument("--dry-run", action="store_true", help="print the plan as JSON lines; needs no torch and no GPU")
    how = p.add_argument_group("how to measure")
    how.add_argument("--device", choices=("cuda", "cpu"), default="cuda", help="cpu: a wall-clock smoke run, not a measurement")
    how.add_argument("--timer", choices=("cuda_graph", "cuda_event"), default="cuda_graph",
                     help="cuda_graph (default): replays of back-to-back calls over rotating operand copies; cuda_event: events around each call, L2 flushed")
    how.add_argument("--no-rotate", action="store_true", help="cuda_graph: one operand copy (weights may stay in L2 between calls)")
    how.add_argument("--warmup", type=int, default=10)
    how.add_argument("--repeats", type=int, default=100, help="most timed calls (graph replays) per shape (default 100)")
    how.add_argument("--max-seconds", type=float, default=2.0, help="fewer repeats (at least 10) when a shape would take longer")
    how.add_argument("--no-flush-l2", action="store_true", help="cuda_event: keep the L2 cache warm between timed calls")
    how.add_argument("--fp8-recipe", choices=RECIPES, default="block",
                     help="fp8 scales: block (1x128 activations, 128x128 weights; default), channel (per token/channel), tensor")
    how.add_argument("--no-act-quant", action="store_true", help="fp8 GEMMs: leave the activation quantisation out of the timed call")
    how.add_argument("--moe-routing", choices=ROUTINGS, default="balanced", help="tokens per expert: balanced (default), uniform, power_law")
    how.add_argument("--power-law-alpha", type=float, default=1.2, help="power_law routing exponent (default 1.2)")
    how.add_argument("--seed", type=int, default=0, help="seed of random routing")
    how.add_argument("--backends", type=name_list, help="optional libraries allowed (default all installed); 'torch' = PyTorch paths only")
    how.add_argument("--output", help="write records to this file (as FILE.partial, renamed at the end) instead of stdout; a rerun resumes")
    how.add_argument("--strict", action="store_true", help="exit 1 when any planned item was skipped or failed")
    node = p.add_argument_group("one node, several nodes")
    node.add_argument("--gpus", type=positive_int, help="run on this many GPUs of this node (one worker each): collectives across them, the rest shared out")
    node.add_argument("--nnodes", type=positive_int, default=1, help="nodes taking part (each runs this command; default 1)")
    node.add_argument("--node-rank", type=int, default=0, help="this node's index (0 gathers the records)")
    node.add_argument("--master-addr", default="127.0.0.1", help="address of node 0 (default 127.0.0.1)")
    node.add_argument("--master-port", type=int, help="port on node 0 (default: a free one; give it on several nodes)")
    node.add_argument("--workdir", help="folder of the run's partial results, for resuming (default <output>.parts or ./kb-run-<model>-<gpu>-<plan hash>)")
    node.add_argument("--fresh", action="store_true", help="forget what an earlier run in the workdir measured")
    node.add_argument("--retry-failed", action="store_true", help="measure again the items an earlier run failed or timed out on")
    node.add_argument("--item-timeout", type=float, default=600.0, help="seconds one item may take before its worker is stopped and restarted (default 600; 0 = none)")
    node.add_argument("--comm-timeout", type=float, default=900.0, help="seconds a collective may hang before the process group gives up (default 900)")
    node.add_argument("--comm-repeats", type=int, default=50, help="most timed repeats of a collective (default 50)")
    node.add_argument("--lock-clocks", action="store_true", help="persistence on and SM clocks locked at their maximum for the run (root; undone at the end)")
    node.add_argument("--ingest", nargs="?", const=os.path.join(REPO_ROOT, "bench_data"), metavar="DIR",
                      help="then `infersim ingest` the records into DIR (default this checkout's bench_data) and simulate each deployment on them")
    node.add_argument("--simulate-profile", dest="simulate_profiles", action="append", choices=PROFILES,
                      help="profiles of that simulate (default: default)")
    node.add_argument("--allow-cpu", action="store_true", help="with --device cpu --ingest: let the CPU smoke-run records into the tables (ingest --allow-cpu)")
    p.add_argument("--worker-rank", type=int, help=argparse.SUPPRESS)
    p.add_argument("--compute-only", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.gpu_spec:
        if not os.path.exists(args.gpu_spec):
            p.error(f"--gpu-spec {args.gpu_spec}: file not found")
        import gpu_names

        gpu_names.GPU_SPEC_FILES[:] = [os.path.abspath(args.gpu_spec)]
    kernels: List[str] = []
    for k in args.kernels:
        if k == "alltoall":
            p.error('--kernels: "alltoall" is not planned: the simulator runs all-to-all only across nodes, where it times '
                    'collectives with the bandwidth formula, not the tables')
        for name in KERNEL_GROUPS.get(k, (k,)):
            if name not in KERNELS:
                p.error(f'--kernels: unknown kernel "{k}"; choose from {", ".join(KERNELS)}, {", ".join(KERNEL_GROUPS)}')
            if name not in kernels:
                kernels.append(name)
    args.kernels = kernels
    args.simulate_profiles = args.simulate_profiles or ["default"]
    if args.ingest and args.device == "cpu" and not args.allow_cpu:
        p.error("--ingest of a --device cpu run needs --allow-cpu: CPU timings are not GPU measurements, and ingest refuses them without it")
    if args.node_rank >= args.nnodes:
        p.error(f"--node-rank {args.node_rank} is not below --nnodes {args.nnodes}")
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
    published = read_model(raw, source, published=True)
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
        elif args.moe_ep and w % args.moe_ep:
            why = f"--moe-ep {args.moe_ep} does not divide the world size {w}"
        elif args.moe_ep and not published.ffn.is_moe and args.moe_ep != w // tp:
            why = f"--moe-ep {args.moe_ep}: the model has no MoE layers to spread"
        if why:
            rejected.append(why)
            continue
        out.append(Deployment(tp=tp, world_size=w, nodes=args.nodes, fp8_gemm=args.fp8_gemm, fp8_kv=args.fp8_kv,
                              deepep=args.deepep, isl=isl, osl=osl, decode_batch=bs, max_prefill_tokens=p, mode=mode,
                              weight_format=None if args.weight_format == "auto" else args.weight_format, tbo=args.tbo,
                              moe_ep=args.moe_ep))
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
        return checked_gpu(args.gpu)
    from env import nvidia_smi

    name = nvidia_smi().get("name")
    if not name:
        raise UsageError("--gpu is needed when no GPU is visible (e.g. --gpu H100-SXM)")
    return checked_gpu(infersim_gpu_name(name))


def checked_gpu(name: str) -> str:
    from gpu_names import find_gpu

    if find_gpu(name) is None:
        print(f"run.py: warning: {name} has no entry in data/gpus.json (or --gpu-spec): records carry no MFU, and ingest and simulate "
              f"need a --gpu-spec file with its peaks (schema: src/schemas/gpu.schema.json)", file=sys.stderr)
    return name


def run_gpu(args: argparse.Namespace) -> str:
    """The GPU name records carry: --gpu, else the CUDA device's infersim name (nvidia-smi, no torch)."""
    if args.gpu:
        return checked_gpu(args.gpu)
    if args.device == "cpu":
        return "cpu"
    return dry_run_gpu(args)


class Output:
    """stdout, or a file written as <file>.partial and renamed into place when the run succeeds.

    A <file>.partial left by an interrupted run is kept: its records count as measured."""

    def __init__(self, path: Optional[str]):
        self.path = path
        self.partial = f"{path}.partial" if path else None
        self._done: Set[str] = {record_key(r) for r in read_lines(self.partial)} if self.partial else set()
        self.f = open(self.partial, "a", encoding="utf-8") if self.partial else sys.stdout

    def done_keys(self) -> Set[str]:
        return set(self._done)

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
            print(f"run.py: records so far are in {self.partial} (a rerun continues from them); {self.path} is unchanged", file=sys.stderr)


def write_records(path: Optional[str], records: List[Dict]) -> None:
    if not path:
        for rec in records:
            sys.stdout.write(to_line(rec) + "\n")
        sys.stdout.flush()
        return
    tmp = f"{path}.partial"
    with open(tmp, "w", encoding="utf-8") as f:
        for rec in records:
            f.write(to_line(rec) + "\n")
    os.replace(tmp, path)


def exit_status(args: argparse.Namespace, counts: Dict[str, int]) -> int:
    problems = sum(v for k, v in counts.items() if k != "measured")
    return 0 if counts.get("measured", 0) > 0 and not (args.strict and problems) else 1


def on_node(args: argparse.Namespace, argv: List[str], items: List[PlanItem], gpu: str) -> int:
    """`--gpus N`: the node launcher; then the records to --output (or stdout), then ingest and simulate if asked."""
    import node

    try:
        result = node.launch(args, argv, items, gpu)
    except ValueError as e:
        raise UsageError(str(e)) from None
    except KeyboardInterrupt:
        return 130
    counts = result["counts"]
    print(f"run.py: {', '.join(f'{k.replace(chr(95), chr(32))} {v}' for k, v in counts.items() if v)}", file=sys.stderr)
    for m in result["missing"][:20]:
        print(f"  {m['kind']}: {m['item']}: {m['reason']}", file=sys.stderr)
    if args.node_rank != 0:
        return 0
    records_file = args.output or (raw_records_path(args.ingest, args.model, gpu) if args.ingest else None)
    write_records(records_file, result["records"])
    status = exit_status(args, counts)
    if status == 0 and args.ingest:
        from chain import ingest_and_simulate

        status = ingest_and_simulate(args, records_file, resolve_model(args.model), plan_deployments(args), gpu)
    if status == 0 and not args.workdir and not result["missing"]:
        import shutil

        shutil.rmtree(result["workdir"], ignore_errors=True)  # complete: nothing to resume
    elif result["missing"] or status:
        print(f"run.py: partial results are kept in {result['workdir']}: the same command resumes from them", file=sys.stderr)
    return status


def raw_records_path(bench_data: str, model: str, gpu: str) -> str:
    """Where --ingest without --output keeps the records: <bench_data>/raw/, as `infersim ingest --run` does."""
    import time

    stamp = time.strftime("%Y-%m-%dT%H-%M-%S", time.gmtime())
    name = os.path.splitext(os.path.basename(model))[0]
    os.makedirs(os.path.join(bench_data, "raw"), exist_ok=True)
    return os.path.join(bench_data, "raw", f"kernel_benchmark-{name}-{gpu.lower()}-{stamp}.jsonl")


def single(args: argparse.Namespace, items: List[PlanItem], gpu: str, argv_text: str) -> int:
    try:
        import torch
    except ImportError:
        print("run.py: PyTorch is not installed; install it on the GPU machine (kernel_benchmark/requirements.txt), or use --dry-run to see the plan",
              file=sys.stderr)
        return 1
    if args.device == "cuda" and not torch.cuda.is_available():
        print("run.py: no CUDA device is visible (use --dry-run to list the plan, or --device cpu for a smoke run)", file=sys.stderr)
        return 1
    from worker import run_single

    out = Output(args.output)
    try:
        counts = run_single(args, items, gpu, argv_text, out)
    except KeyboardInterrupt:
        out.close(False)
        return 130
    print(f"run.py: measured {counts['measured']}, skipped {counts['skipped']}, failed {counts['failed']}", file=sys.stderr)
    status = exit_status(args, counts)
    out.close(status == 0)
    if status == 0 and args.ingest and args.output:
        from chain import ingest_and_simulate

        status = ingest_and_simulate(args, args.output, resolve_model(args.model), plan_deployments(args), gpu)
    return status


def plan_deployments(args: argparse.Namespace) -> List[Deployment]:
    source = resolve_model(args.model)
    return deployments(args, load_config(source), source)


def main(argv: Optional[Sequence[str]] = None, default_kernels: Optional[Sequence[str]] = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(words, default_kernels)
    argv_text = " ".join(shlex.quote(a) for a in words)
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
        gpu = run_gpu(args)
        items = make_plan(args, gpu)
        if not items:
            print(f"run.py: nothing to measure: this model has no {', '.join(args.kernels)} kernels to plan", file=sys.stderr)
            return 1
        if args.worker_rank is not None:
            from worker import run_worker

            return run_worker(args, items, gpu, argv_text)
        print(f"run.py: {plan_summary(items)} as {gpu}", file=sys.stderr)
        if args.gpus:
            return on_node(args, words, items, gpu)
        if args.ingest and not args.output:
            raise UsageError("--ingest without --gpus needs --output FILE (the records to ingest)")
        return single(args, items, gpu, argv_text)
    except UsageError as e:
        print(f"run.py: error: {e}", file=sys.stderr)
        return 2
    except ConfigError as e:
        print(f"run.py: error: {e}", file=sys.stderr)
        return 1


def main_for_kernels(kernels: Sequence[str]) -> int:
    """Entry point of the per-kernel scripts (gemm.py, attention.py, ...): run.py with --kernels defaulting to theirs."""
    return main(None, kernels)


if __name__ == "__main__":
    sys.exit(main())
