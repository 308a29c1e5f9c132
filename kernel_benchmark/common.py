"""What every kernel module gets: the torch module, device, timer, allowed backends; and Skip."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from backends import Backends
from timing import Timer


class Skip(Exception):
    """A plan item this machine cannot measure (missing library, unsupported dtype); the message says why."""


@dataclass
class Ctx:
    torch: Any
    device: str
    timer: Timer
    backends: Backends

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
