"""What every kernel module gets: the torch module, device, timer, allowed backends, run options; and Skip."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Optional, Sequence, Tuple

from backends import Backends
from records import Measurement
from timing import Setup, Timer


class Skip(Exception):
    """A plan item this machine cannot measure (missing library, unsupported dtype); the message says why."""


@dataclass
class Options:
    """How kernels are set up, beyond their shape (run.py flags)."""

    fp8_recipe: str = "block"  # block (1x128 activations, 128x128 weights) | channel | tensor
    act_quant: bool = True  # time the activation quantisation with an fp8 GEMM
    moe_routing: str = "balanced"  # balanced | uniform | power_law
    power_law_alpha: float = 1.2
    seed: int = 0


@dataclass
class Ctx:
    torch: Any
    device: str
    timer: Timer
    backends: Backends
    options: Options = field(default_factory=Options)
    _workspaces: Dict[str, Any] = field(default_factory=dict)

    @property
    def bf16(self):
        return self.torch.bfloat16

    def fp8(self):
        """torch's FP8 E4M3 dtype, or None on a torch without it."""
        return getattr(self.torch, "float8_e4m3fn", None)

    def randn(self, *shape: int, dtype: Optional[Any] = None):
        t = self.torch.randn(*shape, device=self.device, dtype=self.torch.float32).mul_(0.1)
        return t.to(dtype or self.bf16)

    def to_fp8(self, t):
        fp8 = self.fp8()
        if fp8 is None:
            raise Skip(f"torch {self.torch.__version__} has no float8_e4m3fn dtype")
        return t.to(fp8)

    def is_cuda(self) -> bool:
        return self.device != "cpu"

    def workspace(self, name: str, nbytes: int):
        """A scratch buffer shared by every operand copy of a run (library workspaces are not data a kernel reads)."""
        buf = self._workspaces.get(name)
        if buf is None or buf.numel() < nbytes:
            buf = self._workspaces[name] = self.torch.empty(nbytes, dtype=self.torch.uint8, device=self.device)
        return buf

    def torch_version(self) -> Tuple[int, int]:
        try:
            major, minor = self.torch.__version__.split(".")[:2]
            return int(major), int("".join(ch for ch in minor if ch.isdigit()) or 0)
        except ValueError:
            return (0, 0)


def labelled(fn: Callable, backend: str) -> Callable:
    """Tags a timed callable with the backend name its record reports."""
    fn.backend = backend
    return fn


def build(ctx: "Ctx", setup: Setup) -> Callable:
    """setup(), noting on the call how many bytes of operands it allocated (the timer needs no copies of a large one)."""
    allocated = ctx.torch.cuda.memory_allocated if ctx.is_cuda() else (lambda: 0)
    before = allocated()
    fn = setup()
    try:
        fn.operand_bytes = allocated() - before
    except AttributeError:  # a bound method takes no attributes
        pass
    return fn


def primed(first: Callable, setup: Setup) -> Setup:
    """A setup whose first call hands back an already built (and tried) callable."""
    pending = [first]

    def again():
        return pending.pop() if pending else setup()

    return again


def timed(ctx: Ctx, setup: Setup, backend: str, library: Optional[str] = None, env: Optional[Dict] = None) -> Measurement:
    """Times one kernel setup into a Measurement."""
    t = ctx.timer.time(setup)
    version = ctx.backends.version(library) if library else None
    return Measurement(t.median_us, t.stats(), backend, library=library, library_version=version, env=dict(env or {}))


def run_first(ctx: Ctx, attempts: Sequence[Tuple[str, Setup]], what: str, env: Optional[Dict] = None) -> Measurement:
    """Times the first backend whose setup and first call succeed; `attempts` is [(name, setup)].

    "torch" always counts as available; other names must be allowed and importable."""
    for name, setup in attempts:
        if name != "torch" and not ctx.backends.has(name):
            continue
        try:
            fn = build(ctx, setup)
            fn()
        except Skip:
            raise
        except Exception as e:
            if name == "torch":
                raise
            ctx.backends.fail(name, e)
            continue
        lib = None if name == "torch" else name
        return timed(ctx, primed(fn, setup), getattr(fn, "backend", name), lib, {**(env or {}), **getattr(fn, "env", {})})
    raise Skip(f"no backend can run {what}")


def parts_measurement(ctx: Ctx, setups: Dict[str, Setup], backend: str, library: Optional[str] = None,
                      env: Optional[Dict] = None) -> Measurement:
    """A record made of sub-kernels timed one by one (grouped GEMM up/down, GDN parts); latency = their sum."""
    total, parts = ctx.timer.time_parts(setups)
    version = ctx.backends.version(library) if library else None
    return Measurement(total.median_us, total.stats(), backend, parts={k: t.median_us for k, t in parts.items()},
                       library=library, library_version=version, env=dict(env or {}))
