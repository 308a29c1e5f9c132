"""After a run: `infersim ingest` of its records, then `infersim simulate` of each planned deployment on the new tables."""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
from typing import List

from gpu_names import REPO_ROOT
from items import Deployment
from worker import say


def infersim_command() -> List[str]:
    """This checkout's CLI (node bin/run.js), else an `infersim` on PATH."""
    local = os.path.join(REPO_ROOT, "bin", "run.js")
    if os.path.exists(local) and shutil.which("node"):
        return ["node", local]
    if shutil.which("infersim"):
        return ["infersim"]
    raise RuntimeError("neither this checkout's bin/run.js (with node) nor an infersim command was found to ingest the records")


def simulate_flags(d: Deployment, model: str, gpu: str) -> List[str]:
    flags = ["--model", model, "--gpu", gpu, "--tp", str(d.tp), "--world-size", str(d.world_size), "--nodes", str(d.nodes),
             "--isl", str(d.isl), "--osl", str(d.osl), "--decode-batch", str(d.decode_batch), "--max-prefill-tokens", str(d.max_prefill_tokens)]
    flags += [f for f, on in (("--fp8-gemm", d.fp8_gemm), ("--fp8-kv", d.fp8_kv), ("--deepep", d.deepep), ("--tbo", d.tbo)) if on]
    if d.moe_ep:
        flags += ["--moe-ep", str(d.moe_ep)]
    if d.weight_format:
        flags += ["--weight-format", d.weight_format]
    if d.mode != "both":
        flags.append(f"--{d.mode}-only")
    return flags


def ingest_and_simulate(args: argparse.Namespace, records_file: str, model: str, deployments: List[Deployment], gpu: str) -> int:
    cli = infersim_command()
    spec = ["--gpu-spec", args.gpu_spec] if args.gpu_spec else []
    ingest = [*cli, "ingest", records_file, "--out", args.ingest, *spec] + (["--allow-cpu"] if args.allow_cpu else [])
    say(f"run.py: {' '.join(ingest)}")
    if subprocess.run(ingest).returncode != 0:
        say(f"run.py: the ingest failed; the records are kept in {records_file}")
        return 1
    for d in deployments:
        for profile in args.simulate_profiles:
            cmd = [*cli, "simulate", *simulate_flags(d, model, gpu), *spec, "--profile", profile, "--bench-data", args.ingest]
            say(f"run.py: {' '.join(cmd)}")
            r = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
            say(r.stdout.rstrip())
            if r.returncode != 0:
                return 1
    return 0
