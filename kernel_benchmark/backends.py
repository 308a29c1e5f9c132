"""Optional kernel libraries: which are importable, their versions, and which the user allows.

Detection uses importlib.util.find_spec, so nothing heavy is imported until a
kernel module asks for a library. `--backends torch` restricts every kernel
to its PyTorch path.
"""
from __future__ import annotations

import importlib
import importlib.util
import sys
from importlib import metadata
from typing import Dict, Iterable, Optional, Tuple

# name -> (import name, distribution names to read the version from)
LIBRARIES: Dict[str, Tuple[str, Tuple[str, ...]]] = {
    "flashinfer": ("flashinfer", ("flashinfer-python", "flashinfer")),
    "fa3": ("flash_attn_interface", ("flash_attn_3", "flashattn-hopper", "flash-attn-3")),
    "fa2": ("flash_attn", ("flash-attn", "flash_attn")),
    "flashmla": ("flash_mla", ("flash-mla", "flash_mla")),
    "deepgemm": ("deep_gemm", ("deep-gemm", "deep_gemm")),
    "sgl-kernel": ("sgl_kernel", ("sgl-kernel", "sgl_kernel")),
    "fla": ("fla", ("flash-linear-attention", "fla-core")),
    "causal_conv1d": ("causal_conv1d", ("causal-conv1d", "causal_conv1d")),
    "deep_ep": ("deep_ep", ("deep-ep", "deep_ep")),
    "sglang": ("sglang.srt.layers.moe.fused_moe_triton", ("sglang",)),
    "vllm": ("vllm.model_executor.layers.fused_moe", ("vllm",)),
}


def _found(module: str) -> bool:
    """Whether the library's top-level package is installed (without importing it; a failing import shows in load)."""
    try:
        return importlib.util.find_spec(module.split(".")[0]) is not None
    except (ImportError, ValueError):
        return False


def library_version(name: str) -> Optional[str]:
    module, dists = LIBRARIES[name]
    for dist in dists:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    mod = sys.modules.get(module)
    return getattr(mod, "__version__", None) if mod else None


def library_versions() -> Dict[str, str]:
    """Versions of the optional libraries that are installed."""
    out = {}
    for name, (module, _) in LIBRARIES.items():
        if _found(module):
            out[name.replace("-", "_")] = library_version(name) or "unknown"
    return out


class Backends:
    """The optional libraries a run may use: installed and allowed by --backends."""

    def __init__(self, allowed: Optional[Iterable[str]] = None):
        self.allowed = None if allowed is None else set(allowed)
        self._failed: set = set()
        self._told: set = set()

    def has(self, name: str) -> bool:
        if name in self._failed or (self.allowed is not None and name not in self.allowed):
            return False
        return _found(LIBRARIES[name][0])

    def load(self, name: str):
        """Imports a library's module; a failed import marks it unavailable for the rest of the run."""
        try:
            return importlib.import_module(LIBRARIES[name][0])
        except Exception as e:
            self.fail(name, e, permanent=True)
            return None

    def fail(self, name: str, error: BaseException, permanent: bool = False) -> None:
        """Reports a backend failure once per message; `permanent` (import failures) disables it for the run."""
        message = f"{type(error).__name__}: {str(error).splitlines()[0][:200] if str(error) else ''}"
        if (name, message) not in self._told:
            self._told.add((name, message))
            print(f"  backend {name} failed ({message}); using the next one", file=sys.stderr)
        if permanent:
            self._failed.add(name)

    def version(self, name: str) -> Optional[str]:
        return library_version(name)
