"""Loads the stand-ins of tests/fake_libs (torch with a simulated GPU, DeepGEMM, FlashMLA, fla, a broken causal_conv1d)
in place of the real libraries, for the duration of a test."""
from __future__ import annotations

import contextlib
import importlib
import os
import sys

FAKE_LIBS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fake_libs")
FAKE_NAMES = ("torch", "deep_gemm", "causal_conv1d", "flash_mla", "fla", "sglang")


def _drop(names):
    for name in list(sys.modules):
        if name.split(".")[0] in names:
            del sys.modules[name]


@contextlib.contextmanager
def fake_gpu(libraries=("deep_gemm", "flash_mla", "fla", "causal_conv1d")):
    """The fake torch plus the fake libraries named (others are hidden); yields the fake torch module."""
    saved = {n: m for n, m in sys.modules.items() if n.split(".")[0] in FAKE_NAMES}
    _drop(FAKE_NAMES)
    hidden = [n for n in FAKE_NAMES if n != "torch" and n not in libraries]
    finder = _Hide(hidden)
    sys.path.insert(0, FAKE_LIBS)
    sys.meta_path.insert(0, finder)
    try:
        torch = importlib.import_module("torch")
        torch.state.reset()
        yield torch
    finally:
        sys.meta_path.remove(finder)
        sys.path.remove(FAKE_LIBS)
        _drop(FAKE_NAMES)
        sys.modules.update(saved)


class _Hide:
    """A meta path finder that makes the named top-level modules look uninstalled."""

    def __init__(self, names):
        self.names = set(names)

    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in self.names:
            raise ModuleNotFoundError(f"No module named '{fullname}'")
        return None


def fake_ctx(torch, **options):
    """A Ctx on the fake GPU, CUDA-graph timing, few repeats."""
    from backends import Backends
    from common import Ctx, Options
    from timing import Timer

    timer = Timer(device="cuda", warmup=1, repeats=5, min_repeats=5, torch_module=torch)
    return Ctx(torch=torch, device="cuda:0", timer=timer, backends=Backends(None), options=Options(**options))
