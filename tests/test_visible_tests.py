"""The tests a prompt shows (benchmarks.visible_tests) on the real benchmark files, executed in the
sandbox (execution.visible), and the visible-vs-hidden counts the visible policies start from
(policies.visible)."""

from __future__ import annotations

import gzip
import json

import pandas as pd
import pytest

from budget_realloc.benchmarks import load_problems
from budget_realloc.benchmarks.visible_tests import visible_problem, visible_tests
from budget_realloc.execution.executor import Executor
from budget_realloc.execution.job import Limits, TimePolicy
from budget_realloc.execution.visible import execute_visible
from budget_realloc.policies.visible import false_positives, visible_counts
from conftest import REPO, shared


@pytest.fixture(scope="module")
def humaneval():
    path = shared("HumanEval.jsonl.gz")
    return {p.task_id: p for p in load_problems("humaneval", str(path))}


def test_humaneval_doctests_and_prose_examples(humaneval):
    raw = [json.loads(line) for line in gzip.open(shared("HumanEval.jsonl.gz"), "rt")]
    assert sum(">>>" in r["prompt"] for r in raw) == 76              # the count, from the file itself
    shown = visible_tests("humaneval", list(humaneval.values()))
    assert shown["HumanEval/0"].examples == (("has_close_elements([1.0, 2.0, 3.0], 0.5)", "False"),
                                             ("has_close_elements([1.0, 2.8, 3.0, 4.0, 5.0, 2.0], 0.3)", "True"))
    assert shown["HumanEval/72"].examples[0] == ("will_it_fly([1, 2], 5)", "False")              # ➞
    assert shown["HumanEval/77"].examples[1] == ("iscube(2)", "False")                            # ==>
    assert shown["HumanEval/107"].examples == (("even_odd_palindrome(3)", "(1, 2)"),              # Input:/Output:
                                               ("even_odd_palindrome(12)", "(4, 6)"))
    assert shown["HumanEval/94"].examples[-1] == ("skjkasdkd(lst=[0, 8, 1, 2, 1, 7])", "7")       # For lst = ...
    assert shown["HumanEval/122"].examples == (("add_elements(arr=[111, 21, 3, 4000, 5, 6, 7, 8, 9], k=4)", "24"),)
    assert shown["HumanEval/80"].examples == () and "is_happy(a) => False" in shown["HumanEval/80"].unparsed
    assert shown["HumanEval/130"].examples == ()        # "tri(1) = 3" is its recurrence, not a returned value
    assert sum(bool(t.examples) for t in shown.values()) == 151
    assert sum(len(t.unparsed) for t in shown.values()) == 36


def test_canonical_solutions_pass_their_visible_tests_but_where_the_prompt_errs(humaneval):
    """Run in the sandbox, every reference passes the tests its prompt shows except three whose
    prompts are wrong: HumanEval/47 (median of [-10, 4, 6, 1000, 10, 20] is 8.0, not 15.0),
    /116 (its examples sort by value, its tests by the count of ones) and /148 (``("Venus")`` is a
    string in Python, the function returns a 1-tuple)."""
    generations = pd.DataFrame({"task_id": list(humaneval), "sample_id": 0,
                                "completion": [p.reference for p in humaneval.values()], "whole_program": False})
    with Executor(workers=2) as executor:
        verdicts = execute_visible(generations, humaneval, "humaneval", executor, Limits(timeout_s=10), TimePolicy())
    assert sorted(verdicts.loc[~verdicts["passed"], "task_id"]) == ["HumanEval/116", "HumanEval/148", "HumanEval/47"]
    assert (verdicts.loc[verdicts["visible_tests"] == 0, "seconds"] == 0).all()     # nothing shown: not run


def test_visible_and_hidden_verdicts_part_ways(humaneval):
    """A program that returns the doctests' answers passes the visible tests and fails the
    hidden ones; one that is wrong on a doctest fails both; a problem that shows nothing accepts
    anything."""
    zero = humaneval["HumanEval/0"]
    hard_coded = "    return len(numbers) == 6\n"                    # right on both doctests only
    samples = pd.DataFrame({"task_id": ["HumanEval/0"] * 3 + ["HumanEval/38"],
                            "sample_id": [0, 1, 2, 0],
                            "completion": [zero.reference, hard_coded, "    return True\n", "    return s\n"],
                            "whole_program": False})
    problems = {t: humaneval[t] for t in ("HumanEval/0", "HumanEval/38")}
    from budget_realloc.execution.shard import execute_frame

    with Executor(workers=2) as executor:
        shown = execute_visible(samples, problems, "humaneval", executor, Limits(timeout_s=10), TimePolicy())
        hidden = execute_frame(samples, problems, executor, Limits(timeout_s=10), TimePolicy())
    assert shown["passed"].tolist() == [True, True, False, True]
    assert hidden["passed"].tolist() == [True, False, False, False]
    counts = visible_counts(hidden, shown)
    assert counts.to_dict("list") == {"task_id": ["HumanEval/0", "HumanEval/38"], "n": [3, 1], "c": [1, 0],
                                      "visible": [2, 1], "both": [1, 0], "shown": [2, 0]}
    rates = false_positives(counts)                 # HumanEval/38 shows nothing: left out
    assert rates["samples"] == 3 and rates["visible_not_hidden"] == pytest.approx(1 / 3)
    assert rates["visible_not_hidden_of_visible"] == pytest.approx(1 / 2)


def test_apps_sample_cases_and_mbpp_visible_equals_hidden():
    path = str(shared("apps/apps_test_1800.jsonl"))
    fewshot = str(REPO / "resources" / "prompts" / "apps_2shot.json")
    introductory = {p.task_id: p for p in load_problems("apps", path, difficulty="introductory", fewshot=fewshot)}
    shown = visible_tests("apps", list(introductory.values()))
    assert shown["APPS/4035"].examples == (("2 2\n", "25\n"),)      # AtCoder: the explanation is cut off
    call_based = next(p for p in introductory.values() if p.mode == "call")
    assert shown[call_based.task_id].examples == () and shown[call_based.task_id].unparsed
    judged = visible_problem(introductory["APPS/4035"], shown["APPS/4035"])
    assert judged.test_cases() == (["2 2\n"], ["25\n"])
    assert sum(bool(t.examples) for t in shown.values()) == 582
    competition = load_problems("apps", path, difficulty="competition")
    cases = visible_tests("apps", competition)
    assert len(cases["APPS/3004"].examples) == 4                    # "Sample Input 1:" blocks
    mbpp = load_problems("mbpp", str(shared("mbpp.jsonl")))
    first = visible_tests("mbpp", mbpp[:1])[mbpp[0].task_id]
    assert "visible = hidden" in first.note and len(first.examples) == 3
    assert visible_problem(mbpp[0], first) == mbpp[0]
