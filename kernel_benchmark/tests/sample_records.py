"""Prints one measurement record per planned item with made-up timings, for format tests without a GPU.

    python3 kernel_benchmark/tests/sample_records.py <run.py arguments without --dry-run>

The latencies are placeholders, not measurements: 5 µs plus the kernel's FLOPs
at half the GPU's peak (or a size-proportional term for GDN and collectives),
so that they pass ingest's physics checks (MFU <= 1, more work is not faster).
Only the record format is real.
"""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import run  # noqa: E402
from gpu_names import peak_tflops  # noqa: E402
from records import Measurement, kernel_flops, measurement_record, peak_dtype, to_line  # noqa: E402
from timing import summarize  # noqa: E402

SAMPLE_PARTS = {
    ("grouped_gemm", "decode"): ("up_proj_us", "down_proj_us"),
    ("grouped_gemm", "prefill"): ("up_proj_us", "down_proj_us"),
    ("gdn", "decode"): ("conv", "gdn_update"),
    ("gdn", "prefill"): ("conv", "kkt", "tril", "wu", "chunk_gdn", "chunk_o"),
}


def main(argv) -> int:
    args = run.parse_args(argv)
    env = {"gpu_name": "sample", "torch": "none", "hostname": "sample", "sm_clock_mhz": 1980.0, "args": " ".join(argv)}
    gpu = args.gpu or "H20"
    for item in run.make_plan(args, gpu):
        latency = placeholder_latency_us(item, gpu)
        names = SAMPLE_PARTS.get((item.kernel, item.phase), ())
        weights = (2, 1) if item.kernel == "grouped_gemm" else (1,) * len(names)
        parts = {name: latency * w / sum(weights) for name, w in zip(names, weights)}
        m = Measurement(latency, summarize([latency, latency * 1.1, latency * 0.9], 1, "cuda_event"), "sample", parts, "sample", "0")
        print(to_line(measurement_record(item, gpu, m, env)))
    return 0


def placeholder_latency_us(item, gpu: str) -> float:
    flops = kernel_flops(item)
    peak = peak_tflops(gpu, peak_dtype(item))
    if flops is not None and peak is not None:
        return 5.0 + flops / (0.5 * peak * 1e6)
    s = item.shape
    work = s.get("message_bytes", 0) / 1e5 + s.get("seq_len", 0) * 0.01 + s.get("batchsize", 0) * 0.1
    return 5.0 + work


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
