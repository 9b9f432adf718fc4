"""The sandbox's fixed cost per program, taken apart, beside the floor of a process per program.

Runs as an execution worker does (the server's preloaded modules, warmed up and frozen, and a
``Sandbox`` with the isolation that holds here: run as root for the sandbox uid, cgroup and
namespaces; the measuring process imports nothing the server does not, so it forks like one)
and prints the wall milliseconds per run of:

1. a fork, ``_exit`` and wait of a fresh Python interpreter: the baseline, what a process per
   program costs at the least on this machine;
2. the same of this process, which holds what the server holds;
3. a sandbox run of a target that returns at once (adds the child's set-up, rlimits and uid
   switch, and the server's bookkeeping: work directory, pipes, cgroup counters, reaping);
4. a sandbox run of a seven-line HumanEval-style program and its assert (adds compiling nothing
   — it is compiled once here — but running it and reading its report).

    python -m perf run sandbox_cost [--quick]     (1000 runs; --quick: 200)
    python -m perf.sandbox_cost [--runs 400]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

from budget_realloc.execution import forkserver, harness
from budget_realloc.execution.supervisor import Sandbox

FORK_LOOP = """
import os, time
began = time.perf_counter()
for _ in range({runs}):
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
print((time.perf_counter() - began) / {runs} * 1e3)
"""
PROGRAM = ("from typing import List\n\n\ndef total(xs: List[int]) -> int:\n    return sum(xs)\n\n\n"
           "def check(candidate):\n    assert candidate([1, 2]) == 3\n\n\ncheck(total)\n")


def fork_floor_ms(runs: int = 1000) -> float:
    """Wall milliseconds of a bare fork, _exit and wait of a fresh Python interpreter (smaller
    than our fork server, which holds the sandbox and the preloaded modules): what isolating
    each program in a process of its own costs at the least on this machine."""
    loop = subprocess.run([sys.executable, "-c", FORK_LOOP.format(runs=runs)], check=True,
                          capture_output=True, text=True)
    return float(loop.stdout)


def per_run_ms(run, runs: int) -> float:
    began = time.perf_counter()
    for _ in range(runs):
        run()
    return (time.perf_counter() - began) / runs * 1e3


def bare_fork() -> None:
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)


def timings(runs: int, limits: dict) -> dict:
    """Wall milliseconds per run of the four steps, and the isolation they ran under (in a
    process that holds what the server holds)."""
    forkserver.prepare()
    sandbox = Sandbox(61000, isolate_network=True)
    code = harness.compile_program(PROGRAM)
    try:
        result = sandbox.run(lambda channel: harness.run_assert(code, channel), limits)
        assert result.reports and result.reports[-1]["outcome"] == "passed", result
        floor = fork_floor_ms(runs)
        server = per_run_ms(bare_fork, runs)
        instant = per_run_ms(lambda: sandbox.run(lambda channel: None, limits), runs)
        program = per_run_ms(lambda: sandbox.run(lambda channel: harness.run_assert(code, channel), limits), runs)
        isolation = sandbox.hello()
    finally:
        sandbox.close()
    return {"fresh_fork_ms": floor, "server_fork_ms": server, "instant_run_ms": instant, "program_run_ms": program,
            "isolation": isolation}


def fixed_cost(runs: int = 400) -> dict:
    """:func:`timings` in a process of its own that imports nothing the server does not (so it
    forks like one), with the default limits and a 3 s CPU limit."""
    from dataclasses import asdict

    from budget_realloc.execution.job import Limits      # with the config schema: not in the measuring process

    limits = json.dumps(asdict(Limits(timeout_s=3.0)))
    child = subprocess.run([sys.executable, __file__, "--runs", str(runs), "--limits", limits], check=True,
                           capture_output=True, text=True)
    return json.loads(child.stdout.splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=400)
    parser.add_argument("--limits", help=argparse.SUPPRESS)    # set by the parent: the measuring run
    args = parser.parse_args()
    if args.limits:
        print(json.dumps(timings(args.runs, json.loads(args.limits))))
        return
    cost = fixed_cost(args.runs)
    print(f"isolation here: {cost['isolation']}")
    print(f"fork + exit + wait, fresh Python (baseline): {cost['fresh_fork_ms']:6.2f} ms")
    print(f"fork + exit + wait, this server:             {cost['server_fork_ms']:6.2f} ms")
    print(f"sandbox run, a target that returns at once:  {cost['instant_run_ms']:6.2f} ms")
    print(f"sandbox run, a HumanEval-style program:      {cost['program_run_ms']:6.2f} ms  "
          f"({cost['program_run_ms'] / cost['fresh_fork_ms']:.1f}x the baseline)")


def measure(quick: bool) -> dict:
    """The suite's entry: a HumanEval-style program's sandbox run against the fresh fork."""
    runs = 200 if quick else 1000
    cost = fixed_cost(runs)
    return {"ours": cost["program_run_ms"], "baseline": cost["fresh_fork_ms"],
            "ratio": cost["program_run_ms"] / cost["fresh_fork_ms"], "units": "ms per program", "runs": runs, **cost}


if __name__ == "__main__":
    main()
