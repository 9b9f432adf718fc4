"""`budget-realloc evaluate`: verdicts for samples made elsewhere, in both published formats, and
one line naming the cause for every bad input (run in-process, as the console script runs it)."""

from __future__ import annotations

import json

import pytest

from budget_realloc.benchmarks.records import read_local
from conftest import REPO, cli

MINIEVAL = REPO / "resources" / "benchmarks" / "minieval.jsonl"
RECORDS = read_local(MINIEVAL)[:3]


def evaluate(tmp_path, samples_file, *extra, capsys, benchmark="humaneval", data=MINIEVAL):
    """``budget-realloc evaluate`` on a samples file: (how it ended, the verdicts it wrote)."""
    out = tmp_path / "verdicts.jsonl"
    run = cli(capsys, "evaluate", "--benchmark", benchmark, "--data", data, "--samples", samples_file,
              "--out", out, "--workers", "2", *extra)
    verdicts = [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
    return run, verdicts


def test_samples_jsonl_with_completions_and_solutions(tmp_path, capsys):
    lines = []
    for r in RECORDS:
        lines.append({"task_id": r["task_id"], "completion": r["canonical_solution"]})       # passes
        lines.append({"task_id": r["task_id"], "completion": "    return None\n"})            # fails
        lines.append({"task_id": r["task_id"].split("/")[1],                                  # bare id
                      "solution": r["prompt"] + r["canonical_solution"]})                     # whole program
    samples = tmp_path / "samples.jsonl"
    samples.write_text("".join(json.dumps(line) + "\n" for line in lines))
    run, verdicts = evaluate(tmp_path, samples, capsys=capsys)
    assert run.returncode == 0, run.stderr
    assert [v["passed"] for v in verdicts] == [True, False, True] * 3
    assert [v["sample_id"] for v in verdicts] == [0, 1, 2] * 3
    assert set(verdicts[1]) >= {"task_id", "sample_id", "status", "passed"}
    assert "pass@1: 66.67%" in run.stdout and "pass@10" not in run.stdout   # n = 3 < 10


def test_the_papers_released_json_format(tmp_path, capsys):
    document = {r["task_id"]: {"task_id": r["task_id"], "prompt": r["prompt"],
                               "samples": [{"generation": r["canonical_solution"] + "\ndef extra():\n    pass\n"},
                                           {"generation": "    return 0\n"}]} for r in RECORDS}
    samples = tmp_path / "released.json"
    samples.write_text(json.dumps(document))
    run, verdicts = evaluate(tmp_path, samples, "--truncate", capsys=capsys)
    assert run.returncode == 0, run.stderr
    assert [v["passed"] for v in verdicts] == [True, False] * 3
    assert "pass@1: 50.00%" in run.stdout


GOOD_LINE = '{"task_id": "MiniEval/0", "completion": "x"}\n'


@pytest.mark.parametrize("content,message", [
    (GOOD_LINE + '{broken\n', "samples.jsonl:2: not valid JSON"),
    (GOOD_LINE + '{"task_id": "MiniEval/99", "completion": "x"}\n', "samples.jsonl:2: unknown task id 'MiniEval/99'"),
    ('{"task_id": "MiniEval/0", "text": "x"}\n', "samples.jsonl:1: needs a 'completion' or 'solution'"),
    ('{"completion": "x"}\n', "samples.jsonl:1: missing field 'task_id'"),
    ('{"task_id": "MiniEval/0", "completion": 3}\n', "samples.jsonl:1: field 'completion' must be a string"),
    ('{"task_id": [0], "completion": "x"}\n', "samples.jsonl:1: field 'task_id' must be a string or number"),
    ('["MiniEval/0", "x"]\n', "samples.jsonl:1:"),
    ("", "samples.jsonl: no samples in the file"),
    ("\n\n", "samples.jsonl: no samples in the file"),
    (b"\xff\xfe" + GOOD_LINE.encode(), "samples.jsonl:1: not UTF-8"),
])
def test_bad_samples_get_one_clear_error_naming_the_line(tmp_path, capsys, content, message):
    samples = tmp_path / "samples.jsonl"
    samples.write_bytes(content if isinstance(content, bytes) else content.encode())
    run, _ = evaluate(tmp_path, samples, capsys=capsys)
    assert run.returncode == 2
    assert message in run.stderr and "Traceback" not in run.stderr, run.stderr
    assert len(run.stderr.strip().splitlines()) == 1, run.stderr


def paper_json(tmp_path, document) -> str:
    path = tmp_path / "released.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return path


@pytest.mark.parametrize("document,message", [
    ('{"MiniEval/0": {"samples": [', "released.json:1:"),
    ({"MiniEval/0": {"samples": "x"}}, "entry 'MiniEval/0': expected an object with a 'samples' list"),
    ({"MiniEval/0": {"samples": [{"generation": None}]}}, "sample 0: field 'generation' must be a string"),
    ({"MiniEval/77": {"samples": ["x"]}}, "unknown task id 'MiniEval/77'"),
    ({}, "released.json: no samples in the file"),
])
def test_a_bad_paper_json_file_names_its_entry(tmp_path, capsys, document, message):
    run, _ = evaluate(tmp_path, paper_json(tmp_path, document), capsys=capsys)
    assert run.returncode == 2
    assert message in run.stderr and "Traceback" not in run.stderr, run.stderr
    assert len(run.stderr.strip().splitlines()) == 1, run.stderr


@pytest.mark.parametrize("flags,message", [
    ({"samples": "missing.jsonl"}, "missing.jsonl: file not found"),
    ({"data": "missing-benchmark.jsonl"}, "benchmark file not found"),
    ({"benchmark": "humaneva"}, "--benchmark: unknown benchmark 'humaneva' (one of"),
    ({"extra": ("--format", "csv")}, "unknown samples format 'csv'"),
    ({"extra": ("--format", "codet-jsonl")}, "samples.jsonl:1: field 'prompt' must be a string"),
    ({"extra": ("--timeout", "0")}, "argument --timeout: must be above 0, got 0"),
    ({"extra": ("--timeout", "soon")}, "argument --timeout: invalid float value: 'soon'"),
    ({"extra": ("--workers", "0")}, "argument --workers: must be at least 1, got 0"),
    ({"extra": ("--min-timeout", "-1")}, "argument --min-timeout: must be above 0, got -1"),
    ({"extra": ("--reference-factor", "-2")}, "argument --reference-factor: must be at least 0, got -2"),
])
def test_every_bad_flag_gets_one_clear_error(tmp_path, capsys, flags, message):
    samples = tmp_path / "samples.jsonl"
    samples.write_text(GOOD_LINE)
    given = {"samples": samples, "benchmark": "humaneval", "data": MINIEVAL, "extra": (), **flags}
    run, _ = evaluate(tmp_path, tmp_path / given["samples"], *given["extra"], capsys=capsys,
                      benchmark=given["benchmark"], data=tmp_path / given["data"])
    assert run.returncode == 2
    assert message in run.stderr and "Traceback" not in run.stderr, run.stderr
    # argparse adds its usage line; the cause is the one line after it
    assert len([line for line in run.stderr.strip().splitlines() if "error" in line]) == 1, run.stderr
