"""What a run means for the program: a :class:`RunResult` of the sandbox, judged by its mode.

The harness in the child reports through a pipe only it knows about, and only after the tests
ran, so a run without its report was cut short, killed, or left early — never a pass.
"""

from __future__ import annotations

import json

from . import compare
from .supervisor import RunResult

Judged = tuple[str, str, str]          # status, error_type, detail


def _ended(result: RunResult) -> Judged | None:
    """The verdict of a run that did not end with the harness's final word, else None."""
    if result.stopped:
        return result.stopped[0], result.stopped[1], ""
    final = next((r for r in result.reports if "outcome" in r), None)
    if final is None:
        if result.signal:
            kind = "MemoryLimit" if result.memory_limit else f"Signal{result.signal}"
        else:
            kind = "EarlyExit"          # the program left before the harness could report
        return "error", kind, f"exit status {result.exit_code}"
    if final["outcome"] == "error":
        return "error", final.get("error_type", "Error"), final.get("detail", "")
    return None


def final_report(result: RunResult) -> dict:
    return next(r for r in result.reports if "outcome" in r)


def judge_assert(result: RunResult) -> Judged:
    """HumanEval/MBPP: passed if the tests ran to their end, failed on an AssertionError."""
    ended = _ended(result)
    if ended:
        return ended
    report = final_report(result)
    if report["outcome"] == "failed":
        return "failed", "AssertionError", report.get("detail", "")
    return "passed", "", ""


def judge_case(result: RunResult, mode: str, expected) -> Judged:
    """APPS: one test case, judged by what the program printed (stdio) or returned (call)."""
    ended = _ended(result)
    if ended:
        return ended
    report = final_report(result)
    if report["outcome"] == "done":
        if result.exit_code != 0:
            return "error", "NonZeroExit", str(result.exit_code)
        matched = compare.stdout_matches(result.stdout.decode("utf-8", "replace"), expected)
    else:
        matched = compare.value_matches(json.loads(report["value"]), expected)
    return ("passed", "", "") if matched else ("failed", "WrongAnswer", "")


def not_run(tests: int, calls: int) -> tuple[tuple[bool, ...], tuple[str, ...]]:
    """What a program that never ran shows on model-written tests: none held, no call returned."""
    return (False,) * tests, ("!NotRun",) * calls


def judge_probe(result: RunResult, tests: int, calls: int) -> tuple[Judged, tuple[bool, ...], tuple[str, ...]]:
    """Model-written tests: a test holds only where the harness reported it held; one that was not
    reached (the run was cut short, the program did not load) does not.  A call's signature is
    what it returned or raised, or ``!NotRun``."""
    held, outputs = map(list, not_run(tests, calls))
    for report in result.reports:
        if "test" in report and 0 <= report["test"] < tests:
            held[report["test"]] = bool(report.get("held"))
        elif "call" in report and 0 <= report["call"] < calls:
            outputs[report["call"]] = str(report.get("output"))[:64]
    ended = _ended(result)
    return ended or ("probed", "", ""), tuple(held), tuple(outputs)
