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
                             new_tokens=512, tokens=tokens, threads=4, cluster=HARDWARE)


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
    job = cluster.model_job(None, dtype="auto", device="cpu", batch=8, new_tokens=8, tokens=8, threads=1,
                            cluster=HARDWARE)
    assert job == {**cluster.UNKNOWN_MODEL, "gpu": 0}


def test_an_execution_shard_holds_memory_for_every_worker():
    small, large = (cluster.execution_job(programs=1000, workers=w, timeout_s=10, memory_mb=2048) for w in (4, 32))
    assert large["mem_mb"] - small["mem_mb"] == 28 * 2048 and large["runtime"] < small["runtime"]


def dry_run_jobs(*args) -> list[dict]:
    """Every job of a dry run through the SLURM profile: rule, wildcards, resources, and whether
    it runs in a group (Snakemake indents a group's jobs).  ``--forceall``: the plan of a whole
    run, whatever results/ already holds (command 1 of the README may have built it all)."""
    run = subprocess.run([sys.executable, "-m", "snakemake", "-n", "--forceall", "--profile", "workflow/profiles/slurm",
                          *args],
                         cwd=REPO, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    jobs = []
    for indent, rule, block in re.findall(r"^( *)rule (\w+):\n(.*?)\n\n", run.stdout, re.S | re.M):
        wildcards = re.search(r"wildcards: (.*)", block)
        jobs.append({"rule": rule, "grouped": bool(indent), "resources": re.search(r"resources: (.*)", block)[1],
                     **dict(w.split("=") for w in (wildcards[1].split(", ") if wildcards else []))})
    return jobs


def gpus(job) -> int:
    return int(re.search(r"\bgpu=(\d+)", job["resources"])[1])


def test_the_paper_config_asks_gpus_per_model_and_groups_only_short_jobs():
    jobs = dry_run_jobs("results/humaneval/codellama-70b/pass_at_k.csv", "results/humaneval/codellama-7b/pass_at_k.csv",
                        "--configfile", "config/config.yaml")
    generation = [j for j in jobs if j["rule"] == "generate_shard"]
    assert {gpus(j) for j in generation if j["model"] == "codellama-70b"} == {3}
    # greedy shards batch 16 sequences (1 GPU), sampled ones 128 with their KV cache (2)
    assert {(j["decoding"], gpus(j)) for j in generation
            if j["model"] == "codellama-7b"} == {("greedy", 1), ("sampled", 2)}
    assert all("nodes=1" in j["resources"] for j in generation)
    # a greedy 7B shard is minutes and shares a SLURM job; a sampled one (hours) and a 70B one
    # (loading 138 GB of weights) get their own
    assert {(j["model"], j["decoding"], j["grouped"]) for j in generation} == {
        ("codellama-7b", "greedy", True), ("codellama-7b", "sampled", False),
        ("codellama-70b", "greedy", False), ("codellama-70b", "sampled", False)}
    assert all("gpu=" not in j["resources"] for j in jobs if j["rule"] == "execute_shard")


def test_the_offline_default_asks_for_no_gpu_and_groups_its_tiny_jobs():
    jobs = dry_run_jobs()
    model_jobs = [j for j in jobs if j["rule"] in ("generate_shard", "rank_nll", "verify", "walltime")]
    assert model_jobs and all(gpus(j) == 0 and j["grouped"] for j in model_jobs)
