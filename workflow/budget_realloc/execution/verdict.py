"""What a program run comes to: the one type verdicts have on both sides of the worker's pipe.

A verdict is ``passed`` only when the harness saw every test run and hold; ``failed`` (a test
did not hold), ``timeout`` (the wall-clock or CPU limit was hit) or ``error`` (the program
raised, exited early, was killed or broke a limit, with the kind in ``error_type``) otherwise.
A probe of a program against model-written tests (selection without the benchmark's tests)
comes back ``probed`` with what each test and each call gave.  This module imports nothing
heavy: the fork server reads and writes it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

STATUSES = ("passed", "failed", "timeout", "error", "probed")


@dataclass(frozen=True)
class Verdict:
    status: str
    error_type: str = ""
    detail: str = ""
    seconds: float = 0.0            # wall time of the run
    cpu_seconds: float = 0.0        # CPU time of the program and everything it started
    tests: tuple[bool, ...] = ()    # probes: whether each model-written test held
    outputs: tuple[str, ...] = ()   # probes: a signature of what each call returned (or raised)

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def to_line(self) -> bytes:
        return json.dumps(asdict(self)).encode() + b"\n"

    @classmethod
    def from_line(cls, line: bytes) -> "Verdict":
        fields = json.loads(line)
        return cls(**{**fields, "tests": tuple(fields.get("tests", ())), "outputs": tuple(fields.get("outputs", ()))})
