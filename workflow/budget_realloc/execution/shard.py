"""One execution job: the verdict of every sample of one generation shard."""

from __future__ import annotations

from dataclasses import asdict, replace

import pandas as pd

from ..benchmarks import Problem, read_problems, shard_slice
from ..errors import InputError
from ..io import read_parquet, write_parquet
from .executor import Executor
from .job import Job, Limits, TimePolicy

COLUMNS = ["task_id", "sample_id", "status", "passed", "error_type", "seconds", "cpu_seconds",
           "timeout_s"]


def job_for(problem: Problem, code: str, limits: Limits, whole_program: bool = False) -> Job:
    """The program a completion (or a whole program) makes for its problem, judged in its mode."""
    cases = tuple(zip(*problem.test_cases())) if problem.mode != "assert" else ()
    return Job(mode=problem.mode, program=code if whole_program else problem.program(code),
               tests=problem.tests, cases=cases, fn_name=problem.fn_name, limits=limits)


def calibrated_limits(problems: dict[str, Problem], executor: Executor, limits: Limits,
                      policy: TimePolicy) -> dict[str, Limits]:
    """Each problem's limits, its time limit set by ``policy`` from its reference's CPU time.

    A problem without a reference, or whose reference does not pass here, gets ``limits`` as
    they are.
    """
    if not policy.factor:
        return {task_id: limits for task_id in problems}
    with_reference = [t for t, p in problems.items() if p.reference]
    verdicts = executor.run([job_for(problems[t], problems[t].reference, limits) for t in with_reference],
                            desc="time references")
    reference_cpu = {t: v.cpu_seconds for t, v in zip(with_reference, verdicts) if v.passed}
    return {t: replace(limits, timeout_s=policy.limit(reference_cpu.get(t), limits.timeout_s)) for t in problems}


def load_problem_index(problems_path: str) -> dict[str, Problem]:
    return {problem.task_id: problem for problem in read_problems(problems_path)}


def execute_frame(generations: pd.DataFrame, problems: dict[str, Problem], executor: Executor,
                  limits: Limits, policy: TimePolicy, desc: str = "execute") -> pd.DataFrame:
    """Verdicts for the ``completion`` column (whole programs where the ``whole_program`` column,
    if there is one, says so), with the CPU limit each ran under: a verdict near it may differ
    on a faster or slower machine."""
    unknown = sorted(set(generations["task_id"]) - set(problems))
    if unknown:
        raise InputError(f"generations name task ids the benchmark does not have: {unknown[:5]}")
    used = {t: problems[t] for t in pd.unique(generations["task_id"])}
    per_task = calibrated_limits(used, executor, limits, policy)
    whole = generations["whole_program"] if "whole_program" in generations else [False] * len(generations)
    jobs = [job_for(problems[t], c, per_task[t], w)
            for t, c, w in zip(generations["task_id"], generations["completion"], whole)]
    verdicts = executor.run(jobs, desc=desc)
    return pd.DataFrame({
        "task_id": generations["task_id"].to_numpy(),
        "sample_id": generations["sample_id"].to_numpy(),
        "status": [v.status for v in verdicts],
        "passed": [v.passed for v in verdicts],
        "error_type": [v.error_type for v in verdicts],
        "seconds": [v.seconds for v in verdicts],
        "cpu_seconds": [v.cpu_seconds for v in verdicts],
        "timeout_s": [job.limits.timeout_s for job in jobs],
    }, columns=COLUMNS)


def execute_shard(*, problems_path: str, generations_path: str, out: str, limits: Limits,
                  policy: TimePolicy, workers: int = 1, shard: int | None = None,
                  shard_size: int | None = None) -> pd.DataFrame:
    """The verdicts of a generations file, or of its samples of one shard of problems (a run
    read from files made elsewhere is one file, executed shard by shard)."""
    problems = load_problem_index(problems_path)
    generations = read_parquet(generations_path)
    if shard is not None:
        tasks = shard_slice(list(problems), shard, shard_size)
        generations = generations[generations["task_id"].isin(tasks)].reset_index(drop=True)
    with Executor(workers=workers) as executor:
        frame = execute_frame(generations, problems, executor, limits, policy, desc=f"execute {generations_path}")
        isolation = executor.isolation
    write_parquet(frame, out, metadata={"isolation": isolation, "limits": asdict(limits),
                                        "time_policy": asdict(policy)})
    return frame
