"""Unit tests of the benchmark's pure-Python parts (run without torch: python3 -m unittest discover -s kernel_benchmark/tests)."""
from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.dirname(HERE)
REPO = os.path.dirname(BENCH)
sys.path.insert(0, BENCH)

import run  # noqa: E402
from gdn import part_of_kernel, split_by_kernels  # noqa: E402
from gpu_names import infersim_gpu_name, peak_tflops  # noqa: E402
from routing import expert_loads  # noqa: E402
from model_config import ConfigError, load_config, read_model  # noqa: E402
from lookups import whole_counts  # noqa: E402
from plan import Deployment, build_plan, limit_items, lookups  # noqa: E402
from records import Measurement, kernel_flops, measurement_record  # noqa: E402
from timing import percentile, summarize  # noqa: E402

QWEN3_8B = load_config(os.path.join(REPO, "hf_configs", "qwen3-8b.json"))
QWEN3_30B = load_config(os.path.join(REPO, "hf_configs", "qwen3-30b-a3b.json"))
TINY_MLA = load_config(os.path.join(HERE, "fixtures", "tiny-mla-moe.json"))


def shapes(items, kernel, phase=None):
    return sorted(tuple(i.shape.values()) for i in items if i.kernel == kernel and (phase is None or i.phase == phase))


class LookupTest(unittest.TestCase):
    def test_dense_mha_lookups_follow_spec_a6(self):
        d = Deployment(tp=2, world_size=2, isl=1000, osl=500, decode_batch=37, max_prefill_tokens=2048)
        items = lookups(QWEN3_8B, "qwen3-8b", [d], "h20", profiles=("infersim",))
        # D=4096, H=32, Hkv=8, hd=128, I=12288; Htp=16, Hkvtp=4; dense FFN n = 2I // W (compat)
        self.assertEqual(shapes(items, "gemm"), sorted([
            (2048, 4096, (16 + 8) * 128), (2048, 16 * 128, 4096), (2048, 4096, 2 * 12288 // 2),
            (37, 4096, (16 + 8) * 128), (37, 16 * 128, 4096), (37, 4096, 2 * 12288 // 2),
        ]))
        self.assertEqual(shapes(items, "attention", "decode"), [(16, 4, 128, 37, 1250)])  # c = int(isl + osl/2)
        self.assertEqual(shapes(items, "attention", "prefill"), [(16, 4, 128, 1000)])
        self.assertEqual(shapes(items, "allreduce"), [])  # the compat profile times collectives by formula: no lookup

    def test_collectives_are_looked_up_per_layout_as_the_default_profile_reads_them(self):
        # qwen3-30b-a3b (D=2048, 128 experts) on tp 2 x 2 attention groups without DeepEP: the tp all-reduce of tokens x D
        # bf16 values over 2 GPUs; around the experts an all-gather of the 2 groups' tokens and a reduce-scatter back,
        # both of the whole gathered tensor (2 x tokens x D x 2 bytes) over the 2 groups
        d = Deployment(tp=2, world_size=4, decode_batch=37, max_prefill_tokens=2048)
        items = lookups(QWEN3_30B, "x", [d], "h20", ("default",))
        self.assertEqual(shapes(items, "allreduce"), [(2, 37 * 2048 * 2), (2, 2048 * 2048 * 2)])
        self.assertEqual(shapes(items, "allgather"), [(2, 37 * 2048 * 4), (2, 2048 * 2048 * 4)])
        self.assertEqual(shapes(items, "reduce_scatter"), [(2, 37 * 2048 * 4), (2, 2048 * 2048 * 4)])
        steps = lambda kernel: {u for i in items if i.kernel == kernel for u in i.uses}  # noqa: E731
        self.assertEqual(steps("allgather"), {"default prefill comm-before", "default decode comm-before"})
        self.assertEqual(steps("reduce_scatter"), {"default prefill comm-after", "default decode comm-after"})
        self.assertIn("default decode comm-before", steps("allreduce"))
        self.assertEqual({i.table for i in items if i.kernel == "reduce_scatter"}, {"comm/h20/reduce_scatter.csv"})
        # several nodes without DeepEP: the tokens cross nodes by all-to-all, timed by formula (no lookup); the tp
        # all-reduce stays inside a node and is read from its table
        multi = lookups(QWEN3_30B, "x", [Deployment(tp=2, world_size=16, nodes=2, decode_batch=37, mode="decode")], "h20", ("default",))
        self.assertEqual([(i.kernel, tuple(i.shape.values())) for i in multi if i.table.startswith("comm/")], [("allreduce", (2, 37 * 2048 * 2))])
        # tp spanning two nodes: nothing is read from the tables
        wide_tp = lookups(QWEN3_30B, "x", [Deployment(tp=4, world_size=4, nodes=2, decode_batch=37)], "h20", ("default",))
        self.assertEqual([i for i in wide_tp if i.table.startswith("comm/")], [])
        one_gpu = lookups(QWEN3_30B, "x", [Deployment(decode_batch=37)], "h20", ("default",))
        self.assertEqual([i for i in one_gpu if i.table.startswith("comm/")], [])

    def test_dense_tp_runs_two_all_reduces_of_one_size(self):
        # dense model, tp = world: an all-reduce after attention and one after the FFN, both tokens x D x 2 bytes over tp GPUs
        d = Deployment(tp=4, world_size=4, decode_batch=16, mode="decode")
        items = lookups(QWEN3_8B, "x", [d], "h20", ("default",))
        comm = [i for i in items if i.table.startswith("comm/")]
        self.assertEqual([(i.kernel, i.shape) for i in comm], [("allreduce", {"num_gpus": 4, "message_bytes": 16 * 4096 * 2})])
        self.assertEqual(comm[0].uses, {"default decode comm-before", "default decode comm-after"})
        # tp 1 on 4 GPUs: replicas of a dense model exchange nothing
        self.assertEqual([i for i in lookups(QWEN3_8B, "x", [Deployment(world_size=4, decode_batch=16)], "h20", ("default",))
                          if i.table.startswith("comm/")], [])

    def test_deepep_kernels_and_their_payloads(self):
        # qwen3-30b-a3b: hidden 2048, top-8; low-latency kernels in decode, normal ones in prefill;
        # fp8 dispatch = tokens x 8 x 2048 bytes, bf16 combine twice that
        d = Deployment(tp=1, world_size=8, deepep=True, decode_batch=24, max_prefill_tokens=1024)
        items = {i.kernel: i for i in lookups(QWEN3_30B, "x", [d], "h800", ("default",))}
        self.assertEqual(items["deepep_ll_dispatch"].shape["message_bytes"], 24 * 8 * 2048)
        self.assertEqual(items["deepep_ll_combine"].shape["message_bytes"], 24 * 8 * 2048 * 2)
        self.assertEqual(items["deepep_normal_dispatch"].shape["message_bytes"], 1024 * 8 * 2048)
        self.assertEqual(items["deepep_normal_combine"].table, "comm/h800/deepep_normal_combine.csv")
        self.assertEqual(items["deepep_ll_dispatch"].shape["num_gpus"], 8)
        self.assertNotIn("allreduce", items)
        self.assertNotIn("alltoall", items)
        # across nodes DeepEP is timed by formula: nothing to plan
        multi = Deployment(tp=1, world_size=16, nodes=2, deepep=True, decode_batch=24)
        self.assertEqual([i for i in lookups(QWEN3_30B, "x", [multi], "h800", ("default",)) if i.table.startswith("comm/")], [])

    def test_lookups_only_still_give_each_collective_a_second_size(self):
        d = Deployment(tp=2, world_size=2, decode_batch=37, mode="decode")
        items = build_plan(QWEN3_8B, "x", [d], "h20", profiles=("default",), kernels=("allreduce",), grid=False)
        self.assertEqual(shapes(items, "allreduce"), [(2, 37 * 4096 * 2), (2, 2 * 37 * 4096 * 2)])

    def test_dense_ffn_is_looked_up_at_2i_over_w_in_both_profiles(self):
        # the denseFfnTpShard switch (2I / tp) is off in both profiles
        d = Deployment(tp=1, world_size=4, decode_batch=8, mode="decode")
        for profile in ("infersim", "default"):
            gemms = shapes(lookups(QWEN3_8B, "x", [d], "h20", profiles=(profile,)), "gemm")
            self.assertIn((8, 4096, 2 * 12288 // 4), gemms)
            self.assertNotIn((8, 4096, 2 * 12288), gemms)

    def test_lm_head_for_the_tokens_that_need_logits(self):
        # qwen3-8b: D=4096, vocab 151936 split over tp 2 = 75968 columns; decode: every token of the batch;
        # prefill: the last token of each of P / isl prompts, a fraction here (4096 / 3000), planned at the whole
        # counts either side; the compat profile has no LM head
        d = Deployment(tp=2, world_size=2, isl=3000, decode_batch=37, max_prefill_tokens=4096)
        head = lambda items: sorted(i.shape["m"] for i in items if i.kernel == "gemm" and i.shape["n"] == 75968)  # noqa: E731
        self.assertEqual(head(lookups(QWEN3_8B, "x", [d], "h20", ("default",))), [1, 2, 37])
        self.assertEqual(head(lookups(QWEN3_8B, "x", [d], "h20", ("infersim",))), [])
        # two-batch overlap: two micro-batches' logits per forward (2 x 4096 / 4096 prompts, 74 decode tokens)
        tbo = Deployment(tp=2, world_size=2, decode_batch=37, tbo=True)
        self.assertEqual(head(lookups(QWEN3_8B, "x", [tbo], "h20", ("default",))), [2, 74])
        # fewer prefill tokens than a prompt: half a prompt's logits, planned at one token
        half = Deployment(tp=2, world_size=2, isl=8192, max_prefill_tokens=4096, mode="prefill")
        self.assertEqual(head(lookups(QWEN3_8B, "x", [half], "h20", ("default",))), [1])

    def test_whole_counts_around_a_fraction(self):
        self.assertEqual(whole_counts(37), [37])
        self.assertEqual(whole_counts(4096 / 3000), [1, 2])
        self.assertEqual(whole_counts(18.5), [18, 19])
        self.assertEqual(whole_counts(0.5), [1])

    def test_moe_ep_spreads_whole_experts_and_splits_the_tokens(self):
        # qwen3-30b-a3b (E=128, I=768) on tp 2 x 4 groups with --moe-ep 8: MoE TP 1, 16 whole experts (width 768) per GPU,
        # each GPU's experts get the 4 groups' 37 tokens over 8 GPUs = 18.5, planned at 18 and 19; the compat profile
        # ignores --moe-ep: 32 local experts of width 768 / 2, 37 tokens
        d = Deployment(tp=2, world_size=8, decode_batch=37, moe_ep=8, mode="decode")
        key = lambda i: (i.shape["num_gpus"], i.shape["num_local_experts"], i.shape["intermediate_size"], i.shape["batch_size_per_gpu"])  # noqa: E731
        self.assertEqual(sorted(key(i) for i in lookups(QWEN3_30B, "x", [d], "h20", ("default",)) if i.kernel == "grouped_gemm"),
                         [(8, 16, 768, 18), (8, 16, 768, 19)])
        self.assertEqual([key(i) for i in lookups(QWEN3_30B, "x", [d], "h20", ("infersim",)) if i.kernel == "grouped_gemm"], [(8, 32, 384, 37)])

    def test_fractional_local_experts_read_the_share_of_the_whole_curve(self):
        # 128 experts over 3 attention groups (tp 2, 6 GPUs): 42.67 experts per GPU. The default profile reads one GPU's
        # share of the curve of all 128 experts at MoE TP 2 (2 GPUs), at the group's 3 x 37 tokens; compat keys 42 experts
        d = Deployment(tp=2, world_size=6, decode_batch=37, mode="decode")
        key = lambda i: (i.shape["num_gpus"], i.shape["num_local_experts"], i.shape["batch_size_per_gpu"])  # noqa: E731
        self.assertEqual([key(i) for i in lookups(QWEN3_30B, "x", [d], "h20", ("default",)) if i.kernel == "grouped_gemm"], [(2, 128, 111)])
        self.assertEqual([key(i) for i in lookups(QWEN3_30B, "x", [d], "h20", ("infersim",)) if i.kernel == "grouped_gemm"], [(6, 42, 37)])

    def test_moe_grouped_gemm_key(self):
        d = Deployment(tp=2, world_size=8, decode_batch=64, max_prefill_tokens=4096)
        items = lookups(QWEN3_30B, "x", [d], "h20")
        gg = {i.phase: i for i in items if i.kernel == "grouped_gemm"}
        # E=128, W=8, local = E // (W // tp) = 32, topk 8, D 2048, I//tp = 384
        self.assertEqual(gg["decode"].shape, {"num_experts": 128, "num_gpus": 8, "num_local_experts": 32, "topk": 8, "hidden_size": 2048,
                                              "intermediate_size": 384, "batch_size_per_gpu": 64, "tokens_per_expert": 16})
        self.assertEqual(gg["prefill"].shape["seq_len_per_gpu"], 4096)
        self.assertEqual(gg["prefill"].table, "grouped_gemm/prefill/h20/bf16.csv")  # fp8 rows go to data.csv

    def test_small_batches_over_many_experts_are_kept(self):
        d = Deployment(tp=1, world_size=1, decode_batch=1, mode="decode")
        items = build_plan(QWEN3_30B, "x", [d], "h20", kernels=("grouped_gemm",))
        batches = sorted(i.shape["batch_size_per_gpu"] for i in items)
        self.assertEqual(batches[:4], [1, 2, 4, 8])
        self.assertEqual([i.shape["tokens_per_expert"] for i in items if i.role == "lookup"], [0])  # 8 pairs over 128 experts

    def test_mla_reads_differ_by_profile(self):
        d = Deployment(tp=1, world_size=2, decode_batch=16, max_prefill_tokens=512, isl=512, osl=256)
        compat = lookups(TINY_MLA, "x", [d], "h800", profiles=("infersim",))
        default = lookups(TINY_MLA, "x", [d], "h800", profiles=("default",))
        mla = [i for i in compat if i.kernel == "mla" and i.phase == "decode"][0]
        self.assertEqual(mla.table, "mla/decode/h800/8-64-16.csv")
        self.assertEqual(mla.shape["kv_len"], 640)
        # B3: first_k_dense_replace adds the dense layers' GEMMs (width 512 // tp) only in the default profile
        self.assertIn((16, 256, 1024), shapes(default, "gemm"))
        self.assertNotIn((16, 256, 1024), shapes(compat, "gemm"))
        # MLA projections: bmm-o-wv is (m, Htp * kv_lora_rank, v_head_dim)
        self.assertIn((16, 8 * 64, 32), shapes(compat, "gemm"))

    def test_shipped_fp8_weights_plan_fp8_gemms_in_the_default_profile_only(self):
        raw = dict(QWEN3_8B, quantization_config={"quant_method": "fp8"})
        d = Deployment(decode_batch=8, mode="decode")
        dtypes = {(i.dtype, u.split()[0]) for i in lookups(raw, "x", [d], "h20") if i.kernel == "gemm" for u in i.uses if "lm-head" not in u}
        self.assertEqual(dtypes, {("bf16", "infersim"), ("fp8", "default")})
        # the LM head stays BF16 in an FP8 checkpoint (the default profile's LM head; the compat profile has none)
        head = {(i.dtype, u.split()[0]) for i in lookups(raw, "x", [d], "h20") if i.kernel == "gemm" for u in i.uses if "lm-head" in u}
        self.assertEqual(head, {("bf16", "default")})
        int4 = lookups(dict(QWEN3_8B, quantization_config={"quant_method": "awq"}), "x", [d], "h20", ("default",))
        self.assertEqual({i.dtype for i in int4 if i.kernel == "gemm"}, {"bf16"})  # weight-only int4 reads the bf16 tables

    def test_sparse_attention_in_the_default_profile(self):
        d = Deployment(tp=2, world_size=2, decode_batch=16, isl=512, osl=256, max_prefill_tokens=512)
        default = lookups(TINY_MLA, "x", [d], "h800", ("default",))
        compat = lookups(TINY_MLA, "x", [d], "h800", ("infersim",))
        self.assertFalse([i for i in default if i.kernel == "mla"])
        self.assertFalse([i for i in compat if i.kernel.startswith("dsa")])
        attn = {i.phase: i for i in default if i.kernel == "dsa_attn"}
        logits = {i.phase: i for i in default if i.kernel == "dsa_logits"}
        self.assertEqual(attn["decode"].table, "dsa/decode/h800/attn-4-80-32.csv")  # Htp, kv_lora_rank + rope, index_topk
        self.assertEqual(attn["decode"].shape, {"heads": 4, "head_dim": 80, "topk": 32, "batch_size": 16, "kv_len": 640})
        self.assertEqual(logits["decode"].shape, {"heads": 4, "head_dim": 32, "batchsize": 16, "next_n": 1, "s_kv": 640})
        self.assertEqual(logits["prefill"].table, "dsa/prefill/h800/logits-4-32.csv")
        self.assertEqual((attn["prefill"].shape["s_q"], attn["prefill"].shape["s_kv"]), (512, 512))

    def test_llama4_shared_expert_has_the_expert_width(self):
        cfg = {"model_type": "llama4_text", "hidden_size": 512, "num_hidden_layers": 2, "num_attention_heads": 8, "num_key_value_heads": 2,
               "head_dim": 64, "intermediate_size": 256, "intermediate_size_mlp": 1024, "num_local_experts": 4, "num_experts_per_tok": 1,
               "interleave_moe_layer_step": 1}
        ffn = read_model(cfg, "x", published=True).ffn
        self.assertEqual((ffn.intermediate, ffn.shared_experts, ffn.shared_intermediate, ffn.dense_intermediate), (256, 1, 256, 0))
        ffn = read_model(dict(cfg, interleave_moe_layer_step=2), "x", published=True).ffn
        self.assertEqual(ffn.dense_intermediate, 1024)

    def test_grid_surrounds_each_lookup_and_respects_the_kv_budget(self):
        d = Deployment(tp=1, world_size=1, decode_batch=300, isl=100000, osl=2000, mode="decode")
        items = build_plan(QWEN3_8B, "x", [d], "h20", kernels=("attention",), max_kv_gib=1)
        lookup = [i for i in items if i.role == "lookup"]
        self.assertEqual(len(lookup), 1)
        self.assertEqual(lookup[0].shape["kv_len"], 101000)
        per_token = 2 * 8 * 128 * 2
        for i in items:
            if i.role == "grid":
                self.assertLessEqual(i.shape["batch_size"] * i.shape["kv_len"] * per_token, 1024**3)
        grid = [i.shape for i in items if i.role == "grid"]
        self.assertTrue({1, 2, 4, 64}.issubset({s["batch_size"] for s in grid}))
        self.assertIn({"heads": 32, "kv_heads": 8, "head_dim": 128, "batch_size": 1, "kv_len": 101000}, grid)  # through the query
        self.assertNotIn(300, {s["batch_size"] for s in grid})  # 300 x 1024 tokens is over the 1 GiB budget

    def test_gemm_grid_has_the_tile_steps(self):
        items = build_plan(QWEN3_8B, "x", [Deployment(decode_batch=8, mode="decode")], "h20", kernels=("gemm",))
        ms = {i.shape["m"] for i in items}
        self.assertTrue({16, 17, 32, 33, 48, 49, 64, 65, 128, 129}.issubset(ms))

    def test_limit_reaches_every_kernel(self):
        d = Deployment(tp=2, world_size=4, decode_batch=16)
        items = build_plan(QWEN3_30B, "x", [d], "h20")
        kernels = {i.kernel for i in items}
        small = limit_items(items, len(kernels))
        self.assertEqual({i.kernel for i in small}, kernels)  # collectives are not cut first
        self.assertTrue(all(i.role == "lookup" for i in small))
        self.assertEqual(small, [i for i in items if i in small])  # plan order kept

    def test_both_dtypes_adds_fp8_variants(self):
        d = Deployment(decode_batch=8, mode="decode")
        items = build_plan(QWEN3_8B, "x", [d], "h20", kernels=("gemm", "attention"), grid=False,
                           extra_gemm_dtypes=("bf16", "fp8"), extra_kv_dtypes=("bf16", "fp8"))
        self.assertEqual({i.dtype for i in items if i.kernel == "gemm"}, {"bf16", "fp8"})
        self.assertEqual({i.table for i in items if i.kernel == "gemm"}, {"gemm/h20/bf16.csv", "gemm/h20/fp8.csv"})
        self.assertEqual({i.kv_dtype for i in items if i.kernel == "attention"}, {"bf16", "fp8"})


class ConfigTest(unittest.TestCase):
    def test_missing_field_is_named(self):
        with self.assertRaisesRegex(ConfigError, 'cfg.json: the model needs field "hidden_size"'):
            read_model({"num_hidden_layers": 2}, "cfg.json", published=False)

    def test_bad_json_names_the_line(self):
        path = os.path.join(HERE, "fixtures", "not-json.tmp")
        with open(path, "w") as f:
            f.write('{\n  "a": 1,\n  oops\n}')
        try:
            with self.assertRaisesRegex(ConfigError, "not-json.tmp: line 3"):
                load_config(path)
        finally:
            os.remove(path)


class RunTest(unittest.TestCase):
    def run_main(self, argv):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = run.main(argv)
            except SystemExit as e:  # argparse usage errors
                code = e.code
        return code, out.getvalue(), err.getvalue()

    def test_dry_run_prints_plan_records_without_torch(self):
        code, out, err = self.run_main(["--model", "qwen3-8b", "--gpu", "H20", "--dry-run", "--no-grid"])
        self.assertEqual(code, 0, err)
        records = [json.loads(line) for line in out.splitlines()]
        self.assertTrue(records and all(r["planned"] is True and r["gpu"] == "H20" for r in records))
        self.assertIn("planned 10 measurements", err)  # 8 + the LM head in prefill and decode (default profile)
        self.assertNotIn("torch", sys.modules)

    def test_unknown_model_is_an_input_error(self):
        code, _, err = self.run_main(["--model", "no-such-model", "--gpu", "H20", "--dry-run"])
        self.assertEqual(code, 1)
        self.assertIn("no-such-model: model config not found", err)

    def test_impossible_deployment_is_a_usage_error(self):
        code, _, err = self.run_main(["--model", "qwen3-8b", "--gpu", "H20", "--tp", "3", "--world-size", "3", "--dry-run"])
        self.assertEqual(code, 2)
        self.assertIn("attention heads (32) are not divisible by tp 3", err)

    def test_moe_ep_must_divide_the_world_size(self):
        code, _, err = self.run_main(["--model", "qwen3-30b-a3b", "--gpu", "H20", "--world-size", "8", "--moe-ep", "3", "--dry-run"])
        self.assertEqual(code, 2)
        self.assertIn("--moe-ep 3 does not divide the world size 8", err)
        code, _, err = self.run_main(["--model", "qwen3-8b", "--gpu", "H20", "--world-size", "8", "--moe-ep", "4", "--dry-run"])
        self.assertEqual(code, 2)
        self.assertIn("no MoE layers", err)

    def test_alltoall_is_not_planned(self):
        code, _, err = self.run_main(["--model", "qwen3-8b", "--gpu", "H20", "--kernels", "alltoall", "--dry-run"])
        self.assertEqual(code, 2)
        self.assertIn("only across nodes", err)

    def test_bad_number_is_a_usage_error(self):
        code, _, err = self.run_main(["--model", "qwen3-8b", "--tp", "two", "--dry-run"])
        self.assertEqual(code, 2)
        self.assertIn("--tp", err)

    def test_output_file_is_written_whole(self):
        path = os.path.join(HERE, "fixtures", "plan.tmp.jsonl")
        try:
            code, out, _ = self.run_main(["--model", "qwen3-8b", "--gpu", "H20", "--dry-run", "--no-grid", "--output", path])
            self.assertEqual((code, out), (0, ""))
            with open(path) as f:
                self.assertEqual(len(f.read().splitlines()), 10)
            self.assertFalse(os.path.exists(path + ".partial"))
        finally:
            if os.path.exists(path):
                os.remove(path)

    def test_script_runs_as_a_program(self):
        r = subprocess.run([sys.executable, os.path.join(BENCH, "run.py"), "--model", "qwen3-8b", "--gpu", "H20", "--dry-run", "--no-grid"],
                           capture_output=True, text=True, cwd="/")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(r.stdout.splitlines()), 10)


class MeasurementPartsTest(unittest.TestCase):
    def test_expert_loads_cover_every_pair(self):
        self.assertEqual(expert_loads(10, 4), [3, 3, 2, 2])
        self.assertEqual(expert_loads(3, 32), [1, 1, 1])
        self.assertEqual(sum(expert_loads(4096 * 8, 32)), 4096 * 8)

    def test_gdn_kernel_split(self):
        self.assertEqual(part_of_kernel("chunk_scaled_dot_kkt_fwd_kernel"), "kkt")
        self.assertEqual(part_of_kernel("solve_tril_16x16_kernel"), "tril")
        self.assertEqual(part_of_kernel("recompute_w_u_fwd_kernel"), "wu")
        self.assertEqual(part_of_kernel("chunk_gated_delta_rule_fwd_kernel_h_blockdim64"), "chunk_gdn")
        self.assertEqual(part_of_kernel("chunk_fwd_kernel_o"), "chunk_o")
        self.assertEqual(part_of_kernel("chunk_local_cumsum_scalar_kernel"), "other")
        parts = split_by_kernels({"chunk_fwd_kernel_o": 30.0, "solve_tril_16x16_kernel": 10.0}, 80.0)
        self.assertEqual(parts, {"chunk_o": 60.0, "tril": 20.0})

    def test_summary_statistics(self):
        s = summarize([4.0, 1.0, 3.0, 2.0], warmup=2, timer="cuda_event")
        self.assertEqual((s["median_us"], s["min_us"], s["max_us"], s["mean_us"], s["repeats"]), (2.5, 1.0, 4.0, 2.5, 4))
        self.assertAlmostEqual(percentile([1.0, 2.0, 3.0, 4.0], 0.1), 1.3)

    def test_record_mfu_uses_the_gpu_peak(self):
        d = Deployment(decode_batch=16, mode="decode")
        item = [i for i in lookups(QWEN3_8B, "x", [d], "h20", ("infersim",)) if i.kernel == "attention"][0]
        self.assertEqual(kernel_flops(item), 4 * 32 * 128 * 5120 * 16)
        stats = summarize([100.0], 1, "cuda_event")
        rec = measurement_record(item, "H20", Measurement(100.0, stats, "torch-sdpa"), {"gpu_name": "NVIDIA H20"}, "2025-01-01T00:00:00+00:00")
        self.assertAlmostEqual(rec["mfu"], 4 * 32 * 128 * 5120 * 16 / 100e-6 / 148e12, places=6)
        self.assertEqual(rec["kv_dtype"], "bf16")
        self.assertNotIn("planned", rec)


class GpuNameTest(unittest.TestCase):
    def test_device_names(self):
        self.assertEqual(infersim_gpu_name("NVIDIA H100 80GB HBM3"), "H100-SXM")
        self.assertEqual(infersim_gpu_name("NVIDIA H200"), "H200")
        self.assertEqual(infersim_gpu_name("NVIDIA H20"), "H20")
        self.assertEqual(infersim_gpu_name("NVIDIA H800"), "H800")
        # each has a data/gpus.json entry, so its records carry an MFU and ingest knows its peaks
        for device, name in (("NVIDIA H100 NVL", "H100-NVL"), ("NVIDIA H100 PCIe", "H100-PCIe"), ("NVIDIA B300 SXM6 AC", "B300")):
            self.assertEqual(infersim_gpu_name(device), name)
            self.assertIsNotNone(peak_tflops(name, "bf16"), name)
        self.assertEqual(peak_tflops("H100-NVL", "fp8"), 1670.5)  # datasheet 3,341 TFLOPS with sparsity, halved

    def test_peaks_come_from_data_gpus_json(self):
        self.assertEqual(peak_tflops("H20", "bf16"), 148)
        self.assertEqual(peak_tflops("h20", "fp8"), 296)
        self.assertIsNone(peak_tflops("NoSuchGPU", "bf16"))


class EntryPointTest(unittest.TestCase):
    def test_gemm_py_is_run_py_for_the_gemm_kernels(self):
        r = subprocess.run([sys.executable, os.path.join(BENCH, "gemm.py"), "--model", "qwen3-8b", "--gpu", "H20", "--dry-run", "--no-grid"],
                           capture_output=True, text=True, cwd="/")
        self.assertEqual(r.returncode, 0, r.stderr)
        kernels = {json.loads(line)["kernel"] for line in r.stdout.splitlines()}
        self.assertEqual(kernels, {"gemm"})


if __name__ == "__main__":
    unittest.main()
