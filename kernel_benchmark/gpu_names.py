"""infersim GPU names and peaks (pure Python, no torch).

The name written into every record is the infersim name (`--gpu`, or derived
from the CUDA device name); peaks come from the repository's data/gpus.json so
that the MFU a record carries uses the same figures as `infersim ingest`.
"""
from __future__ import annotations

import json
import os
import re
from typing import Dict, List, Optional

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GPUS_JSON = os.path.join(REPO_ROOT, "data", "gpus.json")

# CUDA device name (upper-cased, "NVIDIA " dropped) -> infersim name; first match wins.
_DEVICE_RULES = [
    (r"^GB200", "GB200"),
    (r"^GB300", "GB300"),
    (r"^B200", "B200"),
    (r"^B300", "B300"),
    (r"^H200", "H200"),
    (r"^H800", "H800"),
    (r"^H100.*PCIE", "H100-PCIe"),
    (r"^H100.*NVL", "H100-NVL"),
    (r"^H100", "H100-SXM"),
    (r"^H20\b", "H20"),
    (r"^A100.*PCIE", "A100-PCIe"),
    (r"^A100", "A100-SXM"),
    (r"^A800", "A800"),
    (r"^L40S", "L40S"),
    (r"^L20\b", "L20"),
]


# --gpu-spec files of this run: their entries come before (and so replace) the bundled ones of the same name.
GPU_SPEC_FILES: List[str] = []


def read_gpu_file(path: str) -> List[Dict]:
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f).get("gpus", [])
    except (OSError, ValueError):
        return []


def load_gpus(path: str = GPUS_JSON) -> List[Dict]:
    extra = [g for spec in GPU_SPEC_FILES for g in read_gpu_file(spec)]
    return extra + read_gpu_file(path)


def find_gpu(name: str, gpus: Optional[List[Dict]] = None) -> Optional[Dict]:
    wanted = name.lower()
    for g in gpus if gpus is not None else load_gpus():
        if g.get("name", "").lower() == wanted or wanted in (a.lower() for a in g.get("aliases", [])):
            return g
    return None


def infersim_gpu_name(device_name: str, gpus: Optional[List[Dict]] = None) -> str:
    """The infersim name of a CUDA device, e.g. 'NVIDIA H100 80GB HBM3' -> 'H100-SXM'."""
    short = re.sub(r"^NVIDIA\s+", "", device_name.strip(), flags=re.IGNORECASE).upper()
    for pattern, name in _DEVICE_RULES:
        if re.search(pattern, short):
            known = find_gpu(name, gpus)
            return known["name"] if known else name
    known = find_gpu(short, gpus)
    return known["name"] if known else re.sub(r"[^A-Za-z0-9.-]+", "-", short).strip("-")


def gpu_key(name: str) -> str:
    """Folder of a GPU's tables under bench_data (src/hardware/gpu.ts gpuTableKey)."""
    return name.lower()


def peak_tflops(name: str, dtype: str, gpus: Optional[List[Dict]] = None) -> Optional[float]:
    """Dense peak of one dtype, TFLOP/s, from data/gpus.json; None when the GPU is not listed."""
    g = find_gpu(name, gpus)
    if g is None:
        return None
    key = {"fp8": "fp8Tflops", "fp8_block": "fp8Tflops", "int8": "int8Tops", "nvfp4": "fp4Tflops"}.get(dtype, "fp16Tflops")
    v = g.get(key)
    return float(v) if isinstance(v, (int, float)) and v > 0 else None
