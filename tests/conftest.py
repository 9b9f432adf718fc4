"""Shared fixtures: a tiny tokenizer and models built here, the repository and shared data paths,
one run of config/released.yaml (less what no test checks) for the tests that read its results,
budget-realloc in-process, and samples of known worth."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = (REPO / ".." / "shared" / "data").resolve()
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def shared(relative: str) -> Path:
    """A file of ../shared/data, or skip: the tests that need real benchmark files say so."""
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"{path} is not on this machine")
    return path


@pytest.fixture(scope="session")
def tokenizer_dir(tmp_path_factory) -> Path:
    from budget_realloc.tiny_models import train_tokenizer

    out = tmp_path_factory.mktemp("tokenizer") / "tok"
    train_tokenizer(out, vocab_size=1024, corpus_bytes=400_000)
    return out


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory, tokenizer_dir) -> Path:
    from budget_realloc.tiny_models import build_model

    out = tmp_path_factory.mktemp("models") / "tiny-s"
    build_model(REPO / "resources" / "models" / "tiny-s.json", tokenizer_dir, out, seed=0, name="tiny-s")
    return out


def cli(capsys, *argv) -> SimpleNamespace:
    """``budget-realloc ARGV`` in this process, as its console script runs it (a subprocess would
    spend seconds importing what this one has): its exit status, stdout and stderr."""
    from budget_realloc.cli import main

    try:
        main([str(a) for a in argv])
        returncode = 0
    except SystemExit as exit:
        returncode = exit.code
    captured = capsys.readouterr()
    return SimpleNamespace(returncode=returncode, stdout=captured.out, stderr=captured.err)


def snakemake_released(workdir: Path, *args) -> subprocess.CompletedProcess:
    """Snakemake on the released config of ``workdir`` (:func:`released_workdir`); ``args``
    after the config file."""
    return subprocess.run([sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "-d", str(workdir),
                           "--cores", "2", "--configfile", str(workdir / "released.yaml"), *args],
                          capture_output=True, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})


# models of config/released.yaml no test of its run checks: CodeGen-Mono 16B's 16,400 samples
# would be a quarter of the run (its formats are read in tests/test_sample_files.py and
# tests/test_generated_tests.py)
UNCHECKED = {"codegen-mono-16b"}


def released_config() -> dict:
    """config/released.yaml without the UNCHECKED models and what only they use."""
    import yaml

    config = yaml.safe_load((REPO / "config" / "released.yaml").read_text())
    config["models"] = {m: spec for m, spec in config["models"].items() if m not in UNCHECKED}
    config["families"] = {f: members for f, members in config["families"].items() if not set(members) & UNCHECKED}
    for benchmark in config["benchmarks"].values():
        benchmark["n"] = {m: n for m, n in benchmark["n"].items() if m not in UNCHECKED}
    for table in config.get("tables", {}).values():
        if "families" in table:
            table["families"] = [f for f in table["families"] if f in config["families"]]
    return config


# selection's probes (every program against ~250 model-written tests) take longer than the rest
# of the released run together; tests/test_released.py builds them on a slice
WITHOUT_SELECTION = ("--omit-from", "generated_tests")


def released_workdir(tmp_path_factory, name: str) -> Path:
    """A run directory where the config's ../shared/data and resources/ resolve (or skip)."""
    shared("generations/wizardcoder_python_humaneval")
    root = tmp_path_factory.mktemp(name)
    (root / "shared").symlink_to(SHARED_DATA.parent)
    workdir = root / "run"
    workdir.mkdir()
    (workdir / "resources").symlink_to(REPO / "resources")
    (workdir / "released.yaml").write_text(json.dumps(released_config()))     # JSON is YAML
    return workdir


def samples_of_known_worth(benchmark_file: str | Path, out: Path, correct: list[int], n: int) -> Path:
    """A samples-jsonl file of ``n`` samples for each of the benchmark's first ``len(correct)``
    problems, ``correct[i]`` of them its reference solution and the rest failing, interleaved:
    a model made elsewhere whose pass counts are known before anything runs, so that an
    end-to-end check compares real, non-zero results."""
    from budget_realloc.benchmarks.records import read_local

    spread = [*range(0, n, 2), *range(1, n, 2)]          # the passing ones: even places first, then odd
    lines = []
    for record, right in zip(read_local(benchmark_file), correct):
        passing = set(spread[:right])
        for i in range(n):
            lines.append(json.dumps({"task_id": record["task_id"], "completion": record["canonical_solution"]
                                     if i in passing else "    raise NotImplementedError\n"}) + "\n")
    out.write_text("".join(lines))
    return out


# the fixtures that run config/released.yaml: a test that uses one is in the `released` tier
RELEASED_RUNS = ("released", "selection")


def pytest_collection_modifyitems(items):
    for item in items:
        if any(name in RELEASED_RUNS for name in getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.released)


@pytest.fixture(scope="session")
def released(tmp_path_factory) -> Path:
    """config/released.yaml built once (selection aside): its run directory."""
    workdir = released_workdir(tmp_path_factory, "released")
    run = snakemake_released(workdir, *WITHOUT_SELECTION)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return workdir


@pytest.fixture(scope="module")
def executor():
    """One sandbox worker for a test module (the sandbox and probe tests)."""
    from budget_realloc.execution.executor import Executor

    with Executor(workers=1) as ex:
        yield ex


@pytest.fixture()
def host_file(tmp_path):
    """A file the programs try to damage: outside their temp dir, in a world-readable place
    (one per test, so that damage one program does is not blamed on the next)."""
    folder = tmp_path / "host"
    folder.mkdir()
    folder.chmod(0o755)
    tmp_path.chmod(0o755)
    path = folder / "precious.txt"
    path.write_text("intact")
    path.chmod(0o644)
    return path
