"""What the executor is asked to run: a program, how it is judged, and under which limits.

Modes: ``assert`` (HumanEval, MBPP: the test code must run to its end), ``stdio`` and ``call``
(APPS: each case's output or return value is compared), and ``probe`` (selection without the
benchmark's tests: each model-written test and each call on the program's inputs is run and
reported).  What it answers is a :class:`~budget_realloc.execution.verdict.Verdict`.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, field
from functools import cached_property

from ..config import default

# Heavy libraries a generated program may import (CodeGen's HumanEval samples import torch,
# numpy, pandas, matplotlib after the function they were asked for).  A worker loads those a
# program needs before forking it — with the submodules the program names (``scipy.stats``
# costs a quarter of a second on its own) — so an import that costs seconds costs nothing and
# no time limit is spent on it, as if every program ran on a machine where they were already
# warm.  Only these libraries (and modules of theirs) are ever imported by a worker: importing
# runs a module's code.  They are ordered by what holding them costs each fork (measured here,
# fork + exit + wait of a worker holding one of them: numpy 5 ms, sympy 9, matplotlib.pyplot
# 12, pandas 14, torch 26, against 3 ms for the light worker), lightest first: the executor
# serves heavy programs in this order, so a worker picks up the heaviest libraries last.
HEAVY_MODULES = ("PIL", "requests", "numpy", "scipy", "networkx", "nltk", "cv2", "sympy", "matplotlib",
                 "matplotlib.pyplot", "pandas", "seaborn", "sklearn", "keras", "tensorflow", "torch",
                 "torchvision")
_IMPORT = re.compile(r"^\s*(?:import\s+([\w.]+(?:\s*,\s*[\w.]+)*)|from\s+([\w.]+)\s+import)", re.M)


def heavy_library(module: str) -> str | None:
    """The allow-listed library ``module`` is, or is a public submodule of; None if none (a
    private or ``__main__`` module, whose import may run a command line, is never loaded)."""
    parts = module.split(".")
    if any(part.startswith("_") for part in parts):
        return None
    return next((".".join(parts[:i]) for i in range(1, len(parts) + 1) if ".".join(parts[:i]) in HEAVY_MODULES),
                None)


def heavy_imports(program: str) -> tuple[str, ...]:
    """The modules of allow-listed heavy libraries a program imports, with their parents, in
    the allow-list's order (then by name: parents first)."""
    named = set()
    for group, source in _IMPORT.findall(program):
        for name in (group.split(",") if group else [source]):
            parts = name.strip().split(".")
            named.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    heavy = [m for m in named if heavy_library(m)]
    return tuple(sorted(heavy, key=lambda m: (HEAVY_MODULES.index(heavy_library(m)), m)))


@dataclass(frozen=True)
class TimePolicy:
    """How long a program may run: ``factor`` times its problem's reference solution (the
    canonical one, timed in the same sandbox), never under ``floor_s`` nor over the benchmark's
    ``timeout_s`` — the rule of evalplus, in CPU time.  A correct program that is fifty times
    slower than the reference still passes; one that loops forever costs a fraction of a second
    instead of the full timeout.  Limits are rounded up to ``floor_s``·2^k, so the small noise of
    timing the reference does not move them.  ``factor`` 0 gives every program ``timeout_s``.
    """

    factor: float = field(default=default("execution", "reference_factor"), metadata={
        "flag": "--reference-factor", "at_least": 0,
        "help": "time limit = this x the reference solution's CPU time (0: always --timeout)"})
    floor_s: float = field(default=default("execution", "min_timeout_s"), metadata={
        "flag": "--min-timeout", "above": 0, "help": "never less CPU seconds than this"})

    @classmethod
    def of(cls, config: dict) -> "TimePolicy":
        return cls(factor=config["execution"]["reference_factor"], floor_s=config["execution"]["min_timeout_s"])

    def limit(self, reference_cpu_s: float | None, cap_s: float) -> float:
        if not self.factor or reference_cpu_s is None:
            return cap_s
        wanted = max(self.factor * reference_cpu_s, self.floor_s)
        rounded = self.floor_s * 2 ** max(0, math.ceil(math.log2(wanted / self.floor_s) - 1e-9))
        return min(rounded, cap_s)


@dataclass(frozen=True)
class Limits:
    """Resource limits of one program run.

    ``timeout_s`` is CPU time (per test case in stdio/call mode), so verdicts do not change with
    the machine's load; a program that sleeps or blocks is stopped one second later in
    wall-clock time.
    """

    timeout_s: float = field(default=default("execution", "timeout_s"),
                             metadata={"flag": "--timeout", "above": 0, "help": "most CPU seconds per program"})
    memory_mb: int = default("execution", "memory_mb")
    max_output_kb: int = default("execution", "max_output_kb")
    max_processes: int = default("execution", "max_processes")
    max_file_mb: int = 16

    @classmethod
    def of(cls, config: dict, timeout_s: float) -> "Limits":
        """The config's limits (``execution``) with a benchmark's CPU-time limit."""
        limits = config["execution"]
        return cls(timeout_s=timeout_s, memory_mb=limits["memory_mb"], max_output_kb=limits["max_output_kb"],
                   max_processes=limits["max_processes"])


@dataclass(frozen=True)
class Job:
    mode: str                                   # assert | stdio | call | probe
    program: str
    tests: str = ""                             # assert mode
    cases: tuple = ()                           # stdio: (stdin, expected stdout); call: (args, expected)
    fn_name: str = ""
    limits: Limits = field(default_factory=Limits)
    probe_tests: tuple[str, ...] = ()           # probe: model-written assert statements
    probe_calls: tuple[str, ...] = ()           # probe: calls of the program on inputs, as expressions
    probe_timeout_s: float = 0.0                # probe: CPU seconds for each of them

    @cached_property
    def preload(self) -> tuple[str, ...]:
        return heavy_imports(self.program)

    def to_message(self) -> bytes:
        """The job as the fork server reads it: one JSON line.  Equal jobs give equal bytes
        (fields in a fixed order), so the line also serves as the job's identity."""
        return json.dumps({"mode": self.mode, "program": self.program, "tests": self.tests,
                           "cases": self.cases, "fn_name": self.fn_name, "limits": asdict(self.limits),
                           "probe_tests": self.probe_tests, "probe_calls": self.probe_calls,
                           "probe_timeout_s": self.probe_timeout_s, "preload": self.preload}).encode() + b"\n"
