"""Kernel timing: warm-up, then repeated timed calls; median and spread.

A kernel is handed to the timer as a *setup*: a function that allocates its
operands and returns the call to time. The timer can then make several
copies of the operands and rotate through them, so that every call reads its
weights and KV cache from HBM, not from the L2 cache the previous call
filled, which is what a real forward pass sees.

Timers:
- cuda_graph (default): the calls, rotating through the operand copies, are
  captured back to back in one CUDA graph and each replay is timed; the
  latency is the replay time over the calls. No host launch gaps (engines
  replay decode steps as CUDA graphs too) and no L2 flush needed.
- cuda_event: CUDA events around each call, the L2 cache flushed before it
  (a 256 MiB write). Used where a kernel cannot be captured (some libraries
  synchronise or allocate inside a call), or when asked for; a wrapper whose
  Python cost exceeds the kernel's time shows up in this figure.
- wall: perf_counter around each call, for `--device cpu` smoke runs.

torch is imported lazily so that the module can be imported without it.
"""
from __future__ import annotations

import math
import statistics
import sys
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Tuple

L2_FLUSH_BYTES = 256 * 1024**2
# Operand copies a graph rotates through: enough that their bytes exceed this many L2 caches.
ROTATE_L2_MULTIPLE = 3
MAX_COPIES = 32
DEFAULT_L2_BYTES = 50 * 1024**2  # when torch does not report the L2 size
MIN_GRAPH_CALLS = 8

Setup = Callable[[], Callable[[], object]]


@dataclass
class Timing:
    samples_us: List[float]
    warmup: int
    timer: str
    extra: Dict = field(default_factory=dict)  # copies, calls_per_replay, l2_flush

    @property
    def median_us(self) -> float:
        return statistics.median(self.samples_us)

    def stats(self) -> Dict:
        return {**summarize(self.samples_us, self.warmup, self.timer), **self.extra}


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
    """Per-repeat sums of sub-kernel timings, for a record made of parts; the weakest method is the one reported."""
    timings = list(parts.values())
    n = min(len(t.samples_us) for t in timings)
    samples = [sum(t.samples_us[i] for t in timings) for i in range(n)]
    order = ("wall", "cuda_event", "cuda_graph")
    timer = min((t.timer for t in timings), key=order.index)
    extra = dict(next(t.extra for t in timings if t.timer == timer))
    return Timing(samples, min(t.warmup for t in timings), timer, extra)


def label_of(fn: Callable, default: str) -> str:
    return getattr(fn, "backend", default)


class Timer:
    def __init__(self, device: str = "cuda", timer: str = "cuda_graph", warmup: int = 10, repeats: int = 100,
                 min_repeats: int = 10, max_seconds: float = 2.0, flush_l2: bool = True, rotate: bool = True,
                 torch_module=None):
        self.device = device
        self.timer = "wall" if device == "cpu" else timer
        self.warmup = warmup
        self.repeats = repeats
        self.min_repeats = min(min_repeats, repeats)
        self.max_seconds = max_seconds
        self.flush_l2 = flush_l2 and device != "cpu"
        self.rotate = rotate and device != "cpu"
        self._torch = torch_module
        self._flush_buf = None

    @property
    def torch(self):
        if self._torch is None:
            import torch

            self._torch = torch
        return self._torch

    # --- helpers ---
    def _sync(self) -> None:
        if self.device != "cpu":
            self.torch.cuda.synchronize()

    def _flush(self) -> None:
        if not self.flush_l2:
            return
        if self._flush_buf is None:
            self._flush_buf = self.torch.empty(L2_FLUSH_BYTES // 4, dtype=self.torch.int32, device=self.device)
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

    def _repeats_for(self, seconds_per_repeat: float) -> int:
        if math.isinf(self.max_seconds):
            return self.repeats
        fit = int(self.max_seconds / seconds_per_repeat)
        return max(self.min_repeats, min(self.repeats, fit))

    def _allocated(self) -> int:
        return self.torch.cuda.memory_allocated() if self.rotate else 0

    def _l2_bytes(self) -> int:
        try:
            props = self.torch.cuda.get_device_properties(self.torch.cuda.current_device())
            return int(getattr(props, "L2_cache_size", 0)) or DEFAULT_L2_BYTES
        except Exception:
            return DEFAULT_L2_BYTES

    def copies(self, setup: Setup, first: Callable[[], object], first_bytes: int) -> List[Callable[[], object]]:
        """`first` plus more operand copies from `setup`, until they span ROTATE_L2_MULTIPLE L2 caches.

        One copy as large as that (`first_bytes`, what building it allocated) is enough. A copy's
        size is what a second setup allocates (buffers a setup shares, such as a library
        workspace, are allocated by the first one only). Never more than a quarter of the free memory."""
        if not self.rotate or first_bytes >= ROTATE_L2_MULTIPLE * self._l2_bytes():
            return [first]
        cuda = self.torch.cuda
        before = cuda.memory_allocated()
        second = setup()
        per_copy = cuda.memory_allocated() - before
        fns = [first, second]
        if per_copy <= 0:
            return fns
        wanted = math.ceil(ROTATE_L2_MULTIPLE * self._l2_bytes() / per_copy)
        try:
            free = cuda.mem_get_info()[0]
        except Exception:
            free = per_copy * MAX_COPIES * 4
        affordable = max(2, int(free / 4 // per_copy))
        while len(fns) < min(wanted, MAX_COPIES, affordable):
            fns.append(setup())
        return fns

    # --- timers ---
    def time(self, setup: Setup) -> Timing:
        """Times the call `setup` returns (see the module docstring for the methods)."""
        before = self._allocated()
        fn = setup()
        first_bytes = max(self._allocated() - before, getattr(fn, "operand_bytes", 0))
        est = self._estimate_seconds(fn)
        if self.timer == "wall":
            return self._wall(fn, self._repeats_for(est))
        if self.timer == "cuda_graph":
            fns = self.copies(setup, fn, first_bytes)
            calls = max(MIN_GRAPH_CALLS, len(fns))
            try:
                return self._graph(fns, calls, self._repeats_for(est * calls))
            except Exception as e:  # not capturable: some backends allocate or synchronise inside a call
                message = str(e).splitlines()[0][:200] if str(e) else ""
                print(f"  {label_of(fn, 'kernel')}: CUDA graph capture failed ({type(e).__name__}: {message}); timing with CUDA events",
                      file=sys.stderr)
                self._recover_from_capture()
        return self._events(fn, self._repeats_for(est))

    def time_parts(self, setups: Dict[str, Setup]) -> Tuple[Timing, Dict[str, Timing]]:
        parts = {name: self.time(setup) for name, setup in setups.items()}
        return sum_timings(parts), parts

    def _wall(self, fn, repeats: int) -> Timing:
        samples = []
        for _ in range(repeats):
            self._sync()
            t0 = time.perf_counter()
            fn()
            self._sync()
            samples.append((time.perf_counter() - t0) * 1e6)
        return Timing(samples, self.warmup, "wall", {"copies": 1})

    def _events(self, fn, repeats: int) -> Timing:
        cuda = self.torch.cuda
        starts = [cuda.Event(enable_timing=True) for _ in range(repeats)]
        ends = [cuda.Event(enable_timing=True) for _ in range(repeats)]
        for i in range(repeats):
            self._flush()
            starts[i].record()
            fn()
            ends[i].record()
        cuda.synchronize()
        samples = [s.elapsed_time(e) * 1000.0 for s, e in zip(starts, ends)]
        return Timing(samples, self.warmup, "cuda_event", {"copies": 1, "l2_flush": self.flush_l2})

    def _graph(self, fns: List[Callable[[], object]], calls: int, repeats: int) -> Timing:
        cuda = self.torch.cuda
        stream = cuda.Stream()
        stream.wait_stream(cuda.current_stream())
        with cuda.stream(stream):
            for f in fns:  # every copy once outside capture: lazy initialisation, autotuning
                f()
        cuda.current_stream().wait_stream(stream)
        graph = cuda.CUDAGraph()
        with cuda.graph(graph):
            for i in range(calls):
                fns[i % len(fns)]()
        graph.replay()
        cuda.synchronize()
        starts = [cuda.Event(enable_timing=True) for _ in range(repeats)]
        ends = [cuda.Event(enable_timing=True) for _ in range(repeats)]
        for i in range(repeats):
            starts[i].record()
            graph.replay()
            ends[i].record()
        cuda.synchronize()
        samples = [s.elapsed_time(e) * 1000.0 / calls for s, e in zip(starts, ends)]
        return Timing(samples, self.warmup, "cuda_graph", {"copies": len(fns), "calls_per_replay": calls})

    def _recover_from_capture(self) -> None:
        """A failed capture can leave the device's error state set; clear what can be cleared."""
        try:
            self.torch.cuda.synchronize()
        except Exception:
            pass


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
