"""What cluster jobs ask for: model sizes counted from architectures, requests that follow the work."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from budget_realloc import cluster
from conftest import REPO

MODELS = REPO / "resources" / "models"
HARDWARE = {"gpu_memory_gb": 80, "gpu_tflops": 10, "cpu_gflops": 5}


@pytest.mark.parametrize("name,billions", [
    ("codellama-7b", 6.74), ("codellama-13b", 13.0), ("codellama-34b", 33.7), ("codellama-70b", 69.0),
    ("llama3-8b", 8.03), ("llama3-70b", 70.6), ("qwen2.5-coder-7b", 7.62),
])
def test_parameters_are_counted_as_published(name, billions):
    assert cluster.model_size(str(MODELS / f"{name}.json")).params / 1e9 == pytest.approx(billions, rel=0.01)


def sampling(name, device="cuda", dtype="bfloat16", batch=32, tokens=10**6):
    return cluster.model_job(str(MODELS / f"{name}.json"), dtype=dtype, device=device, batch=batch,
                             sequence_tokens=768, tokens=tokens, threads=4, cluster=HARDWARE)


def test_a_70b_model_spans_gpus_of_one_node_and_a_7b_needs_one():
    assert sampling("codellama-70b")["gpu"] >= 2
    assert sampling("codellama-7b")["gpu"] == 1
    assert sampling("codellama-7b", batch=256)["gpu"] > 1                 # the KV cache counts too
    assert sampling("codellama-70b", batch=1)["mem_mb"] > sampling("codellama-7b", batch=1)["mem_mb"]


def test_cpu_models_ask_for_no_gpu_and_time_follows_the_work():
    tiny = sampling("tiny-l", device="cpu", dtype="auto")
    assert tiny["gpu"] == 0 and tiny["mem_mb"] < 4096
    assert sampling("codellama-7b", tokens=10**8)["runtime"] > sampling("codellama-7b", tokens=10**6)["runtime"]
    assert sampling("codellama-70b")["runtime"] > sampling("codellama-7b")["runtime"]


def test_an_unknown_architecture_gets_the_fallback():
    job = cluster.model_job(None, dtype="auto", device="cpu", batch=8, sequence_tokens=8, tokens=8, threads=1,
                            cluster=HARDWARE)
    assert job == {**cluster.UNKNOWN_MODEL, "gpu": 0}


def test_an_execution_shard_holds_memory_for_every_worker():
    small, large = (cluster.execution_job(programs=1000, workers=w, timeout_s=10, memory_mb=2048) for w in (4, 32))
    assert large["mem_mb"] - small["mem_mb"] == 28 * 2048 and large["runtime"] < small["runtime"]


def dry_run_resources(*args) -> dict[str, list[str]]:
    """rule -> the resource lines of its jobs, from a dry run through the SLURM profile."""
    run = subprocess.run([sys.executable, "-m", "snakemake", "-n", "--profile", "workflow/profiles/slurm", *args],
                         cwd=REPO, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    out = {}
    for rule, block in re.findall(r"rule (\w+):\n(.*?)\n\n", run.stdout, re.S):
        out.setdefault(rule, []).extend(re.findall(r"resources: (.*)", block))
    return out


def test_the_paper_config_asks_the_cluster_for_gpus_per_model():
    jobs = dry_run_resources("results/humaneval/codellama-70b/pass_at_k.csv", "results/humaneval/codellama-7b/pass_at_k.csv",
                             "--configfile", "config/config.yaml")
    generation = " ".join(jobs["generate_shard"])
    assert "gpu=3, nodes=1" in generation and "gpu=1, nodes=1" in generation
    assert all("gpu=" not in r for r in jobs["execute_shard"])


def test_the_offline_default_asks_for_no_gpu():
    jobs = dry_run_resources()
    assert all("gpu=0" in r for rule in ("generate_shard", "rank_nll", "walltime") for r in jobs[rule])
