"""What the executor is asked to run and what it answers.

A verdict is ``passed`` only when the harness saw every test run and hold: in ``assert`` mode
the test code ran to its end; in ``stdio``/``call`` mode every case finished normally and its
output matched.  Anything else is ``failed`` (a test did not hold), ``timeout`` (the wall-clock
or CPU limit was hit) or ``error`` (the program raised, exited early, was killed or broke a
limit), with the kind of error in ``error_type``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

STATUSES = ("passed", "failed", "timeout", "error")


@dataclass(frozen=True)
class Limits:
    """Resource limits of one program run (``timeout_s`` per test case in stdio/call mode)."""

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

    def to_message(self) -> dict:
        message = asdict(self)
        message["cases"] = [list(c) for c in self.cases]
        return message


@dataclass(frozen=True)
class Verdict:
    status: str
    error_type: str = ""
    detail: str = ""
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return self.status == "passed"
