"""A warm execution worker: a small single-threaded process that runs one job after another,
forking one sandboxed child per program run.

Started by :class:`~budget_realloc.execution.executor.Executor` (one per thread), it imports the
modules programs commonly use once, before any fork, so a child runs its program about a
millisecond after the request instead of the ~30 ms a fresh interpreter takes.  It never runs
untrusted code itself: it compiles a job's program (parsing runs none of it), runs it in a child
of the :class:`~budget_realloc.execution.supervisor.Sandbox`, and has the
:mod:`~budget_realloc.execution.judge` say what the run means.

Protocol: one JSON job per line on stdin (``job.Job.to_message``), one
:class:`~budget_realloc.execution.verdict.Verdict` per line on stdout; a first line announces the
isolation that holds here.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import time

from . import compare, harness, judge
from .supervisor import Sandbox
from .verdict import Verdict

# What generated programs import most (HumanEval prompts import typing, whose import alone costs
# a fresh interpreter ~6 ms).  Every module held here makes each fork a little slower, so the
# list stays short: measured, a longer one costs more than it saves.
PRELOAD = ("typing", "re", "math", "collections", "itertools", "functools", "string", "heapq", "bisect",
           "random")

# Trusted code run once in the server before any fork.  A process's first compile() costs ~3 ms
# (the parser's one-time set-up); paid here, every child inherits it warm instead of paying it
# per program, which was most of a short program's cost.
_WARM_UP = ('from typing import List\n\n\ndef _f(xs: List[int]) -> int:\n    """Odd sum."""\n'
            '    return sum(x for x in xs if x % 2)\n\n\nassert _f([1, 2, 3]) == 4\n')


def _warm_up() -> None:
    """Compile and run a small program, then freeze what the server holds: a child's garbage
    collections then never walk (and so copy) the server's pages."""
    exec(compile(_WARM_UP, "<warm-up>", "exec"), {"__name__": "__warm_up__"})
    gc.collect()
    gc.freeze()


def _preload(names) -> None:
    """Import modules here, once, so the programs forked later find them loaded.

    Only the server's fixed list and the executor's allow-list of heavy libraries ever come
    here: importing a module runs its code, and only installed, known libraries may run in
    this (possibly root) process.
    """
    for name in names:
        if name not in sys.modules:
            try:
                __import__(name)
            except Exception:       # not installed, or broken: the program will find out itself
                pass


def prepare() -> None:
    """Load and warm what every server holds before its first fork."""
    _preload(PRELOAD)
    _warm_up()


class Server:
    def __init__(self, sandbox: Sandbox):
        self.sandbox = sandbox
        self._compiled: dict[str, tuple[tuple[str, ...], list]] = {}

    def run_job(self, job: dict) -> Verdict:
        started = time.monotonic()
        if any(name not in sys.modules for name in job.get("preload", ())):
            _preload(job["preload"])
            _warm_up()
            self.sandbox.grown()
        mode = job["mode"]
        code = harness.compile_program(job["program"] + job["tests"] if mode == "assert" else job["program"])
        tests, outputs, cpu = (), (), 0.0
        if isinstance(code, dict):                  # it does not compile: there is nothing to run
            status, error_type, detail = "error", code["error_type"], code["detail"]
            if mode == "probe":
                tests, outputs = judge.not_run(len(job["probe_tests"]), len(job["probe_calls"]))
        elif mode == "assert":
            result = self.sandbox.run(lambda channel: harness.run_assert(code, channel), job["limits"])
            (status, error_type, detail), cpu = judge.judge_assert(result), result.cpu_seconds
        elif mode == "probe":
            (status, error_type, detail), tests, outputs, cpu = self._probe(job, code)
        else:
            status, error_type, detail = "passed", "", ""
            for case_input, expected in job["cases"]:
                result = self._case(job, code, case_input)
                cpu += result.cpu_seconds
                status, error_type, detail = judge.judge_case(result, mode, expected)
                if status != "passed":
                    break
        return Verdict(status, error_type, detail, time.monotonic() - started, cpu, tests, outputs)

    def _case(self, job: dict, code, case_input):
        if job["mode"] == "stdio":
            return self.sandbox.run(lambda channel: harness.run_stdio(code, channel), job["limits"],
                                    stdin=compare.as_text(case_input), capture=True)
        return self.sandbox.run(lambda channel: harness.run_call(code, job["fn_name"], case_input, channel),
                                job["limits"])

    def _probe(self, job: dict, code):
        tests = self._compile_all(job["probe_tests"], "exec")
        calls = self._compile_all(job["probe_calls"], "eval")
        result = self.sandbox.run(
            lambda channel: harness.run_probe(code, tests, calls, job["probe_timeout_s"], channel), job["limits"])
        judged, held, outputs = judge.judge_probe(result, len(tests), len(calls))
        return judged, held, outputs, result.cpu_seconds

    def _compile_all(self, texts: list[str], mode: str) -> list:
        """A job's model-written tests (or calls), compiled (None where one does not compile).
        Only the last job's are kept, for the next program of the same problem (programs come
        problem by problem): every object the server holds makes each of its forks slower."""
        texts = tuple(texts)
        if self._compiled.get(mode, ((),))[0] != texts:
            codes = [harness.compile_program(text, mode) for text in texts]
            self._compiled[mode] = texts, [None if isinstance(code, dict) else code for code in codes]
        return self._compiled[mode][1]


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uid-base", type=int, default=61000)
    parser.add_argument("--no-network-isolation", action="store_true")
    args = parser.parse_args(argv)
    jobs = os.fdopen(os.dup(0), "rb")
    replies = os.fdopen(os.dup(1), "wb", buffering=0)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    prepare()
    sandbox = Sandbox(args.uid_base, not args.no_network_isolation)
    server = Server(sandbox)
    replies.write(json.dumps(sandbox.hello()).encode() + b"\n")
    try:
        for line in jobs:
            try:
                verdict = server.run_job(json.loads(line))
            except Exception as error:     # a server fault is this run's error, not the next's
                verdict = Verdict("error", "SandboxFault", repr(error)[:300])
            replies.write(verdict.to_line())
    finally:
        sandbox.close()
    os._exit(0)      # no interpreter teardown: with heavy libraries loaded it took seconds


if __name__ == "__main__":
    main()
