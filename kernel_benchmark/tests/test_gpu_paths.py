"""The GPU code paths, run on the fake torch's simulated GPU and fake kernel libraries (tests/fake_libs): no GPU, no torch.

What a real GPU would measure is not checked here; what is: which kernels a
record times (and which it leaves out), how it times them, and what it says.
"""
from __future__ import annotations

import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from fakes import fake_ctx, fake_gpu  # noqa: E402
from items import PlanItem  # noqa: E402
from routing import gpu_expert_loads, power_law_shares  # noqa: E402
from timing import Timer  # noqa: E402


def kernel(torch, gpu_us=5.0, host_us=20.0, nbytes=0):
    """A setup whose call launches one kernel of gpu_us after host_us of Python (a library wrapper's cost)."""
    def setup():
        buf = torch.empty(nbytes, dtype=torch.uint8) if nbytes else None

        def call():
            torch.launch("kernel", gpu_us, host_us)
            return buf
        return call
    return setup


def launches_while_timing(torch, measure):
    """Runs `measure()` and returns the kernels its CUDA-graph replays ran (what the timing measured), and its result."""
    torch.state.replayed = []
    result = measure()
    return list(torch.state.replayed), result


class TimingTest(unittest.TestCase):
    def test_graph_replays_leave_out_the_host_launch_gaps_that_events_include(self):
        with fake_gpu() as torch:
            torch.state.host_us = 0.5
            events = Timer(timer="cuda_event", warmup=1, repeats=5, min_repeats=5, torch_module=torch).time(kernel(torch))
            graph = Timer(warmup=1, repeats=5, min_repeats=5, torch_module=torch).time(kernel(torch))
        self.assertGreater(events.median_us, 3 * graph.median_us)  # the wrapper's 20 µs of Python show between the events
        self.assertAlmostEqual(graph.median_us, 5.0, places=3)  # back-to-back replays: the kernel's own 5 µs
        self.assertEqual((events.stats()["timer"], events.stats()["l2_flush"]), ("cuda_event", True))
        self.assertEqual(graph.stats()["timer"], "cuda_graph")

    def test_graphs_rotate_through_operand_copies_spanning_several_l2_caches(self):
        with fake_gpu() as torch:
            made = []

            def setup():
                buf = torch.empty(10 * 1024**2, dtype=torch.uint8)  # 10 MiB of operands per copy
                made.append(buf)
                return lambda: torch.launch(f"copy{made.index(buf)}")

            t = Timer(warmup=1, repeats=5, min_repeats=5, torch_module=torch).time(setup)
        # 3 x 50 MiB of L2 over 10 MiB a copy: 15 copies, every one called in the graph
        self.assertEqual(t.stats()["copies"], 15)
        self.assertEqual(t.stats()["calls_per_replay"], 15)
        self.assertEqual(len(made), 15)

    def test_operands_larger_than_the_l2_caches_are_not_copied(self):
        with fake_gpu() as torch:
            t = Timer(warmup=1, repeats=5, min_repeats=5, torch_module=torch).time(kernel(torch, nbytes=200 * 1024**2))
        self.assertEqual(t.stats()["copies"], 1)  # 200 MiB already spans three 50 MiB L2 caches: no second 200 MiB

    def test_a_kernel_that_cannot_be_captured_is_timed_with_events(self):
        with fake_gpu() as torch:
            torch.state.fail_capture = {"kernel"}
            t = Timer(warmup=1, repeats=5, min_repeats=5, torch_module=torch).time(kernel(torch))
        self.assertEqual(t.stats()["timer"], "cuda_event")


def gemm_item(dtype="fp8", m=16, k=7168, n=2112):
    return PlanItem("gemm", None, dtype, None, {"m": m, "k": k, "n": n}, f"gemm/h800/{dtype}.csv", "lookup")


class Fp8GemmTest(unittest.TestCase):
    def measure(self, libraries=("deep_gemm",), **options):
        with fake_gpu(libraries) as torch:
            import gemm

            ctx = fake_ctx(torch, **options)
            launched, m = launches_while_timing(torch, lambda: gemm.measure(gemm_item(), ctx))
            calls = list(sys.modules["deep_gemm"].calls) if "deep_gemm" in sys.modules else []
        return launched, m, calls

    def test_deepgemm_scales_are_prepared_once_not_transformed_in_every_call(self):
        launched, m, calls = self.measure()
        self.assertTrue(m.backend.startswith("deepgemm"), m.backend)
        self.assertNotIn("deep_gemm.sf_transform", launched)
        self.assertEqual(m.env["deepgemm_scale_layout"], "transform_sf_into_required_layout")
        self.assertIn(("transform_sf_into_required_layout", {"mn": 2112, "k": 7168, "is_sfa": False}), calls)
        launched, m, _ = self.measure(act_quant=False)  # pre-quantised activation: its scales prepared too
        self.assertNotIn("deep_gemm.sf_transform", launched)

    def test_the_activation_quantisation_is_timed_with_the_gemm(self):
        with_quant, m, _ = self.measure()
        without, m2, _ = self.measure(act_quant=False)
        self.assertGreater(with_quant.count("elementwise"), 0)
        self.assertEqual(without.count("elementwise"), 0)
        self.assertIn("torch quant", m.backend)
        self.assertIn("pre-quantised", m2.backend)
        self.assertGreater(m.latency_us, m2.latency_us)

    def test_one_recipe_per_run_whatever_is_installed(self):
        _, m, _ = self.measure(fp8_recipe="tensor")  # DeepGEMM is installed but runs block scales only
        self.assertTrue(m.backend.startswith("torch._scaled_mm"), m.backend)
        self.assertEqual(m.env["fp8_recipe"], "tensor")
        from common import Skip

        with self.assertRaisesRegex(Skip, "block scales"):
            self.measure(libraries=(), fp8_recipe="block")  # no block-scaled kernel: skipped, not measured per-tensor


def moe_item(phase, tokens, dtype="bf16"):
    key = "batch_size_per_gpu" if phase == "decode" else "seq_len_per_gpu"
    shape = {"num_experts": 64, "num_gpus": 8, "num_local_experts": 8, "topk": 6, "hidden_size": 2048, "intermediate_size": 1408, key: tokens,
             "tokens_per_expert": tokens * 6 // 8}
    return PlanItem("grouped_gemm", phase, dtype, None, shape, f"grouped_gemm/{phase}/h800/{dtype}.csv", "lookup")


class MoeTest(unittest.TestCase):
    def test_routings(self):
        balanced = gpu_expert_loads("balanced", 100, 6, 64, 8)
        self.assertEqual(sum(balanced), 600)
        skewed = gpu_expert_loads("power_law", 100, 6, 64, 8, alpha=1.2)
        self.assertGreater(sum(skewed), sum(balanced))  # the busiest GPU under skewed routing does more
        self.assertLessEqual(max(skewed), 100 * 8)  # at most one pair per token of the 8 GPUs
        shares = power_law_shares(64, 6, 1.2, 0)
        self.assertAlmostEqual(sum(shares), 6.0)
        self.assertLessEqual(max(shares), 1.0)
        uniform = gpu_expert_loads("uniform", 100, 6, 64, 8, seed=3)
        self.assertEqual(uniform, gpu_expert_loads("uniform", 100, 6, 64, 8, seed=3))  # seeded
        self.assertGreaterEqual(sum(uniform), 600)

    def measure(self, item, libraries=("deep_gemm",), version=None, **options):
        with fake_gpu(libraries) as torch:
            if version:
                torch.__version__ = version
            import grouped_gemm

            m = grouped_gemm.measure(item, fake_ctx(torch, **options))
            calls = list(sys.modules["deep_gemm"].calls) if "deep_gemm" in sys.modules else []
        return m, calls

    def test_deepgemm_masked_in_decode_and_contiguous_in_prefill(self):
        m, calls = self.measure(moe_item("decode", 16))
        self.assertEqual(m.backend, "deepgemm-masked(bf16)")
        masked = [f for name, f in calls if name == "m_grouped_bf16_gemm_nt_masked"]
        self.assertEqual(masked[0], {"groups": 8, "max_m": 128, "expected_m": 12})  # 96 pairs over 8 experts
        self.assertEqual(set(m.parts), {"up_proj_us", "down_proj_us"})
        m, calls = self.measure(moe_item("prefill", 1000))
        self.assertEqual(m.backend, "deepgemm-contiguous(bf16)")
        rows = {f["rows"] for name, f in calls if name == "m_grouped_bf16_gemm_nt_contiguous"}
        self.assertEqual(rows, {8 * 768})  # 750 pairs per expert, each group padded to 128 rows
        m, _ = self.measure(moe_item("prefill", 1000, "fp8"))
        self.assertEqual((m.backend, m.env["fp8_recipe"]), ("deepgemm-contiguous(fp8)", "block"))

    def test_a_fused_moe_call_is_split_into_up_and_down_by_flops(self):
        m, _ = self.measure(moe_item("decode", 16), libraries=("sglang",))
        self.assertEqual(m.backend, "sglang-fused_experts")
        self.assertAlmostEqual(m.parts["up_proj_us"], 20.0, places=3)  # 30 µs: 2/3 up (gate+up), 1/3 down
        self.assertAlmostEqual(m.parts["down_proj_us"], 10.0, places=3)
        self.assertEqual(m.env["moe_parts_split"], "one fused call, split 2:1 by FLOPs")

    def test_grouped_mm_needs_torch_2_8_and_routing_is_recorded(self):
        m, _ = self.measure(moe_item("decode", 16), libraries=(), version="2.7.1", moe_routing="power_law")
        self.assertEqual(m.backend, "torch.bmm(padded)")
        self.assertTrue(m.env["moe_routing"].startswith("power_law(alpha 1.2"))
        m, _ = self.measure(moe_item("decode", 16), libraries=(), version="2.8.0")
        self.assertEqual(m.backend, "torch._grouped_mm")


def dsa_item(kernel, phase, kv="bf16"):
    if kernel == "dsa_logits":
        shape = {"heads": 64, "head_dim": 128, "batchsize": 8, "next_n": 1, "s_kv": 5120} if phase == "decode" else \
            {"heads": 64, "head_dim": 128, "s_q": 4096, "s_kv": 4096}
        return PlanItem(kernel, phase, "fp8", None, shape, "dsa", "lookup")
    shape = {"heads": 16, "head_dim": 576, "topk": 2048, **({"batch_size": 8, "kv_len": 5120} if phase == "decode" else {"s_q": 4096, "s_kv": 4096})}
    return PlanItem(kernel, phase, "bf16", kv if phase == "decode" else None, shape, "dsa", "lookup")


class DsaTest(unittest.TestCase):
    def measure(self, item, libraries=("deep_gemm", "flash_mla")):
        with fake_gpu(libraries) as torch:
            import dsa

            return dsa.measure(item, fake_ctx(torch))

    def test_real_kernels_where_importable(self):
        self.assertEqual(self.measure(dsa_item("dsa_logits", "decode")).backend, "deepgemm-fp8_paged_mqa_logits")
        self.assertEqual(self.measure(dsa_item("dsa_logits", "prefill")).backend, "deepgemm-fp8_mqa_logits")
        self.assertEqual(self.measure(dsa_item("dsa_attn", "prefill")).backend, "flashmla-sparse-prefill")
        self.assertEqual(self.measure(dsa_item("dsa_attn", "decode", "fp8")).backend, "flashmla-sparse-decode(fp8 KV)")

    def test_every_dsa_lookup_is_measured_without_the_libraries(self):
        for item in (dsa_item("dsa_logits", "decode"), dsa_item("dsa_logits", "prefill"), dsa_item("dsa_attn", "prefill"), dsa_item("dsa_attn", "decode")):
            m = self.measure(item, libraries=())
            self.assertTrue(m.backend.startswith("torch"), m.backend)
            self.assertGreater(m.latency_us, 0)


class GdnTest(unittest.TestCase):
    def test_a_causal_conv1d_that_fails_to_import_falls_back_to_pytorch(self):
        with fake_gpu(("fla", "causal_conv1d")) as torch:
            import gdn

            item = PlanItem("gdn", "decode", "bf16", None, {"conv_kernel": 4, "key_heads": 16, "key_head_dim": 128, "value_heads": 32,
                                                            "value_head_dim": 128, "batchsize": 8}, "gdn", "lookup")
            m = gdn.measure(item, fake_ctx(torch))
        self.assertEqual(m.backend, "fla+torch-conv")
        self.assertEqual(set(m.parts), {"conv", "gdn_update"})


if __name__ == "__main__":
    unittest.main()
