"""`run.py --gpus N`: one command for a node. Starts a worker per GPU, watches them, gathers their records.

1. Preflight: clocks, persistence, power, other processes on the GPUs, library
   versions (preflight.py); --lock-clocks pins the SM clocks.
2. N workers (worker.run_worker), ranks of one process group: the collectives
   across all of them, then the other kernels shared out over the GPUs.
3. Each worker says in the workdir what it is measuring since when; an item
   that runs longer than --item-timeout is stopped: the worker is killed, the
   item recorded as timed out, and the worker started again on what is left
   (during the collectives every worker is restarted, they share a group).
4. The records of all ranks, in plan order, go to --output (or stdout).
A rerun with the same workdir resumes: only missing items are measured.
With several nodes (--nnodes, --node-rank, --master-addr) every node runs
this command; the collectives span all GPUs, the other kernels run on node 0.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from typing import Dict, List, Optional

import preflight
from items import PlanItem
from workdir import Workdir, record_key, write_atomic
from worker import say

POLL_SECONDS = 0.2
MAX_RESTARTS = 5


def default_workdir(args: argparse.Namespace, items: List[PlanItem], gpu: str) -> str:
    if args.output:
        return f"{args.output}.parts"
    digest = hashlib.sha256("\n".join(it.key_text() for it in items).encode()).hexdigest()[:10]
    model = os.path.splitext(os.path.basename(args.model))[0]
    return os.path.abspath(f"kb-run-{model}-{gpu}-{digest}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Launcher:
    def __init__(self, args: argparse.Namespace, argv: List[str], wd: Workdir):
        self.args, self.argv, self.wd = args, argv, wd
        self.world = args.gpus * args.nnodes
        self.procs: Dict[int, subprocess.Popen] = {}
        self.port = args.master_port or free_port()
        self.restarts: Dict[int, int] = {}
        self.gave_up: Dict[int, str] = {}

    def rank(self, local: int) -> int:
        return self.args.node_rank * self.args.gpus + local

    def spawn(self, local: int, compute_only: bool = False) -> None:
        a = self.args
        env = dict(os.environ, RANK=str(self.rank(local)), WORLD_SIZE=str(self.world), LOCAL_RANK=str(local),
                   LOCAL_WORLD_SIZE=str(a.gpus), MASTER_ADDR=a.master_addr, MASTER_PORT=str(self.port))
        cmd = [sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "run.py"), *self.argv,
               "--worker-rank", str(local), "--workdir", self.wd.path] + (["--compute-only"] if compute_only else [])
        self.procs[local] = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, start_new_session=True)

    def kill(self, local: int) -> None:
        p = self.procs.get(local)
        if p is not None and p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()

    def kill_all(self) -> None:
        for local in list(self.procs):
            self.kill(local)

    def restart(self, local: int, why: str, compute_only: bool) -> None:
        self.restarts[local] = self.restarts.get(local, 0) + 1
        if self.restarts[local] > MAX_RESTARTS:
            self.gave_up[local] = why
            say(f"run.py: rank {self.rank(local)}: {why}; restarted {MAX_RESTARTS} times already, giving up on its remaining items")
            self.procs.pop(local, None)
            return
        self.spawn(local, compute_only)

    def give_up_on_current(self, local: int, kind: str, why: str) -> Optional[Dict]:
        cur = self.wd.current(self.rank(local))
        if cur:
            self.wd.add_issue(self.rank(local), _KeyItem(cur["key"]), kind, why)  # type: ignore[arg-type]
            self.wd.end_items(self.rank(local))
        return cur

    def collectives_broke(self, local: int, kind: str, why: str) -> None:
        """A rank stopped inside the collectives: all ranks are stopped and started again on what is left
        (several nodes: the local ranks go on without collectives)."""
        cur = self.give_up_on_current(local, kind, why)
        say(f"run.py: {why} in the collectives ({cur['label'] if cur else 'unknown item'}); restarting the workers")
        self.kill_all()
        for other in range(self.args.gpus):
            self.wd.end_items(self.rank(other))
        single_node = self.args.nnodes == 1
        if single_node:
            self.port = free_port()
        for other in range(self.args.gpus):
            self.restart(other, why, compute_only=not single_node)

    def run(self) -> None:
        for local in range(self.args.gpus):
            self.spawn(local)
        timeout = self.args.item_timeout
        while self.procs:
            time.sleep(POLL_SECONDS)
            for local, p in list(self.procs.items()):
                rc = p.poll()
                cur = self.wd.current(self.rank(local))
                if rc is None:
                    if cur and timeout and time.time() - cur["started"] > timeout:
                        why = f"timed out after {timeout:g} s"
                        if cur.get("comm"):
                            self.collectives_broke(local, "timed_out", why)
                            break
                        say(f"run.py: rank {self.rank(local)}: {cur['label']}: {why}; restarting it on the items left")
                        self.kill(local)
                        self.give_up_on_current(local, "timed_out", why)
                        self.restart(local, why, compute_only=True)
                    continue
                if rc == 0:
                    self.procs.pop(local)
                    continue
                why = f"the worker exited with code {rc}"
                if cur and cur.get("comm"):
                    self.collectives_broke(local, "failed", why)
                    break
                self.give_up_on_current(local, "failed", why)
                self.restart(local, why, compute_only=True)


class _KeyItem:
    """An item known only by its key (from a worker's current-item file)."""

    def __init__(self, key: str):
        self.key = key

    def key_text(self) -> str:
        return self.key


def gather(items: List[PlanItem], wd: Workdir) -> Dict:
    """The records of every rank in plan order, and what is not measured, with why."""
    by_key = {}
    for rec in wd.records():
        by_key.setdefault(record_key(rec), rec)
    issues = {}
    for issue in wd.issues():
        issues[issue["key"]] = issue
    records, missing = [], []
    counts = {"measured": 0, "skipped": 0, "failed": 0, "timed_out": 0, "not_measured": 0}
    for it in items:
        key = it.key_text()
        if key in by_key:
            records.append(by_key[key])
            counts["measured"] += 1
            continue
        issue = issues.get(key)
        kind = issue["kind"] if issue else "not_measured"
        counts[kind] = counts.get(kind, 0) + 1
        missing.append({"item": key, "kind": kind, "reason": issue["reason"] if issue else "no worker reached it"})
    return {"records": records, "missing": missing, "counts": counts}


def run_preflight(args: argparse.Namespace, wd: Workdir) -> bool:
    """Reports the GPUs' state; returns whether the clocks were locked (to be unlocked at the end)."""
    if args.device == "cpu":
        rep = {"gpus": [], "other_processes": [], "libraries": preflight.report(0)["libraries"], "warnings": ["--device cpu: a smoke run, not a measurement"]}
    else:
        rep = preflight.report(args.gpus)
        if rep["gpus"] and len(rep["gpus"]) < args.gpus:
            raise ValueError(f"--gpus {args.gpus}, but nvidia-smi sees {len(rep['gpus'])} GPUs on this node")
    locked = False
    if args.lock_clocks and args.device != "cpu":
        problems = preflight.lock_clocks(args.gpus)
        locked = not problems
        rep["warnings"] += problems
    say(preflight.render(rep))
    write_atomic(wd.preflight_file, json.dumps({"report": rep, "env": preflight.env_summary(rep, locked)}, indent=1))
    return locked


def launch(args: argparse.Namespace, argv: List[str], items: List[PlanItem], gpu: str) -> Dict:
    wd = Workdir(args.workdir or default_workdir(args, items, gpu))
    if args.fresh:
        wd.clear()
    done = wd.done()
    if done:
        say(f"run.py: resuming from {wd.path}: {len([it for it in items if it.key_text() in done])} of {len(items)} items already measured")
    locked = run_preflight(args, wd)
    launcher = Launcher(args, argv, wd)
    try:
        launcher.run()
    except KeyboardInterrupt:
        launcher.kill_all()
        say(f"run.py: interrupted; the partial results are kept in {wd.path}: the same command resumes from them")
        raise
    finally:
        if locked:
            preflight.unlock_clocks(args.gpus)
    result = gather(items, wd)
    result["workdir"] = wd.path
    return result
