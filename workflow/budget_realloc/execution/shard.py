"""One execution job: the verdict of every sample of one generation shard."""

from __future__ import annotations

import pandas as pd

from ..benchmarks import Problem
from ..errors import InputError
from ..io import read_parquet, write_parquet
from .executor import Executor
from .job import Job, Limits

COLUMNS = ["task_id", "sample_id", "status", "passed", "error_type", "seconds"]


def job_for(problem: Problem, completion: str, limits: Limits) -> Job:
    """The program a completion makes for its problem, judged in the problem's mode."""
    cases = tuple(zip(*problem.test_cases())) if problem.mode != "assert" else ()
    return Job(mode=problem.mode, program=problem.program(completion), tests=problem.tests,
               cases=cases, fn_name=problem.fn_name, limits=limits)


def load_problem_index(problems_path: str) -> dict[str, Problem]:
    return {row["task_id"]: Problem.from_row(row) for row in read_parquet(problems_path).to_dict("records")}


def execute_frame(generations: pd.DataFrame, problems: dict[str, Problem], executor: Executor,
                  limits: Limits, desc: str = "execute") -> pd.DataFrame:
    unknown = sorted(set(generations["task_id"]) - set(problems))
    if unknown:
        raise InputError(f"generations name task ids the benchmark does not have: {unknown[:5]}")
    jobs = [job_for(problems[t], c, limits) for t, c in zip(generations["task_id"], generations["completion"])]
    verdicts = executor.run(jobs, desc=desc)
    return pd.DataFrame({
        "task_id": generations["task_id"].to_numpy(),
        "sample_id": generations["sample_id"].to_numpy(),
        "status": [v.status for v in verdicts],
        "passed": [v.passed for v in verdicts],
        "error_type": [v.error_type for v in verdicts],
        "seconds": [v.seconds for v in verdicts],
    }, columns=COLUMNS)


def execute_shard(*, problems_path: str, generations_path: str, out: str, limits: Limits,
                  workers: int = 1) -> pd.DataFrame:
    problems = load_problem_index(problems_path)
    generations = read_parquet(generations_path)
    with Executor(workers=workers) as executor:
        frame = execute_frame(generations, problems, executor, limits, desc=f"execute {generations_path}")
        isolation = executor.isolation
    write_parquet(frame, out, metadata={"isolation": isolation, "limits": limits.__dict__})
    return frame
