"""Kernel timing: warm-up, then repeated timed calls; median and spread.

Timers:
- cuda_event (default): one pair of CUDA events around each call; the L2
  cache is flushed before each call (outside the events) so weights and KV
  are read from HBM as in a real forward.
- cuda_graph: the call is captured `graph_calls` times in one CUDA graph and
  each replay is timed; removes launch overhead (no L2 flush between calls).
  Falls back to cuda_event when a kernel cannot be captured.
- wall: perf_counter around each call, for `--device cpu` smoke runs.

torch is imported lazily so that the module can be imported without it.
"""
from __future__ import annotations

import math
import statistics
import sys
import time
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple

L2_FLUSH_BYTES = 256 * 1024**2


@dataclass
class Timing:
    samples_us: List[float]
    warmup: int
    timer: str

    @property
    def median_us(self) -> float:
        return statistics.median(self.samples_us)

    def stats(self) -> Dict:
        return summarize(self.samples_us, self.warmup, self.timer)


def percentile(sorted_values: List[float], q: float) -> float:
    """Linear-interpolated percentile of sorted values, q in [0, 1]."""
    if len(sorted_values) == 1:
        return sorted_values[0]
    pos = q * (len(sorted_values) - 1)
    lo = int(math.floor(pos))
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def summarize(samples_us: List[float], warmup: int, timer: str) -> Dict:
    s = sorted(samples_us)
    r = lambda v: round(v, 3)  # noqa: E731
    return {
        "repeats": len(s),
        "warmup": warmup,
        "median_us": r(statistics.median(s)),
        "mean_us": r(statistics.fmean(s)),
        "min_us": r(s[0]),
        "max_us": r(s[-1]),
        "p10_us": r(percentile(s, 0.1)),
        "p90_us": r(percentile(s, 0.9)),
        "stdev_us": r(statistics.stdev(s)) if len(s) > 1 else 0.0,
        "timer": timer,
    }


def sum_timings(parts: Dict[str, Timing]) -> Timing:
    """Per-repeat sums of sub-kernel timings (same repeat count), for a record made of parts."""
    timings = list(parts.values())
    n = min(len(t.samples_us) for t in timings)
    samples = [sum(t.samples_us[i] for t in timings) for i in range(n)]
    timer = timings[0].timer if all(t.timer == timings[0].timer for t in timings) else "cuda_event"
    return Timing(samples, min(t.warmup for t in timings), timer)


class Timer:
    def __init__(self, device: str = "cuda", timer: str = "cuda_event", warmup: int = 10, repeats: int = 100,
                 min_repeats: int = 10, max_seconds: float = 2.0, flush_l2: bool = True, graph_calls: int = 10):
        self.device = device
        self.timer = "wall" if device == "cpu" else timer
        self.warmup = warmup
        self.repeats = repeats
        self.min_repeats = min(min_repeats, repeats)
        self.max_seconds = max_seconds
        self.flush_l2 = flush_l2 and device != "cpu"
        self.graph_calls = graph_calls
        self._flush_buf = None

    # --- helpers ---
    def _sync(self) -> None:
        if self.device != "cpu":
            import torch

            torch.cuda.synchronize()

    def _flush(self) -> None:
        if not self.flush_l2:
            return
        import torch

        if self._flush_buf is None:
            self._flush_buf = torch.empty(L2_FLUSH_BYTES // 4, dtype=torch.int32, device=self.device)
        self._flush_buf.zero_()

    def _estimate_seconds(self, fn: Callable[[], object]) -> float:
        """Warm-up calls, then a wall-clock estimate of one call."""
        for _ in range(self.warmup):
            fn()
        self._sync()
        t0 = time.perf_counter()
        n = 3
        for _ in range(n):
            fn()
        self._sync()
        return max((time.perf_counter() - t0) / n, 1e-7)

    def _repeats_for(self, seconds_per_call: float) -> int:
        if math.isinf(self.max_seconds):
            return self.repeats
        fit = int(self.max_seconds / seconds_per_call)
        return max(self.min_repeats, min(self.repeats, fit))

    # --- timers ---
    def time(self, fn: Callable[[], object]) -> Timing:
        est = self._estimate_seconds(fn)
        repeats = self._repeats_for(est)
        if self.timer == "wall":
            return self._wall(fn, repeats)
        if self.timer == "cuda_graph":
            try:
                return self._graph(fn, repeats)
            except Exception as e:  # not capturable: some backends allocate or sync inside
                print(f"  cuda graph capture failed ({type(e).__name__}: {e}); timing with CUDA events", file=sys.stderr)
        return self._events(fn, repeats)

    def time_parts(self, fns: Dict[str, Callable[[], object]]) -> Tuple[Timing, Dict[str, Timing]]:
        parts = {name: self.time(fn) for name, fn in fns.items()}
        return sum_timings(parts), parts

    def _wall(self, fn, repeats: int) -> Timing:
        samples = []
        for _ in range(repeats):
            self._sync()
            t0 = time.perf_counter()
            fn()
            self._sync()
            samples.append((time.perf_counter() - t0) * 1e6)
        return Timing(samples, self.warmup, "wall")

    def _events(self, fn, repeats: int) -> Timing:
        import torch

        starts = [torch.cuda.Event(enable_timing=True) for _ in range(repeats)]
        ends = [torch.cuda.Event(enable_timing=True) for _ in range(repeats)]
        for i in range(repeats):
            self._flush()
            starts[i].record()
            fn()
            ends[i].record()
        torch.cuda.synchronize()
        return Timing([s.elapsed_time(e) * 1000.0 for s, e in zip(starts, ends)], self.warmup, "cuda_event")

    def _graph(self, fn, repeats: int) -> Timing:
        import torch

        stream = torch.cuda.Stream()
        stream.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(stream):
            for _ in range(3):
                fn()
        torch.cuda.current_stream().wait_stream(stream)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            for _ in range(self.graph_calls):
                fn()
        graph.replay()
        torch.cuda.synchronize()
        starts = [torch.cuda.Event(enable_timing=True) for _ in range(repeats)]
        ends = [torch.cuda.Event(enable_timing=True) for _ in range(repeats)]
        for i in range(repeats):
            starts[i].record()
            graph.replay()
            ends[i].record()
        torch.cuda.synchronize()
        samples = [s.elapsed_time(e) * 1000.0 / self.graph_calls for s, e in zip(starts, ends)]
        return Timing(samples, self.warmup, "cuda_graph")


def profile_kernel_times(fn: Callable[[], object], calls: int = 5) -> Optional[Dict[str, float]]:
    """Mean device time (µs) per call of each CUDA kernel name fn launches, via torch.profiler; None if unavailable."""
    try:
        import torch
        from torch.profiler import ProfilerActivity, profile

        with profile(activities=[ProfilerActivity.CUDA]) as prof:
            for _ in range(calls):
                fn()
            torch.cuda.synchronize()
        out: Dict[str, float] = {}
        for evt in prof.key_averages():
            total = getattr(evt, "device_time_total", None)
            if total is None:
                total = getattr(evt, "cuda_time_total", 0.0)
            if total and total > 0:
                out[evt.key] = out.get(evt.key, 0.0) + total / calls
        return out or None
    except Exception as e:  # profiler missing or CUPTI unavailable
        print(f"  profiler unavailable ({type(e).__name__}: {e})", file=sys.stderr)
        return None
