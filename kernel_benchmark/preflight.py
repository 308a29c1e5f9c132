"""Before a run (and between items): are the GPUs in a state worth measuring? Clocks, persistence, power, other processes.

Reads nvidia-smi (no torch). Kernel timings drift with the SM clock: a GPU
that is throttling (power, temperature), clocking down between items
(persistence mode off), or shared with another process gives numbers that
are not the GPU's. The preflight reports what it sees, warns, and with
--lock-clocks pins the SM clock to its maximum (needs root; undone at the end).
"""
from __future__ import annotations

import subprocess
from importlib import metadata
from typing import Dict, List, Optional, Sequence

from backends import library_versions

GPU_FIELDS = ["index", "uuid", "name", "persistence_mode", "clocks.sm", "clocks.max.sm", "clocks.applications.graphics",
              "clocks_throttle_reasons.active", "power.draw", "power.limit", "temperature.gpu", "memory.used"]
# Bits of clocks_throttle_reasons.active (nvidia-smi -q documents them) that mean the GPU runs slower than asked.
THROTTLE_BITS = {0x2: "application clocks setting", 0x4: "software power cap", 0x8: "hardware slowdown",
                 0x20: "software thermal slowdown", 0x40: "hardware thermal slowdown", 0x80: "hardware power brake"}


def _smi(args: Sequence[str], timeout: float = 15.0) -> Optional[str]:
    try:
        return subprocess.run(["nvidia-smi", *args], capture_output=True, text=True, timeout=timeout, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None


def _rows(text: Optional[str], fields: Sequence[str]) -> List[Dict[str, str]]:
    rows = []
    for line in (text or "").splitlines():
        values = [v.strip() for v in line.split(",")]
        if len(values) == len(fields):
            rows.append(dict(zip(fields, values)))
    return rows


def gpu_states(ids: Optional[str] = None) -> List[Dict[str, str]]:
    """One dict per GPU; newer drivers call the throttle reasons clock event reasons (the old name is tried first)."""
    for fields in (GPU_FIELDS, [f.replace("clocks_throttle_reasons", "clocks_event_reasons") for f in GPU_FIELDS]):
        args = [f"--query-gpu={','.join(fields)}", "--format=csv,noheader,nounits"]
        if ids is not None:
            args.insert(0, f"--id={ids}")
        rows = _rows(_smi(args), fields)
        if rows:
            return [dict(zip(GPU_FIELDS, r.values())) for r in rows]
    return []


def compute_processes() -> List[Dict[str, str]]:
    fields = ["gpu_uuid", "pid", "process_name", "used_memory"]
    return _rows(_smi([f"--query-compute-apps={','.join(fields)}", "--format=csv,noheader,nounits"]), fields)


def throttle_reasons(mask_text: str) -> List[str]:
    try:
        mask = int(mask_text, 16) if mask_text.lower().startswith("0x") else int(mask_text)
    except ValueError:
        return []
    return [why for bit, why in THROTTLE_BITS.items() if mask & bit]


def _number(v: Optional[str]) -> Optional[float]:
    try:
        return float(v) if v is not None else None
    except ValueError:
        return None


def report(gpu_count: int, own_pids: Sequence[int] = ()) -> Dict:
    """What the preflight found, with warnings: per GPU state, other processes, library versions."""
    states = gpu_states()[:gpu_count] if gpu_count > 0 else gpu_states()
    others = [p for p in compute_processes() if int(_number(p.get("pid")) or -1) not in own_pids]
    uuids = {s.get("uuid") for s in states}
    others = [p for p in others if p.get("gpu_uuid") in uuids]
    warnings: List[str] = []
    if not states:
        warnings.append("nvidia-smi is not readable: clocks, power and other processes are unknown")
    for s in states:
        gpu = f"GPU {s.get('index')}"
        if s.get("persistence_mode", "").lower() not in ("enabled", "on"):
            warnings.append(f"{gpu}: persistence mode is off (the driver may reinitialise and clock down between items; nvidia-smi -pm 1)")
        reasons = throttle_reasons(s.get("clocks_throttle_reasons.active", "0"))
        if reasons:
            warnings.append(f"{gpu}: clocks held back now: {', '.join(reasons)}")
        used = _number(s.get("memory.used"))
        if used is not None and used > 1024:
            warnings.append(f"{gpu}: {used:.0f} MiB of memory already in use")
    for p in others:
        warnings.append(f"process {p.get('pid')} ({p.get('process_name')}) uses a GPU of this run ({p.get('used_memory')} MiB): timings will be shared")
    versions = {"torch": _version("torch"), **library_versions()}
    return {"gpus": states, "other_processes": others, "libraries": {k: v for k, v in versions.items() if v}, "warnings": warnings}


def _version(dist: str) -> Optional[str]:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def render(rep: Dict) -> str:
    lines = ["preflight:"]
    for s in rep["gpus"]:
        lines.append(f"  GPU {s.get('index')} {s.get('name')}: SM {s.get('clocks.sm')}/{s.get('clocks.max.sm')} MHz, "
                     f"power {s.get('power.draw')}/{s.get('power.limit')} W, {s.get('temperature.gpu')} C, persistence {s.get('persistence_mode')}")
    libs = ", ".join(f"{k} {v}" for k, v in sorted(rep["libraries"].items()))
    lines.append(f"  libraries: {libs or 'none found'}")
    lines += [f"  warning: {w}" for w in rep["warnings"]]
    return "\n".join(lines)


def lock_clocks(gpu_count: int) -> List[str]:
    """Persistence on and the SM clock locked at its maximum on each GPU; returns what failed (not root, no support)."""
    problems = []
    for s in gpu_states()[:gpu_count]:
        index, top = s.get("index"), s.get("clocks.max.sm")
        for args in (["-i", str(index), "-pm", "1"], ["-i", str(index), "-lgc", f"{top},{top}"]):
            if _smi(args) is None:
                problems.append(f"GPU {index}: nvidia-smi {' '.join(args)} failed (root needed?)")
    return problems


def unlock_clocks(gpu_count: int) -> None:
    for s in gpu_states()[:gpu_count]:
        _smi(["-i", str(s.get("index")), "-rgc"])


def env_summary(rep: Dict, clocks_locked: bool) -> Dict:
    """The preflight facts every record of the run carries."""
    persistence = {s.get("persistence_mode", "").lower() for s in rep["gpus"]}
    return {"clocks_locked": clocks_locked, "persistence_mode": ",".join(sorted(persistence)) or "unknown",
            "other_gpu_processes": len(rep["other_processes"])}


def throttle_now(gpu_id) -> List[str]:
    """Active throttle reasons of one GPU now (empty when none, or when nvidia-smi is not readable)."""
    states = gpu_states(str(gpu_id))
    return throttle_reasons(states[0].get("clocks_throttle_reasons.active", "0")) if states else []
