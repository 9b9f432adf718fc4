"""The speed claims as one suite: which benchmarks there are, and the result file each run writes.

A benchmark is a module of this package with a top-level ``measure(quick: bool) -> dict``
returning at least ``ours``, ``baseline`` and ``ratio`` (numbers, measured in one run) and
``units``; whatever else it returns is kept as detail.  The runner adds what makes a number
checkable later — the machine, the commit, the date, whether it was a quick run — and writes
``perf/results/<name>.json`` atomically.  README and docs cite a number as a link to the file
that holds it, the key as the link's title: ``[11.1x](perf/results/executor_throughput.json "ratio")``
(tests/test_perf_results.py checks every such number against its file).
Benchmarks are found by reading the package's sources, so listing them imports none of them.
"""

from __future__ import annotations

import ast
import datetime
import importlib
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from budget_realloc.io import write_json

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results"
REQUIRED = {"ours": (int, float), "baseline": (int, float), "ratio": (int, float), "units": str}


class Unavailable(Exception):
    """What a benchmark needs is not here (data, a baseline's checkout): it is skipped, its last
    committed result kept."""


def benchmarks() -> dict[str, str]:
    """name -> the first line of its docstring, for every module that defines ``measure``."""
    found = {}
    for path in sorted(HERE.glob("*.py")):
        tree = ast.parse(path.read_text())
        if any(isinstance(node, ast.FunctionDef) and node.name == "measure" for node in tree.body):
            found[path.stem] = (ast.get_docstring(tree) or "").splitlines()[0]
    return found


def result_path(name: str) -> Path:
    return RESULTS / f"{name}.json"


def _git(*arguments: str) -> str:
    return subprocess.run(["git", "-C", str(REPO), *arguments], capture_output=True, text=True).stdout.strip()


def provenance() -> dict:
    """The commit measured (and whether the code differed from it) and the machine it ran on."""
    changed = _git("status", "--porcelain", "--", "perf", "workflow", ":!perf/results")
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    return {"commit": _git("rev-parse", "HEAD"), "uncommitted_changes": bool(changed),
            "measured_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "machine": {"cpu": cpu, "cores": len(os.sched_getaffinity(0)), "python": platform.python_version(),
                        "system": f"{platform.system()} {platform.release()}", "root": os.geteuid() == 0,
                        "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}}


def checked(name: str, result: dict) -> dict:
    for key, kind in REQUIRED.items():
        if not isinstance(result.get(key), kind):
            raise TypeError(f"benchmark {name}: measure() must return {key!r} as {kind}, got {result.get(key)!r}")
    return result


def run(name: str, quick: bool) -> dict:
    """Measure one benchmark in this process and write its result file."""
    module = importlib.import_module(f"perf.{name}")
    began = provenance()
    start = time.perf_counter()
    result = checked(name, module.measure(quick))
    record = {**result, "benchmark": name, "description": benchmarks()[name], "quick": quick,
              "wall_s": round(time.perf_counter() - start, 1), **began}
    write_json(record, result_path(name))
    return record


def run_isolated(name: str, quick: bool) -> int:
    """One benchmark in a fresh interpreter, so that none inherits another's imports, threads or forks."""
    command = [sys.executable, "-m", "perf", "run", name] + (["--quick"] if quick else [])
    return subprocess.run(command, cwd=REPO).returncode
