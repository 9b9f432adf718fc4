"""LiveCodeBench: a benchmark known only by per-problem counts (issue 24).

Every model's pass@1 from the workflow is held against the mean of c/n computed here from the
shared CSV with the csv module, and against the leaderboard's own pass@1 as the data's README
publishes it; the release window, the difficulty subsets, the counts-only rules, the shipped
counts and the StarCoder2 / DeepSeek-Coder parameter counts are checked against the data too.
"""

from __future__ import annotations

import copy
import csv
import dataclasses
import re
import subprocess
import sys
from collections import defaultdict

import pandas as pd
import pytest

from budget_realloc.config import ConfigError, load_yaml, validate_config
from budget_realloc.jobs.metrics import PassAtK, RunCounts
from budget_realloc.metrics.verdicts import family_verdicts
from budget_realloc.plan import Plan
from conftest import REPO, shared

COUNTS = "generations/livecodebench_counts/counts.csv"
SITE_WINDOW = "2023-09-01"          # the website's default slider: problems dated 2023-09-02 on


@pytest.fixture(autouse=True)
def in_repo(monkeypatch):
    monkeypatch.chdir(REPO)


def released() -> dict:
    return load_yaml(REPO / "config" / "released.yaml")


def rows() -> list[dict]:
    with open(shared(COUNTS), newline="") as handle:
        return list(csv.DictReader(handle))


def mean_pass_at_1(kept) -> dict[str, float]:
    """Percent, per model: the mean over kept problems of c/n, straight from the CSV."""
    sums, problems = defaultdict(float), defaultdict(int)
    for row in rows():
        if kept(row):
            sums[row["model"]] += int(row["c"]) / int(row["n"])
            problems[row["model"]] += 1
    return {m: 100 * sums[m] / problems[m] for m in sums}


def published_pass_at_1() -> dict[str, tuple[float, float]]:
    """(all 400, site default window) per model, from the leaderboard table of the data's README."""
    text = (shared(COUNTS).parent / "README.md").read_text()
    table = text.split("## Leaderboard pass@1")[1].split("\n## ")[0]
    out = {}
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 7 and re.fullmatch(r"`[a-z0-9.-]+`", cells[0]):
            out[cells[0].strip("`")] = (float(cells[2]), float(cells[6]))
    return out


def workflow_pass_at_1(plan: Plan, benchmark: str, tmp_path) -> dict[str, float]:
    """Percent, per model: the k = 1 row of the pass-at-k job the workflow runs."""
    out = {}
    for model in plan.benchmark(benchmark).models:
        job = dataclasses.replace(PassAtK.of(plan, benchmark, model), resamples=10,
                                  out=str(tmp_path / f"{benchmark}-{model}.csv"),
                                  counts_out=str(tmp_path / f"{benchmark}-{model}-counts.csv"))
        job.run()
        table = pd.read_csv(job.out)
        row = table[(table["decoding"] == "sampled") & (table["k"] == 1)].iloc[0]
        out[model] = 100 * row["pass_at_k"]
    return out


@pytest.mark.parametrize("benchmark,problems,kept", [
    ("livecodebench", 400, lambda row: True),
    ("livecodebench-recent", 238, lambda row: row["contest_date"] > SITE_WINDOW),
])
def test_every_models_pass_at_1_is_the_mean_of_c_over_n(benchmark, problems, kept, tmp_path):
    plan = Plan(validate_config(released()))
    assert plan.num_problems(benchmark) == problems
    ours = workflow_pass_at_1(plan, benchmark, tmp_path)
    direct = mean_pass_at_1(kept)
    published = {m: v[0 if benchmark == "livecodebench" else 1] for m, v in published_pass_at_1().items()}
    assert set(ours) == set(direct) == set(published) and len(ours) == 18
    for model in ours:
        assert ours[model] == pytest.approx(direct[model], abs=0.01), model
        assert ours[model] == pytest.approx(published[model], abs=0.005 + 1e-9), model   # README: 2 decimals


def test_difficulty_subsets_hold_the_problems_the_data_counts():
    plan = Plan(validate_config(released()))
    by_difficulty = defaultdict(set)
    for row in rows():
        by_difficulty[row["difficulty"]].add(row["task_id"])
    for difficulty in ("easy", "medium", "hard"):
        assert plan.num_problems(f"livecodebench-{difficulty}") == len(by_difficulty[difficulty])
    assert [len(by_difficulty[d]) for d in ("easy", "medium", "hard")] == [142, 168, 90]   # the README's table
    assert plan.benchmark_title("livecodebench-hard") == "LiveCodeBench (90 problems, hard)"


def test_the_window_from_training_cutoffs_is_the_latest_of_the_benchmarks_models():
    config = released()
    config["benchmarks"]["after-cutoff"] = {"kind": "livecodebench", "label": "LCB", "released_after": "training-cutoff",
                                            "n": {"codellama-7b": 10, "deepseek-coder-1.3b-base": 10}}
    for model in ("codellama-7b", "deepseek-coder-1.3b-base"):
        config["models"][model]["samples"] = {**config["models"][model]["samples"],
                                              "after-cutoff": config["models"][model]["samples"]["livecodebench"]}
    plan = Plan(validate_config(config))
    bench = plan.benchmark("after-cutoff")
    assert bench.released_after == "2023-08-30" and "DeepSeek-Coder 1.3B base" in bench.window_source
    expected = {r["task_id"] for r in rows() if r["contest_date"] > "2023-08-30"}
    assert plan.num_problems("after-cutoff") == len(expected)
    assert plan.benchmark_title("after-cutoff") == (f"LCB ({len(expected)} problems, released after 2023-08-30: the "
                                                    "latest training cutoff of its models, DeepSeek-Coder 1.3B base's)")
    del config["models"]["codellama-7b"]["training_cutoff"]
    with pytest.raises(ConfigError, match=r"training-cutoff needs models\.codellama-7b\.training_cutoff"):
        Plan(validate_config(config))


def test_an_unquoted_yaml_date_is_read_as_the_date():
    import yaml

    config = released()
    config["benchmarks"]["livecodebench-recent"].update(yaml.safe_load("released_after: 2023-09-01"))
    assert Plan(validate_config(config)).num_problems("livecodebench-recent") == 238


@pytest.mark.parametrize("edit,message", [
    (lambda c: c["benchmarks"]["livecodebench"].update(path="lcb.jsonl"),
     "benchmarks.livecodebench.path: a livecodebench benchmark is known only by"),
    (lambda c: c["benchmarks"]["livecodebench"].update(difficulty="introductory"),
     "benchmarks.livecodebench.difficulty: a livecodebench problem is easy, medium, hard"),
    (lambda c: c["benchmarks"]["humaneval"].update(released_after="2023-09-01"),
     "benchmarks.humaneval.released_after: only for"),
    (lambda c: c["models"]["codellama-7b"]["samples"]["livecodebench"].update(format="samples-jsonl"),
     "models.codellama-7b.samples.livecodebench must be format: counts"),
    (lambda c: c["selection"].update(benchmarks=["livecodebench"], family="codellama"),
     "selection.benchmarks: livecodebench is a livecodebench benchmark, known only by per-problem pass counts"),
])
def test_a_counts_only_benchmark_refuses_what_needs_programs(edit, message):
    config = copy.deepcopy(released())
    config["models"]["codellama-7b"]["samples"] = copy.deepcopy(config["models"]["codellama-7b"]["samples"])
    edit(config)
    with pytest.raises(ConfigError, match=re.escape(message)):
        plan = Plan(validate_config(config))
        plan.targets()


def test_counts_only_runs_execute_nothing_and_plan_no_generation():
    plan = Plan(validate_config(released()))
    lcb = [b for b in plan.benchmarks if b.startswith("livecodebench")]
    assert len(lcb) == 5 and all(plan.counts_only(b) and not plan.has_problems(b) for b in lcb)
    assert not any(r.benchmark in lcb for r in plan.executed())
    run = subprocess.run([sys.executable, "-m", "snakemake", "-n", "--nolock", "results/figures/livecodebench-starcoder2.pdf",
                          "--configfile", "config/released.yaml"], cwd=REPO, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    planned = set(re.findall(r"^rule (\w+):", run.stdout, flags=re.M)) or set(re.findall(r"rule (\w+):", run.stdout))
    assert planned and not planned & {"generate_shard", "execute_shard", "prepare_benchmark", "walltime"}


def test_the_shipped_counts_are_what_the_rule_writes_from_shared(tmp_path):
    shared(COUNTS)
    plan = Plan(validate_config(load_yaml(REPO / "config" / "offline.yaml")))
    assert plan.source("livecodebench", "codellama-7b").files[0].startswith("../shared/")
    job = dataclasses.replace(RunCounts.of(plan, "livecodebench"), out=str(tmp_path / "counts.csv"))
    job.run()
    shipped = REPO / "resources" / "released" / "livecodebench-counts.csv"
    assert (tmp_path / "counts.csv").read_bytes() == shipped.read_bytes()
    frame = pd.read_csv(shipped)
    assert len(frame) == 1200 and set(frame["model"]) == {"codellama-7b", "codellama-13b", "codellama-34b"}
    assert (REPO / "resources" / "released" / "livecodebench-counts.LICENSE.md").read_text().count("CC BY-SA 4.0")


def test_without_shared_the_default_reads_the_shipped_counts():
    config = load_yaml(REPO / "config" / "offline.yaml")
    for size in ("7b", "13b", "34b"):
        config["models"][f"codellama-{size}"]["samples"]["livecodebench"] = {
            **config["models"][f"codellama-{size}"]["samples"]["livecodebench"], "files": "/nonexistent/counts.csv"}
    plan = Plan(validate_config(config))
    assert plan.source("livecodebench", "codellama-34b").files == ("resources/released/livecodebench-counts.csv",)
    assert plan.num_problems("livecodebench") == 400
    assert "livecodebench-codellama" in plan.figures()


@pytest.mark.parametrize("model,architecture", [
    ("starcoder2-3b", "starcoder2-3b"), ("starcoder2-7b", "starcoder2-7b"), ("starcoder2-15b", "starcoder2-15b"),
    ("deepseek-coder-33b-base", "deepseek-coder-33b"),
])
def test_calflops_counts_the_parameters_the_configs_give(model, architecture):
    """The architecture JSON built on the meta device has the parameters architectures.csv computes
    from the model's config.json (StarCoder2: biases, a GELU MLP, LayerNorm, 3B/7B tied embeddings)."""
    from budget_realloc.costs.flops import count_flops

    table = {r["model"]: r for r in csv.DictReader(open(shared("generations/livecodebench_counts/architectures.csv")))}
    counted = count_flops(str(REPO / "resources" / "models" / f"{architecture}.json"))
    assert counted["params"] == int(table[model]["n_params_total_computed"])


def pairs(rows_: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame([{"budget_type": "flops", "budget": b, "smaller": s, "larger": "l", "k_smaller": 1,
                          "k_larger": 1, "censored_smaller": False, "censored_larger": False, "difference": d,
                          "low": lo, "high": hi, "significant": sig, "ahead": ahead}
                         for b, s, d, lo, hi, sig, ahead in rows_])


@pytest.mark.parametrize("rows_,verdict", [
    ([(1, "s", 0.1, 0.05, 0.2, True, "smaller"), (2, "s", 0.05, -0.01, 0.1, False, "smaller")], "holds"),
    ([(1, "s", 0.1, 0.05, 0.2, True, "smaller"), (2, "s", -0.1, -0.2, -0.05, True, "larger")], "fails"),
    ([(1, "s", -0.02, -0.1, 0.05, False, "larger"), (2, "s", 0.0, 0.0, 0.0, False, "undetermined")], "undetermined"),
])
def test_a_familys_verdict(rows_, verdict):
    table = family_verdicts(pairs(rows_))
    assert list(table["verdict"]) == [verdict]
    if verdict == "fails":
        assert table["larger_significant_from"].iloc[0] == 2 and table["holds_up_to"].iloc[0] == 1
        assert table["larger_significant_at"].iloc[0] == "2: s vs l"


def test_a_familys_figure_says_its_window_its_problems_and_the_papers_caveats():
    from budget_realloc.jobs.reports import BudgetFigure

    figure = BudgetFigure.of(Plan(validate_config(released())), "livecodebench-recent-codellama")
    assert figure.title.startswith("LiveCodeBench (238 problems, released after 2023-09-01); Code Llama 7B")
    assert figure.notes[-1].startswith("n = 10 samples per problem at T = 0.2, as published: k stops at 5")
