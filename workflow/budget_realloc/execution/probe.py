"""One probe job: every distinct program of a shard run against its model's own tests.

Selection without the benchmark's tests (CodeT, MBR-exec, self-test cascades) needs, for each
sample, which of the model-written tests it passes and what it returns on the inputs those tests
call.  Each program runs once, in the sandbox (mode ``probe``: job.Job), with every test and call
of its problem under a CPU limit of their own and the whole run under ``limits``; identical
programs of a problem run once (the executor's job identity), so each distinct (program, test)
pair is executed once.  A test that hangs, crashes, cannot be parsed, or is not reached before
the run's limit counts as not passed; malformed test text never stops a run.
"""

from __future__ import annotations

import json
from dataclasses import asdict, replace

import pandas as pd

from ..benchmarks import shard_slice
from ..io import read_parquet, write_parquet
from ..ranking.generated_tests import from_json
from .executor import Executor
from .job import Job, Limits
from .shard import load_problem_index

COLUMNS = ["task_id", "sample_id", "status", "error_type", "tests", "outputs", "cpu_seconds", "seconds"]


def probe_shard(*, problems_path: str, generations_path: str, tests_path: str, out: str, limits: Limits,
                test_timeout_s: float, workers: int, shard: int, shard_size: int) -> pd.DataFrame:
    problems = load_problem_index(problems_path)
    tasks = shard_slice(list(problems), shard, shard_size)
    generations = read_parquet(generations_path)
    generations = generations[generations["task_id"].isin(tasks)].reset_index(drop=True)
    tests = from_json(json.loads(open(tests_path).read())["problems"])
    jobs = []
    for task, code, whole in zip(generations["task_id"], generations["completion"], generations["whole_program"]):
        problem, generated = problems[task], tests[task]
        jobs.append(Job(mode="probe", program=code if whole else problem.program(code),
                        probe_tests=generated.tests, probe_calls=generated.inputs, probe_timeout_s=test_timeout_s,
                        limits=probe_limits(limits, len(generated.tests), len(generated.inputs), test_timeout_s)))
    with Executor(workers=workers) as executor:
        verdicts = executor.run(jobs, desc=f"probe {generations_path}")
        isolation = executor.isolation
    frame = pd.DataFrame({"task_id": generations["task_id"], "sample_id": generations["sample_id"],
                          "status": [v.status for v in verdicts], "error_type": [v.error_type for v in verdicts],
                          "tests": [list(v.tests) for v in verdicts], "outputs": [list(v.outputs) for v in verdicts],
                          "cpu_seconds": [v.cpu_seconds for v in verdicts], "seconds": [v.seconds for v in verdicts]},
                         columns=COLUMNS)
    distinct = {j.to_message(): j for j in jobs}.values()
    write_parquet(frame, out, metadata={"isolation": isolation, "limits": asdict(limits), "test_timeout_s": test_timeout_s,
                                        "distinct_programs": len(distinct),
                                        "test_and_call_runs": sum(len(j.probe_tests) + len(j.probe_calls)
                                                                  for j in distinct)})
    return frame


def probe_limits(limits: Limits, tests: int, calls: int, test_timeout_s: float) -> Limits:
    """The CPU limit of a whole probe run: every test and call may use its own limit, capped by
    ``limits.timeout_s`` (selection.probe_timeout_s: a program that hangs on every test would
    otherwise cost each of them)."""
    return replace(limits, timeout_s=min(limits.timeout_s, test_timeout_s * (tests + calls) + 1.0))
