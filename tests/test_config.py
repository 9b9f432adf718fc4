"""Config validation: the shipped configs are valid, bad ones fail fast naming the key."""

from __future__ import annotations

import copy
import os
import subprocess
import sys

import pytest
import yaml

from budget_realloc.config import ConfigError, load_yaml, validate_config
from budget_realloc.generation.backend import Sampling
from budget_realloc.jobs.metrics import BudgetCurves
from budget_realloc.plan import Plan
from conftest import REPO, shared


def config(name: str) -> dict:
    return load_yaml(REPO / "config" / f"{name}.yaml")


@pytest.fixture(autouse=True)
def in_repo(monkeypatch):
    monkeypatch.chdir(REPO)


@pytest.mark.parametrize("name", ["offline", "config", "quickstart", "released"])
def test_shipped_configs_validate(name):
    if name == "released":
        shared("generations/wizardcoder_python_humaneval")      # it executes them; without, it says so (below)
    plan = Plan(validate_config(config(name)))
    assert plan.targets()


def test_paper_config_is_the_papers_setup():
    plan = Plan(validate_config(config("config")))
    assert plan.sampling("humaneval", "codellama-7b") == (2000, Sampling(0.8, 0.95, 512))
    assert plan.sampling("mbpp", "codellama-70b") == (200, Sampling(0.8, 0.95, 256))
    assert plan.sampling("apps-competition", "codellama-13b") == (500, Sampling(0.6, 0.95, 256))
    assert plan.sampling("humaneval", "llama3-8b", "greedy") == (1, Sampling(0.0, 1.0, 512))
    assert plan.num_problems("humaneval") == 164 and plan.num_problems("mbpp") == 500
    assert plan.num_problems("apps-interview") == 3000
    assert set(plan.figures()) == {"fig2", "fig3", "fig4", "fig5", "fig6", "fig8", "fig10", "fig11"}


@pytest.mark.parametrize("edit,message", [
    (lambda c: c.update(temprature=0.7), "unknown key 'temprature'"),
    (lambda c: c["benchmarks"]["minieval"]["n"].update({"tiny-s": -3}), "benchmarks.minieval.n.tiny-s: -3"),
    (lambda c: c["models"]["tiny-s"].update(dtype="bf16"), "models.tiny-s.dtype"),
    (lambda c: c["families"]["tiny"].append("tiny-xl"), "families.tiny names unknown model 'tiny-xl'"),
    (lambda c: c["benchmarks"]["minieval"].update(kind="apps"), "benchmarks.minieval.difficulty"),
    (lambda c: c["figures"].update(fig8={"benchmark": "minieval", "family": "tiny"}), "fig8"),
    (lambda c: c["models"]["tiny-s"].update(build="resources/models/nope.json"), "models.tiny-s.build"),
    (lambda c: c["models"]["tiny-s"].update(paper="Code llama 7B"), "models.tiny-s.paper: the paper reports no model"),
    (lambda c: c["models"]["tiny-s"].update(paper="Llama-3 8B"), "models.tiny-s.paper: the paper's Table 1 has no row"),
    (lambda c: c["models"]["tiny-s"].update(paper="Llama-3 8B", paper_costs="Code Llama 8B"),
     "models.tiny-s.paper_costs: the paper's Table 1 has no row 'Code Llama 8B'"),
    (lambda c: c["benchmarks"]["minieval"].update(paper="HumanEval"), "benchmarks.minieval.paper"),
    (lambda c: c.update(bootstrap={"resamples": 0}), "bootstrap.resamples"),
])
def test_bad_config_names_the_key(edit, message):
    bad = copy.deepcopy(config("offline"))
    edit(bad)
    with pytest.raises(ConfigError, match=message.replace(".", r"\.").replace("(", r"\(")):
        validate_config(bad)


def test_missing_optional_benchmark_is_dropped_and_figures_fall_back():
    cfg = config("offline")
    cfg["benchmarks"]["humaneval"]["path"] = "/nonexistent/HumanEval.jsonl.gz"
    plan = Plan(validate_config(cfg))
    assert "humaneval" in plan.dropped and "humaneval" not in plan.benchmarks
    fig2 = next(f for f in plan.budget_figures() if f.figure == "machinery/fig2")
    assert fig2.benchmark == "minieval" and "minieval" in plan.benchmarks


def test_a_fallback_runs_only_where_something_falls_back_to_it():
    cfg = config("offline")
    for name in ("humaneval", "mbpp", "apps-introductory", "apps-interview", "apps-competition"):
        cfg["benchmarks"][name]["path"] = str(REPO / "resources" / "benchmarks" / "minieval.jsonl")
    plan = Plan(validate_config(cfg))
    assert "minieval" in plan.dropped and "minieval" not in plan.benchmarks
    assert all(r.benchmark != "minieval" for r in plan.runs())


WIZARDS = ("wizardcoder-python-7b", "wizardcoder-python-13b", "wizardcoder-python-34b")


def with_absent_sample_files(cfg: dict) -> dict:
    """The default's released models given sample files that are not there, falling back to the
    shipped counts (as a config that executes them reads where ../shared is absent)."""
    for model in WIZARDS:
        cfg["models"][model]["samples"]["humaneval-full"] = {
            "format": "code-cascading", "files": "/nonexistent/*.json.gz",
            "fallback": "resources/released/humaneval-counts.csv"}
    return cfg


def test_released_samples_fall_back_to_the_shipped_counts_and_run_without_problems():
    """A checkout without ../shared: the released models read their counts, the full HumanEval
    benchmark stays (nothing of it is executed), its figure is drawn."""
    cfg = with_absent_sample_files(config("offline"))
    cfg["benchmarks"]["humaneval-full"]["path"] = "/nonexistent/HumanEval.jsonl.gz"
    plan = Plan(validate_config(cfg))
    source = plan.source("humaneval-full", "wizardcoder-python-7b")
    assert source.counts and source.files == ("resources/released/humaneval-counts.csv",) and source.greedy
    assert plan.counts_only("humaneval-full") and plan.num_problems("humaneval-full") == 164
    assert plan.budget_figure("fig2").benchmark == "humaneval-full"
    assert not any(r.benchmark == "humaneval-full" for r in plan.executed())


def test_counts_on_a_limited_benchmark_need_its_problems():
    """With a limit, counts of the whole benchmark are cut to its first problems, which only the
    benchmark's file can tell: without it the plan stops naming the limit."""
    cfg = with_absent_sample_files(config("offline"))
    cfg["benchmarks"]["humaneval-full"]["limit"] = 20
    shared("HumanEval.jsonl.gz")
    plan = Plan(validate_config(copy.deepcopy(cfg)))
    assert plan.counts_only("humaneval-full") and plan.has_problems("humaneval-full")
    assert plan.num_problems("humaneval-full") == 20
    cfg["benchmarks"]["humaneval-full"]["path"] = "/nonexistent/HumanEval.jsonl.gz"
    with pytest.raises(ConfigError, match=r"benchmarks\.humaneval-full\.limit: every run of humaneval-full reads"):
        Plan(validate_config(cfg))


def test_missing_sample_files_stop_the_plan_naming_file_and_where_they_are_published():
    shared("generations/wizardcoder_python_humaneval")
    cfg = config("released")
    cfg["models"]["wizardcoder-python-13b"]["samples"]["humaneval"]["files"] = "../shared/nowhere/13B_*.json.gz"
    with pytest.raises(ConfigError) as raised:
        Plan(validate_config(cfg))
    message = str(raised.value)
    assert "models.wizardcoder-python-13b.samples.humaneval.files: no file matches ../shared/nowhere/13B_*.json.gz" \
        in message and "code_cascading_shared" in message


@pytest.mark.parametrize("edit,message", [
    (lambda c: c["models"]["codegen-mono-16b"]["samples"].update(mbpp={"format": "counts", "files": "x.csv"}),
     "models.codegen-mono-16b.samples.mbpp: no benchmark 'mbpp' lists codegen-mono-16b"),
    (lambda c: c["models"]["codegen-mono-16b"].pop("architecture"), "models.codegen-mono-16b"),
    (lambda c: c["models"]["codegen-mono-16b"]["samples"]["humaneval"].update(format="jsonl"),
     "models.codegen-mono-16b.samples.humaneval.format"),
])
def test_bad_samples_config_names_the_key(edit, message):
    bad = config("released")
    edit(bad)
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")):
        validate_config(bad)


@pytest.mark.parametrize("edit,needle", [(lambda c: c.update(temprature=0.7), "temprature"),
                                         (lambda c: c["benchmarks"]["minieval"]["n"].update({"tiny-s": -3}), "-3")],
                         ids=["unknown key", "negative n"])
def test_snakemake_rejects_a_bad_config_before_planning(tmp_path, edit, needle):
    bad = config("offline")
    edit(bad)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(bad))
    run = subprocess.run([sys.executable, "-m", "snakemake", "-n", "--nolock", "--configfile", str(path)],
                         cwd=REPO, capture_output=True, text=True)
    output = run.stdout + run.stderr
    assert run.returncode != 0
    assert needle in output
    assert "Building DAG" not in output   # rejected at start, before any planning (its speed: perf/config_rejection.py)


@pytest.mark.parametrize("name,target,expect", [
    ("config", "results/figures/fig2.pdf", ["generate_shard", "execute_shard", "flops", "walltime"]),
    ("quickstart", "all", ["generate_shard", "execute_shard", "rank_nll", "budget_figure", "cost_table"]),
])
def test_snakemake_plans_hub_configs_without_network(name, target, expect):
    # Snakemake reads every word after --configfile as a config file: targets go first
    run = subprocess.run([sys.executable, "-m", "snakemake", "-n", "--nolock", target,
                          "--configfile", f"config/{name}.yaml"], cwd=REPO, capture_output=True, text=True,
                         env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert run.returncode == 0, run.stderr[-2000:]
    for rule in expect:
        assert f"rule {rule}:" in run.stdout
    if name == "config":
        for size in ("7b", "13b", "34b", "70b"):
            assert f"model=codellama-{size}, decoding=sampled" in run.stdout
            assert f"results/costs/codellama-{size}.flops.json" in run.stdout


def test_bootstrap_draws_are_shared_by_a_benchmarks_models_and_follow_the_seed():
    plan = Plan(validate_config(config("offline")))
    first = plan.bootstrap("minieval")
    assert first["resamples"] == 1000 and first == plan.bootstrap("minieval")
    assert plan.bootstrap("mbpp")["seed"] != first["seed"]           # another benchmark, other draws
    reseeded = config("offline")
    reseeded["bootstrap"]["seed"] = 7
    assert Plan(validate_config(reseeded)).bootstrap("minieval")["seed"] != first["seed"]
    reseeded["bootstrap"] = {"resamples": 50}
    reseeded["seed"] = 0
    assert Plan(validate_config(reseeded)).bootstrap("minieval") == {"resamples": 50, "seed": first["seed"]}


def test_figures_charge_the_cost_model_the_config_names():
    paper = Plan(validate_config(config("offline")))
    figure = paper.budget_figure("machinery/fig2")
    assert BudgetCurves.of(paper, figure.benchmark, figure.family).costs == \
        {m: f"results/costs/{m}.costs.json" for m in figure.models}
    # per-problem counts have no measured costs: the released models read their samples, as
    # config/released.yaml names them
    shared("generations/wizardcoder_python_humaneval")
    measured_config = config("offline")
    measured_config["cost_model"] = "measured"
    for model in WIZARDS:
        measured_config["models"][model]["samples"] = {
            "humaneval-full": config("released")["models"][model]["samples"]["humaneval"]}
    # LiveCodeBench's Code Llama are per-problem counts, which have no measured time: left out here
    for key in ("benchmarks.livecodebench", "figures.livecodebench-codellama", "families.codellama",
                *(f"models.codellama-{size}" for size in ("7b", "13b", "34b"))):
        section, name = key.split(".", 1)
        del measured_config[section][name]
    measured_config["tables"]["families"]["benchmarks"].remove("livecodebench")
    measured_config["tables"]["table1"]["families"].remove("codellama")
    measured = Plan(validate_config(measured_config))
    assert BudgetCurves.of(measured, figure.benchmark, figure.family).costs == \
        {m: f"results/{figure.benchmark}/{m}/measured_costs.json" for m in figure.models}


def file_model_config(tmp_path, n, per_problem: int = 3) -> dict:
    """MiniEval's first 2 problems and one model whose samples come from a file holding
    ``per_problem`` samples of each, run under ``n``."""
    samples = tmp_path / "samples.jsonl"
    samples.write_text("".join(f'{{"task_id": "MiniEval/{t}", "completion": "    return {i}\\n"}}\n'
                               for t in range(2) for i in range(per_problem)))
    return {"models": {"elsewhere": {"architecture": str(REPO / "resources" / "models" / "tiny-s.json"),
                                     "samples": {"mini": {"format": "samples-jsonl", "files": str(samples)}}}},
            "families": {"one": ["elsewhere"]},
            "benchmarks": {"mini": {"kind": "humaneval", "path": str(REPO / "resources" / "benchmarks" / "minieval.jsonl"),
                                    "limit": 2, "max_new_tokens": 32, "n": {"elsewhere": n}}}}


def test_n_of_a_file_model_may_be_left_to_the_files(tmp_path):
    assert Plan(validate_config(file_model_config(tmp_path, None))).sampling("mini", "elsewhere")[0] == 3
    assert Plan(validate_config(file_model_config(tmp_path, 2))).sampling("mini", "elsewhere")[0] == 2


def test_a_null_n_for_a_model_sampled_here_names_the_key():
    cfg = config("offline")
    cfg["benchmarks"]["minieval"]["n"]["tiny-s"] = None
    with pytest.raises(ConfigError, match=r"benchmarks\.minieval\.n\.tiny-s: null takes what sample files hold"):
        Plan(validate_config(cfg))
