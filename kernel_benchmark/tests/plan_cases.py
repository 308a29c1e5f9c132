"""Plans several run.py --dry-run cases in one process, for tests that plan many (one Python start instead of one each).

    echo '[["--model", "qwen3-8b", "--gpu", "H20"], ["--model", "qwen3-30b-a3b", "--gpu", "H20", "--world-size", "4"]]' \\
        | python3 kernel_benchmark/tests/plan_cases.py

Reads a JSON list of run.py argument lists (without --dry-run) on stdin; prints one JSON line per case,
{"case": i, "records": [plan records, as --dry-run prints them]} or {"case": i, "error": "..."}.
"""
from __future__ import annotations

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import run  # noqa: E402
from model_config import ConfigError  # noqa: E402
from records import plan_record  # noqa: E402


def plan_case(argv) -> dict:
    args = run.parse_args([*argv, "--dry-run"])
    try:
        gpu = run.dry_run_gpu(args)
        return {"records": [plan_record(item, gpu) for item in run.make_plan(args, gpu)]}
    except (run.UsageError, ConfigError) as e:
        return {"error": str(e)}


def main() -> int:
    cases = json.load(sys.stdin)
    for i, argv in enumerate(cases):
        sys.stdout.write(json.dumps({"case": i, **plan_case(argv)}, separators=(",", ":")) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
