"""The inputs of figures, tables and budget jobs (budget_realloc.specs), as the rules pass them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from budget_realloc import specs
from budget_realloc.config import load_yaml, validate_config
from budget_realloc.costs import Costs
from budget_realloc.plan import Plan
from budget_realloc.reporting import ranking_figure_from_spec
from conftest import REPO


@pytest.fixture(autouse=True)
def in_repo(monkeypatch):
    monkeypatch.chdir(REPO)


def plan(name: str, edit=lambda c: None) -> Plan:
    config = load_yaml(REPO / "config" / f"{name}.yaml")
    edit(config)
    return Plan(validate_config(config))


def test_files_are_the_paths_under_file_keys_once_each():
    spec = {"title": "x.csv", "models": ["a"], "pass_at_k": {"a": "p.csv", "b": "p.csv"},
            "panels": [{"rank_score": "r.csv", "title": "t"}], "rows": [{"model": "m", "pass_at_k": "q.csv"}]}
    assert specs.files(spec) == ["p.csv", "r.csv", "q.csv"]


def test_budget_figures_name_their_runs_costs_and_the_papers_points():
    paper = plan("config")
    fig2 = specs.budget_figure(paper, "fig2")
    assert fig2["title"].startswith("Figure 2: HumanEval (164 problems); Code Llama 7B")
    assert fig2["costs"]["codellama-7b"] == "results/costs/codellama-7b.costs.json"
    assert fig2["paper"]["codellama-70b"] == {"benchmark": "humaneval", "model": "Code Llama 70B",
                                              "table1_row": "Code Llama 70B"}
    assert set(specs.files(fig2)) == {*fig2["pass_at_k"].values(), *fig2["costs"].values(), *fig2["extrapolated"].values()}
    fig10 = specs.budget_figure(paper, "fig10")
    assert fig10["paper"]["llama3-8b"]["table1_row"] == "Code Llama 7B"    # footnote 3: 7B's cost stands in


def test_our_figures_take_their_own_title_and_say_where_counts_came_from():
    def without_shared(config):
        config["benchmarks"]["humaneval-full"]["path"] = "/nonexistent/HumanEval.jsonl.gz"
        for size in ("7b", "13b", "34b"):
            config["models"][f"wizardcoder-python-{size}"]["samples"]["humaneval-full"]["files"] = "/nonexistent/*"

    released = specs.budget_figure(plan("offline", without_shared), "released-humaneval")
    assert released["title"].startswith("Released samples, laid out as Figure 2: HumanEval (164 problems); "
                                         "WizardCoder-Python 7B")
    assert released["notes"] == ["WizardCoder-Python 7B, WizardCoder-Python 13B, WizardCoder-Python 34B: per-problem "
                                 "pass counts read from resources/released/humaneval-counts.csv (nothing executed)"]
    assert released["paper"] == {}


def test_budget_curves_ranking_and_tables_read_what_the_plan_writes():
    offline = plan("offline")
    mbpp = offline.resolve(["mbpp", "minieval"])         # the real MBPP where ../shared is there
    curves = specs.budget_curves(offline, mbpp, "tiny")
    assert curves["pass_at_k"] == {m: f"results/{mbpp}/{m}/pass_at_k.csv" for m in ("tiny-s", "tiny-m", "tiny-l")}
    assert curves["log2_max"] == 6
    score = specs.rank_score(offline, mbpp, "tiny-s", "verifier")
    assert score["nll"]["tiny-l"] == f"results/{mbpp}/tiny-s/ranking/nll-tiny-l.parquet"
    assert score["verifier"]["flops"] == "results/costs/tiny-verifier.flops.json"
    assert "verifier" not in specs.rank_score(offline, mbpp, "tiny-s", "nll")
    table2 = specs.passk_table(offline, "table2")
    shown = offline.passk_tables()["table2"][0]         # HumanEval where ../shared is there, else MiniEval
    assert table2["rows"][0] == {"benchmark": offline.benchmark(shown)["label"], "model": "tiny-S (random init)",
                                 "pass_at_k": f"results/{shown}/tiny-s/pass_at_k.csv"}
    assert specs.cost_table(offline)["costs"]["wizardcoder-python-7b"] == "results/costs/wizardcoder-python-7b.costs.json"


def test_counts_list_every_executed_run_and_decoding():
    offline = plan("offline")
    mbpp = offline.resolve(["mbpp", "minieval"])
    runs = specs.counts(offline, mbpp)["runs"]
    assert {(r["model"], r["decoding"]) for r in runs} == {(m, d) for m in offline.models_on(mbpp)
                                                           for d in ("sampled", "greedy")}
    assert all(r["executions"] == f"results/{mbpp}/{r['model']}/{r['decoding']}/executions.parquet" for r in runs)


@pytest.mark.parametrize("seconds,axis,metric", [(2.0, "normalised wall-time", "rank-score_time@t (%)"),
                                                 (None, "normalised FLOPs", "rank-score_flops@f (%)")])
def test_ranking_figures_label_the_cost_they_charge(tmp_path, seconds, axis, metric):
    """Figures 8-9 draw wall-time where every model has one, else FLOPs, and say which."""
    for model, flops in (("small", 1e9), ("large", 4e9)):
        Costs(flops=flops, seconds=seconds and seconds * flops / 1e9).write(tmp_path / f"{model}.json")
        table = pd.DataFrame({"decoding": ["sampled"] * 2, "k": [1, 2], "pass_at_k": [0.1, 0.2], "ci_low": 0.0,
                              "ci_high": 0.3, "n": 4, "n_max": 4, "problems": 2})
        table.to_csv(tmp_path / f"{model}.csv", index=False)
    pd.DataFrame({"ranker": "large", "k": [1, 2], "rank_score": [0.1, 0.15], "time_cost_per_sample": [3.0, 3.0],
                  "flops_cost_per_sample": [5.0, 5.0]}).to_csv(tmp_path / "scores.csv", index=False)
    spec = {"title": "t", "models": ["small", "large"], "labels": {"small": "S", "large": "L"},
            "panels": [{"title": "p", "rank_score": str(tmp_path / "scores.csv"),
                        "pass_at_k": {m: str(tmp_path / f"{m}.csv") for m in ("small", "large")},
                        "costs": {m: str(tmp_path / f"{m}.json") for m in ("small", "large")}}]}
    figure = ranking_figure_from_spec(spec, str(tmp_path / "f.pdf"), str(tmp_path / "f.png"))
    ax = figure.axes[0]
    assert ax.get_xlabel() == axis and ax.get_ylabel() == metric
    line = next(line for line in ax.get_lines() if line.get_label().startswith("ranked by"))
    np.testing.assert_allclose(line.get_xdata(), [3.0, 6.0] if seconds else [5.0, 10.0])


@pytest.mark.parametrize("cost_model,accelerator,calibrated", [("paper", None, True), ("idealized", "h200", False),
                                                              ("calibrated", "h200", True)])
def test_run_costs_say_which_time_the_cost_model_charges(cost_model, accelerator, calibrated):
    def edit(config):
        config["cost_model"] = cost_model
        config["costs"] = {"accelerator": "h200", "idealized_accelerators": ["a100-80gb"], "engine": "as-written"}

    spec = specs.run_costs(plan("config", edit), "humaneval", "codellama-34b")
    assert (spec["time_accelerator"], spec["calibrated"], spec["engine"]) == (accelerator, calibrated, "as-written")
    assert spec["accelerators"] == ["a100-80gb"] and spec["architecture_file"].endswith("codellama-34b.json")


def test_the_calibration_reads_the_published_tables_and_this_runs_cpu_profiles():
    offline = plan("offline").calibration_sources()
    # the families' models built here (the released WizardCoder models have no weights to profile)
    assert [m for m, _ in offline["profiles"]] == ["tiny-s", "tiny-m", "tiny-l", "tiny-gqa-s", "tiny-gqa-l"]
    assert all(path.endswith(".json") for _, path in offline["profiles"])
    gpu = plan("config").calibration_sources()                   # profiled on a GPU: no CPU rows
    assert gpu["profiles"] == []
    absent = plan("config", lambda c: c["costs"].update(calibration={"published": "nothere.csv",
                                                                     "wizardcoder": "nothere"}))
    assert absent.calibration_sources() == {"published": None, "wizardcoder": None, "profiles": []}
    assert "results/costs/calibration.json" not in absent.targets()
