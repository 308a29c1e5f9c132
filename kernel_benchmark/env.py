"""Where a measurement ran: GPU, clocks, driver, CUDA, torch and backend library versions."""
from __future__ import annotations

import socket
import subprocess
from typing import Dict, Optional

from backends import library_versions

_SMI_FIELDS = ["name", "driver_version", "clocks.sm", "clocks.max.sm", "clocks.mem", "power.limit"]


def nvidia_smi(gpu_id="0") -> Dict[str, str]:
    """Fields of one GPU (index, or GPU-<uuid>) from nvidia-smi; {} when it is missing or not readable."""
    try:
        out = subprocess.run(
            ["nvidia-smi", f"--id={gpu_id}", f"--query-gpu={','.join(_SMI_FIELDS)}", "--format=csv,noheader,nounits"],
            capture_output=True, text=True, timeout=10, check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return {}
    values = [v.strip() for v in out.splitlines()[0].split(",")] if out else []
    return dict(zip(_SMI_FIELDS, values)) if len(values) == len(_SMI_FIELDS) else {}


def _number(v: Optional[str]) -> Optional[float]:
    try:
        return float(v) if v is not None else None
    except ValueError:
        return None  # "[N/A]" and the like


def smi_id(torch, index: int):
    """nvidia-smi's id of a torch device: its UUID when torch knows it (CUDA_VISIBLE_DEVICES renumbers indices)."""
    uuid = getattr(torch.cuda.get_device_properties(index), "uuid", None)
    return f"GPU-{uuid}" if uuid else index


def sm_clock_mhz(gpu_id) -> Optional[float]:
    return _number(nvidia_smi(gpu_id).get("clocks.sm"))


def capture_env(device: str, argv: str) -> Dict:
    """The env object every record of this run carries (schema: raw-measurement env)."""
    import torch

    env: Dict = {"torch": torch.__version__, "hostname": socket.gethostname(), "args": argv}
    if device == "cpu":
        env["gpu_name"] = "cpu"
        return env
    index = torch.cuda.current_device()
    props = torch.cuda.get_device_properties(index)
    env["gpu_name"] = props.name
    env["sm_count"] = props.multi_processor_count
    env["gpu_mem_gib"] = round(props.total_memory / 1024**3, 1)
    env["compute_capability"] = f"{props.major}.{props.minor}"
    if torch.version.cuda:
        env["cuda"] = torch.version.cuda
    smi = nvidia_smi(smi_id(torch, index))
    if smi.get("driver_version"):
        env["driver"] = smi["driver_version"]
    for field, key in (("clocks.sm", "sm_clock_mhz"), ("clocks.max.sm", "sm_clock_max_mhz"),
                       ("clocks.mem", "mem_clock_mhz"), ("power.limit", "power_limit_w")):
        v = _number(smi.get(field))
        if v is not None:
            env[key] = v
    for lib, version in library_versions().items():
        env[f"{lib}_version"] = version
    return env
