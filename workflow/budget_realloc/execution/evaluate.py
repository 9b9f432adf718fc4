"""``budget-realloc evaluate``: verdicts and pass@k for generations made elsewhere.

The samples file may be in any format of ``generation.sample_files`` (``samples-jsonl`` and
``paper-json`` are recognised without being named); only the tasks it has samples for are
evaluated.  Samples are numbered per task in file order.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..benchmarks import NAMED, Problem, load_problems
from ..config import KIND_DEFAULTS, default
from ..errors import InputError, UserError
from ..generation.sample_files import guess_format, read_samples, samples_frame
from ..io import write_text
from ..metrics import pass_at_k
from .executor import Executor
from .job import Limits, TimePolicy
from .shard import execute_frame

def read_samples_file(path: str, problems: dict[str, Problem], fmt: str | None = None, prompts: str | None = None,
                      truncate: bool = False) -> pd.DataFrame:
    """The samples of one file in the generation columns (completions cut at the benchmark's stop
    sequences first if ``truncate``)."""
    samples = read_samples(fmt or guess_format(path), [path], list(problems.values()), prompts)
    if not samples:
        raise InputError(f"{path}: no samples in the file")
    present = {s.task_id for s in samples}
    return samples_frame(samples, [p for p in problems.values() if p.task_id in present], None, truncate, path)


def pass_at_k_report(verdicts: pd.DataFrame, ks=(1, 10, 100)) -> dict[int, float]:
    """Mean pass@k over the evaluated tasks for each k no larger than every task's n."""
    counts = verdicts.groupby("task_id")["passed"].agg(["size", "sum"])
    return {k: float(np.mean(pass_at_k(counts["size"], counts["sum"], k)))
            for k in ks if k <= counts["size"].min()}


def evaluate(generations: pd.DataFrame, problems: dict[str, Problem], limits: Limits, policy: TimePolicy,
             workers: int) -> pd.DataFrame:
    """Verdicts for samples read by :func:`read_samples_file`."""
    with Executor(workers=workers) as executor:
        return execute_frame(generations, problems, executor, limits, policy, desc="evaluate")


def evaluate_file(benchmark: str, samples_path: str, out: str, *, data: str | None = None, fmt: str | None = None,
                  prompts: str | None = None, truncate: bool = False, timeout: float | None = None,
                  policy: TimePolicy, workers: int) -> tuple[pd.DataFrame, int]:
    """Verdicts of a samples file written as JSON Lines to ``out``, and the benchmark's number of
    problems.  The time limit defaults to the benchmark's (APPS: per test case) as in the workflow."""
    import json

    if benchmark not in NAMED:
        raise UserError(f"--benchmark: unknown benchmark {benchmark!r} (one of {', '.join(NAMED)})")
    kind, difficulty = NAMED[benchmark]
    problems = {p.task_id: p for p in load_problems(kind, data, difficulty=difficulty)}
    generations = read_samples_file(samples_path, problems, fmt, prompts, truncate)
    cap = timeout or KIND_DEFAULTS[kind].get("timeout_s", default("execution", "timeout_s"))
    verdicts = evaluate(generations, problems, Limits(timeout_s=cap), policy, workers)
    write_text("".join(json.dumps(row) + "\n" for row in verdicts.to_dict("records")), out)
    return verdicts, len(problems)
