"""`budget-realloc evaluate`: verdicts for samples made elsewhere, in both published formats."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from budget_realloc.benchmarks.records import read_local
from conftest import REPO

MINIEVAL = REPO / "resources" / "benchmarks" / "minieval.jsonl"
RECORDS = read_local(MINIEVAL)[:3]


def evaluate(tmp_path, samples_file, *extra):
    out = tmp_path / "verdicts.jsonl"
    run = subprocess.run([sys.executable, "-m", "budget_realloc", "evaluate", "--benchmark", "humaneval",
                          "--data", str(MINIEVAL), "--samples", str(samples_file), "--out", str(out),
                          "--workers", "2", *extra], capture_output=True, text=True, cwd=REPO)
    verdicts = [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
    return run, verdicts


def test_samples_jsonl_with_completions_and_solutions(tmp_path):
    lines = []
    for r in RECORDS:
        lines.append({"task_id": r["task_id"], "completion": r["canonical_solution"]})       # passes
        lines.append({"task_id": r["task_id"], "completion": "    return None\n"})            # fails
        lines.append({"task_id": r["task_id"].split("/")[1],                                  # bare id
                      "solution": r["prompt"] + r["canonical_solution"]})                     # whole program
    samples = tmp_path / "samples.jsonl"
    samples.write_text("".join(json.dumps(line) + "\n" for line in lines))
    run, verdicts = evaluate(tmp_path, samples)
    assert run.returncode == 0, run.stderr
    assert [v["passed"] for v in verdicts] == [True, False, True] * 3
    assert [v["sample_id"] for v in verdicts] == [0, 1, 2] * 3
    assert set(verdicts[1]) >= {"task_id", "sample_id", "status", "passed"}
    assert "pass@1: 66.67%" in run.stdout and "pass@10" not in run.stdout   # n = 3 < 10


def test_the_papers_released_json_format(tmp_path):
    document = {r["task_id"]: {"task_id": r["task_id"], "prompt": r["prompt"],
                               "samples": [{"generation": r["canonical_solution"] + "\ndef extra():\n    pass\n"},
                                           {"generation": "    return 0\n"}]} for r in RECORDS}
    samples = tmp_path / "released.json"
    samples.write_text(json.dumps(document))
    run, verdicts = evaluate(tmp_path, samples, "--truncate")
    assert run.returncode == 0, run.stderr
    assert [v["passed"] for v in verdicts] == [True, False] * 3
    assert "pass@1: 50.00%" in run.stdout


@pytest.mark.parametrize("content,message", [
    ('{"task_id": "MiniEval/0", "completion": "x"}\n{broken\n', "samples.jsonl:2: not valid JSON"),
    ('{"task_id": "MiniEval/0", "completion": "x"}\n{"task_id": "MiniEval/99", "completion": "x"}\n',
     "samples.jsonl:2: unknown task id 'MiniEval/99'"),
    ('{"task_id": "MiniEval/0", "text": "x"}\n', "samples.jsonl:1: needs a 'completion' or 'solution'"),
])
def test_bad_input_gets_one_clear_error_naming_the_line(tmp_path, content, message):
    samples = tmp_path / "samples.jsonl"
    samples.write_text(content)
    run, _ = evaluate(tmp_path, samples)
    assert run.returncode == 2
    assert message in run.stderr and "Traceback" not in run.stderr
