"""The released samples of ../shared/data as the workflow reads them (config/released.yaml).

The config says where each run's files are and in which format; the same readers turn them
into the generation columns, so the speed scripts execute exactly what the workflow executes.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

from budget_realloc.benchmarks import load_problems
from budget_realloc.config import load_yaml, validate_config
from budget_realloc.generation.sample_files import read_samples, samples_frame
from budget_realloc.plan import Plan

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
RUNS = ("wizardcoder-python-7b", "wizardcoder-python-13b", "wizardcoder-python-34b", "codegen-mono-16b")


@contextmanager
def _in_repo():
    """The config's paths (../shared/data, resources/) are relative to the checkout."""
    cwd = os.getcwd()
    os.chdir(REPO)
    try:
        yield
    finally:
        os.chdir(cwd)


def humaneval_path() -> Path:
    with _in_repo():
        plan = Plan(validate_config(load_yaml(REPO / "config" / "released.yaml")))
        return (REPO / plan.benchmark("humaneval").path).resolve()


def released_run(model: str, decoding: str = "sampled"):
    """(generations frame, problems by task id) of one released run on HumanEval."""
    with _in_repo():
        plan = Plan(validate_config(load_yaml(REPO / "config" / "released.yaml")))
        source = plan.source("humaneval", model)
        problems = load_problems("humaneval", plan.benchmark("humaneval").path)
        files = list(source.files) if decoding == "sampled" else [source.greedy]
        frame = samples_frame(read_samples(source.format, files, problems, source.prompts), problems,
                              plan.sampling("humaneval", model, decoding)[0], source.truncate)
    return frame, {p.task_id: p for p in problems}
