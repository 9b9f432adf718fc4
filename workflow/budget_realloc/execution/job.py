"""What the executor is asked to run and what it answers.

A verdict is ``passed`` only when the harness saw every test run and hold: in ``assert`` mode
the test code ran to its end; in ``stdio``/``call`` mode every case finished normally and its
output matched.  Anything else is ``failed`` (a test did not hold), ``timeout`` (the wall-clock
or CPU limit was hit) or ``error`` (the program raised, exited early, was killed or broke a
limit), with the kind of error in ``error_type``.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, field

STATUSES = ("passed", "failed", "timeout", "error")

# Heavy libraries a generated program may import (CodeGen's HumanEval samples import torch,
# numpy, pandas, matplotlib after the function they were asked for).  A worker loads those a
# program needs before forking it, so an import that costs seconds costs nothing and no time
# limit is spent on it — as if every program ran on a machine where they were already warm.
# Only these names are ever imported by a worker: importing runs a module's code.
HEAVY_MODULES = ("numpy", "pandas", "matplotlib", "matplotlib.pyplot", "scipy", "sklearn", "seaborn",
                 "torch", "torchvision", "tensorflow", "keras", "requests", "PIL", "cv2", "sympy",
                 "networkx", "nltk")
_IMPORT = re.compile(r"^\s*(?:import\s+([\w.]+(?:\s*,\s*[\w.]+)*)|from\s+([\w.]+)\s+import)", re.M)


def heavy_imports(program: str) -> tuple[str, ...]:
    """The allow-listed heavy modules (and their listed parents) a program imports."""
    named = set()
    for group, source in _IMPORT.findall(program):
        for name in (group.split(",") if group else [source]):
            parts = name.strip().split(".")
            named.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    return tuple(m for m in HEAVY_MODULES if m in named)


@dataclass(frozen=True)
class TimePolicy:
    """How long a program may run: ``factor`` times its problem's reference solution (the
    canonical one, timed in the same sandbox), never under ``floor_s`` nor over the benchmark's
    ``timeout_s`` — the rule of evalplus, in CPU time.  A correct program that is fifty times
    slower than the reference still passes; one that loops forever costs a fraction of a second
    instead of the full timeout.  Limits are rounded up to ``floor_s``·2^k, so the small noise of
    timing the reference does not move them.  ``factor`` 0 gives every program ``timeout_s``.
    """

    factor: float = 50.0
    floor_s: float = 0.25

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

    timeout_s: float = 10.0
    memory_mb: int = 2048
    max_output_kb: int = 1024
    max_processes: int = 16
    max_file_mb: int = 16


@dataclass(frozen=True)
class Job:
    mode: str                                   # assert | stdio | call
    program: str
    tests: str = ""                             # assert mode
    cases: tuple = ()                           # stdio: (stdin, expected stdout); call: (args, expected)
    fn_name: str = ""
    limits: Limits = field(default_factory=Limits)

    @property
    def preload(self) -> tuple[str, ...]:
        return heavy_imports(self.program)

    def to_message(self) -> bytes:
        """The job as the fork server reads it: one JSON line.  Equal jobs give equal bytes
        (fields in a fixed order), so the line also serves as the job's identity."""
        return json.dumps({"mode": self.mode, "program": self.program, "tests": self.tests,
                           "cases": self.cases, "fn_name": self.fn_name, "limits": asdict(self.limits),
                           "preload": self.preload}).encode() + b"\n"


@dataclass(frozen=True)
class Verdict:
    status: str
    error_type: str = ""
    detail: str = ""
    seconds: float = 0.0          # wall time of the run
    cpu_seconds: float = 0.0      # CPU time of the program and everything it started

    @property
    def passed(self) -> bool:
        return self.status == "passed"
