"""Jobs as values: what the plan builds for each rule, its input files, its JSON, its flags."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from budget_realloc.cli import build_parser
from budget_realloc.config import load_yaml, validate_config
from budget_realloc.costs import Costs
from budget_realloc.execution.job import Limits, TimePolicy
from budget_realloc.jobs import KINDS, from_json
from budget_realloc.jobs.base import from_arguments
from budget_realloc.jobs.costs import RunCosts
from budget_realloc.jobs.execution import ExecuteShard
from budget_realloc.jobs.metrics import BudgetCurves, RunCounts
from budget_realloc.jobs.ranking import RankScore
from budget_realloc.jobs.reports import BudgetFigure, CostTable, PasskTable, RankingFigure
from budget_realloc.plan import Plan
from budget_realloc.reporting import draw_ranking_figure
from conftest import REPO, shared


@pytest.fixture(autouse=True)
def in_repo(monkeypatch):
    monkeypatch.chdir(REPO)


def plan(name: str, edit=lambda c: None) -> Plan:
    config = load_yaml(REPO / "config" / f"{name}.yaml")
    edit(config)
    return Plan(validate_config(config))


def test_a_jobs_inputs_are_its_input_fields_files_once_each():
    job = RankingFigure(title="t", models=("a",), labels={"a": "A"}, panels={"b": "B"}, rank_score={"b": "r.csv"},
                        pass_at_k={"b": {"a": "p.csv", "c": "p.csv"}}, costs={"b": {"a": "c.json"}}, pdf="f.pdf",
                        png="f.png")
    assert job.inputs() == {"rank_score": ["r.csv"], "pass_at_k": ["p.csv"], "costs": ["c.json"]}
    assert job.outputs() == {"pdf": "f.pdf", "png": "f.png"}


@pytest.mark.parametrize("name", ["offline", "config", "released"])
def test_every_job_the_plans_build_survives_its_json(name):
    """A job read back from the JSON a rule passes is the job the plan built, for every kind the
    shipped configs build."""
    if name == "released":
        shared("generations/wizardcoder_python_humaneval")      # it has no counts to fall back to
    current = plan(name)
    built = 0
    for kind, cls in KINDS.items():
        for job in _examples(current, kind, cls):
            assert from_json(job.to_json()) == job, kind
            built += 1
    assert built > 15


def _examples(current, kind, cls):
    run = current.executed()[0]
    figure = current.budget_figures()[0]
    wildcards = {"benchmark": run.benchmark, "model": run.model, "decoding": "sampled", "shard": "0000",
                 "family": figure.family, "figure": figure.figure, "table": "table1", "stage": "executions"}
    if kind in ("evaluate", "predict-throughput", "select", "generated-tests", "rank-score", "rank-nll", "verify",
                "figure-ranking", "table-passk", "build-model", "walltime", "generate"):
        return []                      # built only by the configs that have them; covered below
    if kind == "costs":
        return [cls.of(current, run.model), cls.measured(current, run.benchmark, run.model)]
    if kind == "import":
        return [cls.of(current, r.benchmark, r.model, "sampled") for r in current.executed() if r.made_elsewhere]
    if kind == "probe":
        return [cls.of(current, s.benchmark, s.models[0], "sampled", "0000") for s in current.selections()]
    import inspect

    names = list(inspect.signature(cls.of).parameters)[1:]
    return [cls.of(current, **{n: wildcards[n] for n in names})]


def test_budget_figures_name_their_runs_curves_and_the_papers_points():
    paper = plan("config")
    fig2 = BudgetFigure.of(paper, "fig2")
    assert fig2.title.startswith("Figure 2: HumanEval (164 problems); Code Llama 7B")
    assert fig2.budget == "results/humaneval/budget-codellama.csv"
    assert fig2.paper["codellama-70b"] == {"benchmark": "humaneval", "model": "Code Llama 70B",
                                           "table1_row": "Code Llama 70B"}
    assert set(fig2.inputs()) == {"pass_at_k", "budget", "extrapolated", "costs"}
    fig10 = BudgetFigure.of(paper, "fig10")
    assert fig10.paper["llama3-8b"]["table1_row"] == "Code Llama 7B"    # footnote 3: 7B's cost stands in


def test_our_figures_take_their_own_title_and_say_where_counts_came_from():
    def without_shared(config):
        config["benchmarks"]["humaneval-full"]["path"] = "/nonexistent/HumanEval.jsonl.gz"

    released = BudgetFigure.of(plan("offline", without_shared), "fig2")
    assert released.title.startswith("Figure 2 layout on instruction-tuned Code Llama (WizardCoder-Python), not the "
                                      "paper's base models: HumanEval (164 problems); WizardCoder-Python 7B")
    assert released.notes == ("WizardCoder-Python 7B, WizardCoder-Python 13B, WizardCoder-Python 34B: per-problem "
                              "pass counts read from resources/released/humaneval-counts.csv (nothing executed)",)
    assert released.paper == {}


def test_budget_curves_ranking_and_tables_read_what_the_plan_writes():
    offline = plan("offline")
    mbpp = offline.resolve(["mbpp", "minieval"])         # the real MBPP where ../shared is there
    curves = BudgetCurves.of(offline, mbpp, "tiny")
    assert curves.pass_at_k == {m: f"results/{mbpp}/{m}/pass_at_k.csv" for m in ("tiny-s", "tiny-m", "tiny-l")}
    assert curves.grid.log2_max == 6
    score = RankScore.of(offline, mbpp, "tiny-s", "verifier")
    assert score.nll["tiny-l"] == f"results/{mbpp}/tiny-s/ranking/nll-tiny-l.parquet"
    assert score.verifier_flops == "results/costs/tiny-verifier.flops.json"
    assert RankScore.of(offline, mbpp, "tiny-s", "nll").verifier_scores is None
    table2 = PasskTable.of(offline, "table2")
    shown = offline.passk_tables()["table2"][0]         # HumanEval where ../shared is there, else MiniEval
    assert table2.rows[0] == (offline.benchmark(shown).label, "tiny-S (random init)")
    assert table2.pass_at_k[0] == f"results/{shown}/tiny-s/pass_at_k.csv"
    assert CostTable.of(offline).costs["wizardcoder-python-7b"] == "results/costs/wizardcoder-python-7b.costs.json"


def test_counts_list_every_executed_run_and_decoding():
    offline = plan("offline")
    mbpp = offline.resolve(["mbpp", "minieval"])
    runs = RunCounts.of(offline, mbpp).executions
    assert {(m, d) for m, decodings in runs.items() for d in decodings} == \
        {(m, d) for m in offline.benchmark(mbpp).models for d in ("sampled", "greedy")}
    assert all(path == f"results/{mbpp}/{m}/{d}/executions.parquet"
               for m, decodings in runs.items() for d, path in decodings.items())


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
    job = RankingFigure(title="t", models=("small", "large"), labels={"small": "S", "large": "L"}, panels={"b": "p"},
                        rank_score={"b": str(tmp_path / "scores.csv")},
                        pass_at_k={"b": {m: str(tmp_path / f"{m}.csv") for m in ("small", "large")}},
                        costs={"b": {m: str(tmp_path / f"{m}.json") for m in ("small", "large")}},
                        pdf=str(tmp_path / "f.pdf"), png=str(tmp_path / "f.png"))
    figure = draw_ranking_figure(job)
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

    job = RunCosts.of(plan("config", edit), "humaneval", "codellama-34b")
    assert (job.time_accelerator, job.calibrated, job.engine) == (accelerator, calibrated, "as-written")
    assert job.accelerators == ("a100-80gb",) and job.architecture_file.endswith("codellama-34b.json")


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


def test_flags_by_hand_build_the_job_a_rule_would_with_the_schemas_defaults():
    args = build_parser().parse_args(["execute", "--problems", "p.parquet", "--generations", "g.parquet", "--out",
                                      "e.parquet", "--timeout", "3", "--memory-mb", "512", "--workers", "2"])
    job = from_arguments(KINDS["execute"], vars(args))
    assert job == ExecuteShard(problems="p.parquet", generations="g.parquet", out="e.parquet",
                               limits=Limits(timeout_s=3.0, memory_mb=512), policy=TimePolicy(), workers=2)
    assert job.policy.factor == load_yaml(REPO / "config" / "schema.yaml")["properties"]["execution"][
        "properties"]["reference_factor"]["default"]
    imported = from_arguments(KINDS["import"], vars(build_parser().parse_args(
        ["import", "--problems", "p", "--n", "3", "--format", "counts", "--out", "o", "a.csv", "b.csv"])))
    assert imported.files == ("a.csv", "b.csv") and imported.n == 3
