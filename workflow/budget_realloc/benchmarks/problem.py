"""One benchmark problem in the single shape every later stage reads.

A problem is a prompt plus how to judge a completion.  Three modes cover the benchmarks:
``assert`` (HumanEval, MBPP: the program is head + completion, then the test code must run to
its end), ``stdio`` (APPS standard-input problems: the program's stdout is compared with the
expected output for each input) and ``call`` (APPS call-based problems: a function is called
with each argument list and its return value compared).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields

MODES = ("assert", "stdio", "call")


@dataclass(frozen=True)
class Problem:
    task_id: str
    prompt: str
    mode: str
    head: str = ""           # code placed before the completion (HumanEval: the prompt itself)
    tests: str = ""          # assert mode: test code run after the program
    io: str = ""             # stdio/call modes: JSON {"inputs": [...], "outputs": [...]}
    fn_name: str = ""        # call mode: the function (or Solution method) under test
    reference: str = ""      # a known-good completion (canonical solution), for sanity checks
    stop: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self):
        if self.mode not in MODES:
            raise ValueError(f"{self.task_id}: unknown mode {self.mode!r}")

    def program(self, completion: str) -> str:
        """The code to run for a completion (tests are added by the executor, per mode)."""
        return self.head + completion

    def test_cases(self) -> tuple[list, list]:
        """Inputs and expected outputs of a stdio or call problem."""
        cases = json.loads(self.io)
        return cases["inputs"], cases["outputs"]

    def to_row(self) -> dict:
        row = asdict(self)
        row["stop"] = list(self.stop)
        return row

    @classmethod
    def from_row(cls, row: dict) -> "Problem":
        values = {f.name: row[f.name] for f in fields(cls)}
        values["stop"] = tuple(values["stop"])
        return cls(**values)


def truncate_at_stop(completion: str, stop: tuple[str, ...] | list[str]) -> tuple[str, bool]:
    """Cut a completion at its first stop sequence; say whether one was found.

    The earliest occurrence of any stop sequence wins, as in the Codex and Code Llama
    evaluations; the stop sequence itself is not part of the program.
    """
    cut = min((i for i in (completion.find(s) for s in stop if s) if i >= 0), default=-1)
    return (completion[:cut], True) if cut >= 0 else (completion, False)
