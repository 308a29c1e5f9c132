"""One command for a node, without a GPU: collectives' agreement and barriers, the preflight, sharding, item timeouts, resume."""
from __future__ import annotations

import argparse
import json
import os
import shutil
import stat
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.dirname(HERE)
sys.path.insert(0, BENCH)
sys.path.insert(0, HERE)

import node  # noqa: E402
import preflight  # noqa: E402
import run  # noqa: E402
from fakes import fake_ctx, fake_gpu  # noqa: E402
from items import PlanItem  # noqa: E402
from workdir import Workdir, append_line  # noqa: E402
from worker import shard  # noqa: E402


def allreduce(nbytes, gpus=2):
    return PlanItem("allreduce", None, "bf16", None, {"num_gpus": gpus, "message_bytes": nbytes}, "comm/h20/allreduce.csv", "lookup")


def collective(kernel, nbytes, gpus=2):
    return PlanItem(kernel, None, "bf16", None, {"num_gpus": gpus, "message_bytes": nbytes}, f"comm/h20/{kernel}.csv", "lookup")


def gemm(m):
    return PlanItem("gemm", None, "bf16", None, {"m": m, "k": 4096, "n": 4096}, "gemm/h20/bf16.csv", "lookup")


class FakeDist:
    """torch.distributed as one rank sees it; the other ranks' part of each status agreement is scripted."""

    class ReduceOp:
        MAX = "max"

    def __init__(self, rank, world, others_fail=(), backend="nccl"):
        self.rank, self.world, self.others_fail, self.backend = rank, world, list(others_fail), backend
        self.log = []
        self.agreements = 0

    def get_rank(self):
        return self.rank

    def get_world_size(self):
        return self.world

    def new_group(self, ranks):
        return f"group{len(ranks)}"

    def get_backend(self, group=None):
        return self.backend

    def barrier(self, group=None):
        self.log.append(("barrier", group))

    def all_reduce(self, t, op=None, group=None):
        if t.values is not None and len(t.values) == 1 and group is None:  # a status agreement over all ranks
            other = 1 if self.agreements in self.others_fail else 0
            self.agreements += 1
            t.values = [max(t.values[0], other)]
            self.log.append(("agree", t.values[0]))
        else:
            self.log.append(("all_reduce", group))

    def all_to_all_single(self, dst, src, group=None):
        self.log.append(("all_to_all", group, dst.nbytes, src.nbytes))

    def all_gather_into_tensor(self, dst, src, group=None):
        self.log.append(("all_gather_into_tensor", group, dst.nbytes, src.nbytes))

    def all_gather(self, dsts, src, group=None):
        self.log.append(("all_gather", group, sum(d.nbytes for d in dsts), src.nbytes))

    def reduce_scatter_tensor(self, dst, src, group=None):
        self.log.append(("reduce_scatter_tensor", group, dst.nbytes, src.nbytes))


class CollectivesTest(unittest.TestCase):
    def run_items(self, dist, items, setup_error=None):
        with fake_gpu(()) as torch:
            import comm

            runner = comm.Collectives(fake_ctx(torch), warmup=1, repeats=3, dist=dist)
            if setup_error:
                real = runner.setup
                runner.setup = lambda item, group: (_ for _ in ()).throw(setup_error) if item is items[0] else real(item, group)
            emitted, issues = [], []
            counts = runner.run(items, lambda it, m: emitted.append((it, m)), lambda msg: None, lambda it, kind, why: issues.append((kind, why)))
        return counts, emitted, issues

    def test_every_repeat_starts_with_a_barrier_of_the_group(self):
        dist = FakeDist(rank=0, world=2)
        counts, emitted, _ = self.run_items(dist, [allreduce(1 << 20)])
        self.assertEqual(counts["measured"], 1)
        timed = [e for e in dist.log if e[0] in ("barrier", "all_reduce")][1:]  # after the warm-up call
        # barrier, collective, per repeat (3), then the max over ranks
        self.assertEqual(timed[:6], [("barrier", "group2"), ("all_reduce", "group2")] * 3)
        self.assertEqual(emitted[0][1].stats["timer"], "cuda_event")

    def test_a_rank_whose_setup_fails_makes_every_rank_skip_the_item(self):
        dist = FakeDist(rank=1, world=2, others_fail=[0])  # rank 0 fails the first item's setup
        counts, emitted, _ = self.run_items(dist, [allreduce(1 << 20), allreduce(1 << 22)])
        self.assertEqual((counts["failed"], counts["measured"]), (1, 0))  # rank 1 measures but does not emit
        ops = [e for e in dist.log if e[0] == "all_reduce" and e[1] == "group2"]
        self.assertEqual(len(ops), 1 + 3 + 1)  # only the second item ran its collectives: warm-up, 3 repeats, max

    def test_its_own_failure_is_reported_by_rank_0_and_nobody_waits(self):
        dist = FakeDist(rank=0, world=2)
        counts, emitted, issues = self.run_items(dist, [allreduce(1 << 20), allreduce(1 << 22)], MemoryError("out of memory"))
        self.assertEqual(counts, {"measured": 1, "skipped": 0, "failed": 1})
        self.assertEqual(issues, [("failed", "MemoryError: out of memory")])
        self.assertEqual(dist.log[0], ("agree", 1))

    def test_all_gather_and_reduce_scatter_move_the_whole_tensor(self):
        # message_bytes is the whole tensor: all-gather ends with it (each of the 4 ranks gives a quarter), reduce-scatter
        # reduces it (each rank keeps a quarter of the sum); bf16 on the GPU
        for backend, gather, scatter in (("nccl", "all_gather_into_tensor", "reduce_scatter_tensor"), ("gloo", "all_gather", "all_to_all")):
            dist = FakeDist(rank=0, world=4, backend=backend)
            counts, emitted, _ = self.run_items(dist, [collective("allgather", 1 << 20, gpus=4), collective("reduce_scatter", 1 << 20, gpus=4)])
            self.assertEqual(counts["measured"], 2, backend)
            ops = [e for e in dist.log if e[0] not in ("agree", "barrier", "all_reduce")]
            self.assertEqual(ops[0], (gather, "group4", 1 << 20, 1 << 18), backend)
            self.assertEqual(ops[-1], (scatter, "group4", 1 << 18 if backend == "nccl" else 1 << 20, 1 << 20), backend)
            self.assertEqual([m.backend for _, m in emitted],
                             ["torch.distributed-nccl", "torch.distributed-nccl"] if backend == "nccl" else
                             ["torch.distributed-gloo(all_gather)", "torch.distributed-gloo(all_to_all_single + sum, reduce-scatter bytes)"])

    def test_groups_larger_than_the_run_are_skipped_with_the_reason(self):
        counts, _, issues = self.run_items(FakeDist(rank=0, world=2), [allreduce(1 << 20, gpus=8)])
        self.assertEqual(counts["skipped"], 1)
        self.assertEqual(issues, [("skipped", "allreduce over 8 GPUs needs 8 ranks; this run has 2")])


FAKE_SMI = """#!/usr/bin/env python3
import sys
args = " ".join(sys.argv[1:])
if "--query-compute-apps" in args:
    print("GPU-bbb, 4242, python3, 30000")
elif "--query-gpu" in args:
    print("0, GPU-aaa, NVIDIA H100 80GB HBM3, Disabled, 1755, 1980, 1980, 0x0000000000000004, 310.5, 700.00, 61, 512")
    print("1, GPU-bbb, NVIDIA H100 80GB HBM3, Enabled, 1980, 1980, 1980, 0x0000000000000001, 90.1, 700.00, 35, 30512")
"""


class PreflightTest(unittest.TestCase):
    def setUp(self):
        self.bin = tempfile.mkdtemp()
        path = os.path.join(self.bin, "nvidia-smi")
        with open(path, "w") as f:
            f.write(FAKE_SMI)
        os.chmod(path, os.stat(path).st_mode | stat.S_IEXEC)
        self.path = os.environ["PATH"]
        os.environ["PATH"] = f"{self.bin}{os.pathsep}{self.path}"

    def tearDown(self):
        os.environ["PATH"] = self.path
        shutil.rmtree(self.bin)

    def test_the_report_warns_of_what_would_spoil_the_timings(self):
        rep = preflight.report(2)
        w = "\n".join(rep["warnings"])
        self.assertIn("GPU 0: persistence mode is off", w)
        self.assertIn("GPU 0: clocks held back now: software power cap", w)  # 0x4
        self.assertNotIn("GPU 1: clocks held back", w)  # 0x1 is the GPU idling
        self.assertIn("process 4242 (python3) uses a GPU of this run (30000 MiB)", w)
        self.assertEqual(preflight.env_summary(rep, False), {"clocks_locked": False, "persistence_mode": "disabled,enabled", "other_gpu_processes": 1})
        self.assertIn("GPU 0 NVIDIA H100 80GB HBM3: SM 1755/1980 MHz", preflight.render(rep))

    def test_a_record_taken_while_throttled_says_so(self):
        with fake_gpu(()) as torch:
            import worker

            records = []
            args_env = {"gpu_name": "NVIDIA H100 80GB HBM3"}
            worker.measure_compute([gemm(16)], fake_ctx(torch), "H100-SXM", args_env, records.append, lambda *a: None, lambda *a: None)
        self.assertEqual(records[0]["env"]["throttled"], "software power cap")
        self.assertEqual(records[0]["env"]["sm_clock_mhz"], 1755.0)


class ShardTest(unittest.TestCase):
    def test_every_item_once_and_the_work_balanced(self):
        items = [gemm(m) for m in (1, 2, 4, 8, 4096, 8192, 16384, 32)]
        shares = shard(items, 3)
        self.assertEqual(sorted(it.shape["m"] for s in shares for it in s), sorted(it.shape["m"] for it in items))
        big = [[it.shape["m"] for it in s if it.shape["m"] >= 4096] for s in shares]
        self.assertEqual(sorted(len(b) for b in big), [1, 1, 1])  # the three large GEMMs on three ranks
        self.assertEqual(shares, shard(items, 3))  # the same split on every rank


FAKE_WORKER = """
import json, os, sys, time
wd, rank = sys.argv[1], os.environ["RANK"]
if "--compute-only" not in sys.argv:
    with open(os.path.join(wd, f"current-{rank}.json"), "w") as f:
        json.dump({"key": "gemm||bf16||k=4096,m=64,n=4096", "label": "stuck gemm", "comm": False, "started": time.time()}, f)
    time.sleep(60)
with open(os.path.join(wd, f"records-{rank}.jsonl"), "a") as f:
    f.write(json.dumps({"kernel": "gemm", "dtype": "bf16", "shape": {"m": 16, "k": 4096, "n": 4096}}) + "\\n")
"""


class LauncherTest(unittest.TestCase):
    def test_a_stuck_item_is_stopped_recorded_and_the_worker_restarted_on_the_rest(self):
        tmp = tempfile.mkdtemp()
        try:
            script = os.path.join(tmp, "worker.py")
            with open(script, "w") as f:
                f.write(FAKE_WORKER)
            wd = Workdir(os.path.join(tmp, "work"))
            args = argparse.Namespace(gpus=1, nnodes=1, node_rank=0, master_addr="127.0.0.1", master_port=29999, item_timeout=0.5)

            class ScriptLauncher(node.Launcher):
                def spawn(self, local, compute_only=False):
                    import subprocess

                    env = dict(os.environ, RANK=str(self.rank(local)))
                    cmd = [sys.executable, script, wd.path] + (["--compute-only"] if compute_only else [])
                    self.procs[local] = subprocess.Popen(cmd, env=env, start_new_session=True)

            t0 = time.time()
            ScriptLauncher(args, [], wd).run()
            self.assertLess(time.time() - t0, 20)
            self.assertEqual([(i["kind"], i["key"], i["reason"]) for i in wd.issues()], [("timed_out", "gemm||bf16||k=4096,m=64,n=4096", "timed out after 0.5 s")])
            result = node.gather([gemm(16), gemm(64), gemm(128)], wd)
            self.assertEqual(result["counts"], {"measured": 1, "skipped": 0, "failed": 0, "timed_out": 1, "not_measured": 1})
            self.assertEqual(wd.failed(), {"gemm||bf16||k=4096,m=64,n=4096"})  # a rerun does not try it again
        finally:
            shutil.rmtree(tmp)


class ResumeTest(unittest.TestCase):
    def test_an_interrupted_output_counts_as_measured_and_is_appended_to(self):
        tmp = tempfile.mkdtemp()
        try:
            path = os.path.join(tmp, "out.jsonl")
            append_line(path + ".partial", {"kernel": "gemm", "dtype": "bf16", "shape": {"m": 16, "k": 4096, "n": 4096}, "latency_us": 9})
            with open(path + ".partial", "a") as f:
                f.write('{"kernel": "gemm", "dtype": "bf1')  # the line a kill cut off
            out = run.Output(path)
            self.assertEqual(out.done_keys(), {gemm(16).key_text()})
            out.write({"kernel": "gemm", "dtype": "bf16", "shape": {"m": 64, "k": 4096, "n": 4096}, "latency_us": 10})
            out.close(True)
            with open(path) as f:
                self.assertEqual(sum(1 for line in f if line.startswith('{"kernel"') and line.rstrip().endswith("}")), 2)
        finally:
            shutil.rmtree(tmp)

    def test_ingest_of_a_cpu_run_needs_allow_cpu(self):
        code, _, err = RunMain().call(["--model", "qwen3-8b", "--gpu", "H20", "--device", "cpu", "--ingest", "/tmp/x", "--output", "o.jsonl"])
        self.assertEqual(code, 2)
        self.assertIn("--allow-cpu", err)


class RunMain:
    def call(self, argv):
        import contextlib
        import io

        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = run.main(argv)
            except SystemExit as e:
                code = e.code
        return code, out.getvalue(), err.getvalue()


if __name__ == "__main__":
    unittest.main()
