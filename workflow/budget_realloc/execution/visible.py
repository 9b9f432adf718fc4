"""Every sample against the tests its prompt shows: per-sample *visible* verdicts.

Each program runs in the same sandbox, by the same executor, as against the benchmark's tests
(shard.execute_frame: identical programs run once, time limits from the reference solution on
the same tests); only the tests differ (benchmarks.visible_tests).  A problem whose prompt shows
no usable test rejects nothing: its samples pass without being run (``visible_tests`` 0).
"""

from __future__ import annotations

from dataclasses import asdict

import pandas as pd

from ..benchmarks import read_problems
from ..benchmarks.visible_tests import visible_problem, visible_tests
from ..io import parquet_metadata, read_parquet, write_parquet
from .executor import Executor
from .job import Limits, TimePolicy
from .shard import COLUMNS, execute_frame

VISIBLE_COLUMNS = [*COLUMNS, "visible_tests"]


def execute_visible(generations: pd.DataFrame, problems: dict, kind: str, executor: Executor, limits: Limits,
                    policy: TimePolicy) -> pd.DataFrame:
    """Visible verdicts of ``generations`` (the generation columns) for a benchmark of ``kind``."""
    shown = visible_tests(kind, list(problems.values()))
    judged = {t: visible_problem(problems[t], shown[t]) for t in problems}
    runnable = generations["task_id"].map(lambda t: judged[t] is not None).to_numpy(dtype=bool)
    frames = []
    if runnable.any():
        ran = generations[runnable]
        frames.append(execute_frame(ran.reset_index(drop=True), {t: p for t, p in judged.items() if p is not None},
                                    executor, limits, policy, desc="execute visible tests").set_axis(ran.index))
    if (~runnable).any():
        rest = generations[~runnable]
        frames.append(pd.DataFrame({"task_id": rest["task_id"], "sample_id": rest["sample_id"], "status": "passed",
                                    "passed": True, "error_type": "", "seconds": 0.0, "cpu_seconds": 0.0,
                                    "timeout_s": 0.0}, index=rest.index))
    frame = pd.concat(frames).sort_index()
    frame["visible_tests"] = frame["task_id"].map(lambda t: len(shown[t].examples)).astype(int)
    return frame[VISIBLE_COLUMNS].reset_index(drop=True)


def write_visible_verdicts(*, problems_path: str, generations_path: str, out: str, limits: Limits,
                           policy: TimePolicy, workers: int = 1) -> pd.DataFrame:
    """``results/<benchmark>/<model>/sampled/visible.parquet``: the visible verdict of every sample
    of a run (columns of executions.parquet, and ``visible_tests``: how many the prompt shows)."""
    kind = parquet_metadata(problems_path)["kind"]
    problems = {p.task_id: p for p in read_problems(problems_path)}
    generations = read_parquet(generations_path)
    with Executor(workers=workers) as executor:
        frame = execute_visible(generations, problems, kind, executor, limits, policy)
        isolation = executor.isolation
    write_parquet(frame, out, metadata={"isolation": isolation, "limits": asdict(limits),
                                        "time_policy": asdict(policy), "kind": kind})
    return frame
