"""The files of a run in progress, which let it resume and let the node launcher watch it (pure Python).

<workdir>/records-<rank>.jsonl   records measured by one rank, one per line, appended as they come
<workdir>/issues.jsonl           items skipped or failed (and why), any rank
<workdir>/current-<rank>.json    the item a rank is measuring now and since when
<workdir>/preflight.json         what the preflight found
A rerun with the same workdir measures only what is missing; failed and
timed-out items stay failed unless --retry-failed (skipped ones are retried:
a library may have been installed since).
"""
from __future__ import annotations

import glob
import json
import os
import time
from typing import Dict, Iterable, List, Optional, Set

from items import COMM_KERNELS, PlanItem
from records import to_line


def record_key(rec: Dict) -> str:
    """The plan key of a measurement record (as PlanItem.key_text)."""
    item = PlanItem(rec["kernel"], rec.get("phase"), rec["dtype"], rec.get("kv_dtype"), rec["shape"], "")
    return item.key_text()


def read_lines(path: str) -> List[Dict]:
    """The complete JSON lines of a file; a line cut off by a kill is dropped."""
    out = []
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if not line.endswith("\n"):
                    break
                try:
                    out.append(json.loads(line))
                except ValueError:
                    continue
    except FileNotFoundError:
        pass
    return out


def append_line(path: str, rec: Dict) -> None:
    """One line, written with a single write and flushed: a kill leaves whole lines behind."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, (to_line(rec) + "\n").encode("utf-8"))
    finally:
        os.close(fd)


def write_atomic(path: str, text: str) -> None:
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


class Workdir:
    def __init__(self, path: str):
        self.path = path
        os.makedirs(path, exist_ok=True)

    def records_file(self, rank: int) -> str:
        return os.path.join(self.path, f"records-{rank}.jsonl")

    def current_file(self, rank: int) -> str:
        return os.path.join(self.path, f"current-{rank}.json")

    @property
    def issues_file(self) -> str:
        return os.path.join(self.path, "issues.jsonl")

    @property
    def preflight_file(self) -> str:
        return os.path.join(self.path, "preflight.json")

    def records(self) -> List[Dict]:
        out = []
        for path in sorted(glob.glob(os.path.join(self.path, "records-*.jsonl"))):
            out.extend(read_lines(path))
        return out

    def done(self) -> Set[str]:
        return {record_key(r) for r in self.records()}

    def issues(self) -> List[Dict]:
        return read_lines(self.issues_file)

    def failed(self) -> Set[str]:
        """Items a run gave up on (errors, timeouts): not measured again unless asked."""
        return {i["key"] for i in self.issues() if i.get("kind") in ("failed", "timed_out")}

    def add_record(self, rank: int, rec: Dict) -> None:
        append_line(self.records_file(rank), rec)

    def add_issue(self, rank: int, item: PlanItem, kind: str, reason: str) -> None:
        append_line(self.issues_file, {"key": item.key_text(), "kind": kind, "reason": reason, "rank": rank, "time": time.time()})

    def start_item(self, rank: int, item: PlanItem, label: str) -> None:
        write_atomic(self.current_file(rank), json.dumps({"key": item.key_text(), "label": label, "comm": item.kernel in COMM_KERNELS,
                                                          "started": time.time()}))

    def current(self, rank: int) -> Optional[Dict]:
        try:
            with open(self.current_file(rank), encoding="utf-8") as f:
                return json.load(f)
        except (FileNotFoundError, ValueError):
            return None

    def end_items(self, rank: int) -> None:
        try:
            os.remove(self.current_file(rank))
        except FileNotFoundError:
            pass

    def clear(self, patterns: Iterable[str] = ("records-*.jsonl", "issues.jsonl", "current-*.json", "preflight.json")) -> None:
        for pattern in patterns:
            for path in glob.glob(os.path.join(self.path, pattern)):
                os.remove(path)
