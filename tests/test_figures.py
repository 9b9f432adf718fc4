"""Figures read by their plotted data (matplotlib artists), not pixels; the paper overlay exact."""

from __future__ import annotations

import csv
import dataclasses

import numpy as np
import pandas as pd
import pytest

from conftest import REPO
from budget_realloc.config import load_yaml, validate_config
from budget_realloc.costs import Costs
from budget_realloc.jobs import from_json
from budget_realloc.jobs.reports import BudgetFigure
from budget_realloc.metrics.curves import budget_curves
from budget_realloc.metrics.grid import log2_budget_grid
from budget_realloc.plan import Plan
from budget_realloc.reporting import draw_budget_figure

PAPER = REPO / "resources" / "paper"


def published() -> dict[tuple[str, str], dict[int, float]]:
    """(benchmark, model) -> {k: pass@k in percent}, straight from the shipped CSV."""
    out: dict[tuple[str, str], dict[int, float]] = {}
    with open(PAPER / "pass_at_k.csv") as handle:
        for row in csv.DictReader(handle):
            out.setdefault((row["benchmark"], row["model"]), {})[int(row["k"])] = float(row["pass_at_k"])
    return out


def table1() -> dict[str, dict[str, float]]:
    with open(PAPER / "table1_costs.csv") as handle:
        return {row["model"]: {"flops": float(row["flops_norm"]), "time": float(row["walltime_norm"])}
                for row in csv.DictReader(handle)}


def run_table_through(points: dict[int, float], n: int, greedy: float) -> pd.DataFrame:
    """A pass_at_k table whose pass@k at the paper's k are the paper's values (percent -> fraction),
    log-linear in k between them and flat after the last."""
    ks = np.array(sorted(points), dtype=float)
    values = np.array([points[int(k)] for k in ks]) / 100
    k = np.arange(1, n + 1)
    curve = np.interp(np.log(k), np.log(ks), values)
    exact = {int(kk): v for kk, v in zip(ks, values)}
    curve = np.array([exact.get(int(kk), v) for kk, v in zip(k, curve)])
    frame = pd.DataFrame({"decoding": "sampled", "k": k, "pass_at_k": curve, "ci_low": np.clip(curve - 0.02, 0, 1),
                          "ci_high": np.clip(curve + 0.02, 0, 1), "n": n, "problems": 164})
    greedy_row = {"decoding": "greedy", "k": 1, "pass_at_k": greedy, "ci_low": greedy - 0.03,
                  "ci_high": greedy + 0.03, "n": 1, "problems": 164}
    return pd.concat([frame, pd.DataFrame([greedy_row])], ignore_index=True)


def artists(ax, prefix: str) -> dict[str, object]:
    """The artists of one kind on an axis, by model: ``run:``, ``band:``, ``greedy:``, ``paper:``."""
    found = [a for a in [*ax.lines, *ax.collections] if (a.get_gid() or "").startswith(prefix)]
    return {a.get_gid()[len(prefix):]: a for a in found}


def paper_fed_figure(tmp_path, figure: str):
    """Plan ``figure`` of config/config.yaml, give every run the paper's own pass@k (Tables 2-4)
    and costs proportional to the paper's normalised Table 1 costs, and draw it."""
    plan = Plan(validate_config(load_yaml(REPO / "config" / "config.yaml")))
    job = BudgetFigure.of(plan, figure)
    job = from_json(job.to_json())                      # as the rule passes it
    values, costs = published(), table1()
    benchmark = plan.benchmark(plan.budget_figure(figure).benchmark)
    tables, model_costs = {}, {}
    for model in job.models:
        entry = plan.model(model)
        points = values[(benchmark.paper, entry.paper)]
        tables[model] = run_table_through(points, benchmark.n[model], greedy=points[1] / 100 + 0.01)
        unit = costs[entry.paper_cost_name]
        model_costs[model] = Costs(flops=unit["flops"] * 1e12, seconds=unit["time"])
    pass_at_k = {m: str(tmp_path / f"{m}.csv") for m in job.models}        # the planned files, under tmp_path
    for model, table in tables.items():
        table.to_csv(pass_at_k[model], index=False)
    budget = tmp_path / "budget.csv"                    # the family's budget curves, as the metrics stage writes them
    budget_curves(tables, model_costs, log2_budget_grid(0, 8, 4)).to_csv(budget, index=False)
    cost_files = {m: str(tmp_path / f"{m}.costs.json") for m in job.models}
    for model, path in cost_files.items():
        model_costs[model].write(path)
    job = dataclasses.replace(job, pass_at_k=pass_at_k, budget=str(budget), extrapolated={}, costs=cost_files,
                              pdf=str(tmp_path / "f.pdf"), png=str(tmp_path / "f.png"))
    return draw_budget_figure(job), job, plan


@pytest.fixture(scope="module")
def fig2(tmp_path_factory):
    return paper_fed_figure(tmp_path_factory.mktemp("fig2"), "fig2")


def test_fig2_fed_the_papers_table2_draws_every_run_point_on_its_paper_marker(fig2):
    fig, job, plan = fig2
    values, costs = published(), table1()
    assert set(job.paper) == {"codellama-7b", "codellama-13b", "codellama-34b", "codellama-70b"}
    for ax, budget_type in zip(fig.axes[:3], ("samples", "flops", "time")):
        runs, marks = artists(ax, "run:"), artists(ax, "paper:")
        assert set(marks) == set(runs) == set(job.paper)
        for model in job.paper:
            name = plan.model(model).paper
            points = values[("humaneval", name)]
            unit = 1.0 if budget_type == "samples" else costs[name][budget_type]
            expected = np.array([[k * unit, v] for k, v in sorted(points.items())])
            offsets = np.array(sorted(map(tuple, marks[model].get_offsets())))
            np.testing.assert_allclose(offsets, expected, rtol=1e-12)        # markers where the paper put them
            run_x, run_y = runs[model].get_xdata(), runs[model].get_ydata()
            for x, y in expected:                                             # and the run's points on them
                at = np.flatnonzero(np.isclose(run_x, x, rtol=1e-12))
                assert at.size == 1, (model, budget_type, x)
                assert run_y[at[0]] == pytest.approx(y, rel=1e-12)
            # the run is drawn up to k = n/2: one vertex per k
            assert run_x.size == plan.benchmark("humaneval").n[model] // 2
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend[:4] == ["Code Llama 7B", "Code Llama 13B", "Code Llama 34B", "Code Llama 70B"]  # family order


def test_fig10_llama3_markers_sit_at_the_code_llama_cost_rows(tmp_path):
    fig, _, _ = paper_fed_figure(tmp_path, "fig10")
    values, costs = published(), table1()
    marks = artists(fig.axes[1], "paper:")
    assert set(marks) == {"llama3-8b", "llama3-70b"}
    offsets = np.array(sorted(map(tuple, marks["llama3-70b"].get_offsets())))
    expected = [[k * costs["Code Llama 70B"]["flops"] / costs["Code Llama 7B"]["flops"], v]
                for k, v in sorted(values[("humaneval", "Llama-3 70B")].items())]
    np.testing.assert_allclose(offsets, expected, rtol=1e-12)


def test_stars_and_bands_are_at_the_runs_cost(fig2):
    fig, job, plan = fig2
    costs = table1()
    ax = fig.axes[1]
    stars, bands = artists(ax, "greedy:"), artists(ax, "band:")
    for model in job.labels:
        table = pd.read_csv(job.pass_at_k[model])
        greedy = table[table["decoding"] == "greedy"].iloc[0]
        np.testing.assert_allclose(stars[model].get_offsets(),
                                   [[costs[plan.model(model).paper]["flops"], 100 * greedy["pass_at_k"]]])
        # the band polygon spans ci_low..ci_high over x = k * cost for k = 1..n/2
        vertices = bands[model].get_paths()[0].vertices
        sampled = table[(table["decoding"] == "sampled") & (table["k"] <= table["n"] // 2)]
        assert vertices[:, 1].min() == pytest.approx(100 * sampled["ci_low"].min())
        assert vertices[:, 1].max() == pytest.approx(100 * sampled["ci_high"].max())
        assert vertices[:, 0].max() == pytest.approx(costs[plan.model(model).paper]["flops"] * len(sampled))
    for ax, label in zip(fig.axes, ("(a) k", "(b) normalised FLOPs", "(c) normalised time (device-seconds)")):
        assert ax.get_xscale() == "log" and ax.xaxis.get_transform().base == 2 and ax.get_xlabel() == label


def test_no_overlay_where_the_benchmark_or_model_is_not_the_papers():
    plan = Plan(validate_config(load_yaml(REPO / "config" / "offline.yaml")))
    assert all(BudgetFigure.of(plan, f.figure).paper == {} for f in plan.budget_figures())
    config = load_yaml(REPO / "config" / "config.yaml")
    del config["benchmarks"]["humaneval"]["paper"]
    plan = Plan(validate_config(config))
    assert BudgetFigure.of(plan, "fig2").paper == {}
    assert set(BudgetFigure.of(plan, "fig3").paper) == {"codellama-7b", "codellama-13b", "codellama-34b", "codellama-70b"}


def test_an_all_zero_run_reads_as_zero(tmp_path):
    from budget_realloc.figures import budget_figure

    zero = pd.DataFrame({"decoding": ["sampled"] * 4 + ["greedy"], "k": [1, 2, 3, 4, 1], "pass_at_k": 0.0,
                         "ci_low": 0.0, "ci_high": 0.0, "n": [4] * 4 + [1], "problems": 12})
    costs = {"a": Costs(flops=1.0)}
    fig = budget_figure(tables={"a": zero}, budget=budget_curves({"a": zero}, costs, np.array([1.0])),
                        labels={"a": "A"}, title="t", pdf=str(tmp_path / "z.pdf"), png=str(tmp_path / "z.png"),
                        costs=costs)
    low, high = fig.axes[0].get_ylim()
    assert low < 0 < high and high >= 5                     # the zero line sits above the axis, not on it
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert "every score is 0" in texts
    assert (tmp_path / "z.png").stat().st_size > 10_000


def test_only_the_axes_with_costs_are_drawn_and_the_others_are_named(tmp_path):
    from budget_realloc.figures import budget_figure

    def table(values):
        return pd.DataFrame({"decoding": "sampled", "k": np.arange(1, 5), "pass_at_k": values, "ci_low": values,
                             "ci_high": values, "n": 8, "problems": 10})

    tables = {"a": table([0.1, 0.2, 0.3, 0.4]), "b": table([0.3, 0.4, 0.5, 0.6])}
    for costs, drawn, note in [
            ({"a": Costs(flops=1.0, seconds=1.0), "b": Costs(flops=2.0)},
             ["(a) k", "(b) normalised FLOPs"], "no time panel: no time cost for B"),
            ({"a": Costs(), "b": Costs()}, ["(a) k"], "no flops panel: no flops cost for A, B"),
            ({"a": Costs(flops=1.0, seconds=2.0), "b": Costs(flops=2.0, seconds=3.0)},
             ["(a) k", "(b) normalised FLOPs", "(c) normalised time (device-seconds)"], None)]:
        fig = budget_figure(tables=tables, budget=budget_curves(tables, costs, np.array([1.0, 2.0])),
                            labels={"a": "A", "b": "B"}, title="t", pdf=str(tmp_path / "f.pdf"),
                            png=str(tmp_path / "f.png"), costs=costs)
        shown = [ax for ax in fig.axes if ax.get_visible()]
        assert [ax.get_xlabel() for ax in shown] == drawn
        assert all(artists(ax, "run:").keys() == {"a", "b"} for ax in shown)     # no panel is drawn empty
        title = fig._suptitle.get_text()
        assert (note in title) if note else ("panel" not in title), title


def test_shipped_paper_numbers_are_the_transcribed_tables():
    from conftest import shared

    transcribed = shared("../paper/tables/tables2-4_pass_at_k.csv")
    assert (PAPER / "pass_at_k.csv").read_text() == transcribed.read_text()
    with open(transcribed.parent / "table1_costs.csv") as handle:
        rows = {row["size_b"]: row for row in csv.DictReader(handle)}
    with open(PAPER / "table1_costs.csv") as handle:
        for row in csv.DictReader(handle):
            source = rows[row["size_b"]]
            assert row["model"] == f"Code Llama {row['size_b']}B"
            assert {k: row[k] for k in ("flops_tera", "flops_norm", "walltime_s", "walltime_norm")} == \
                {k: source[k] for k in ("flops_tera", "flops_norm", "walltime_s", "walltime_norm")}


def test_an_overlaid_model_without_a_table1_row_is_an_error():
    from budget_realloc.errors import InputError
    from budget_realloc.reporting import published

    with pytest.raises(InputError, match="no row 'Llama-3 8B'"):
        published({"m": {"benchmark": "humaneval", "model": "Llama-3 8B", "table1_row": "Llama-3 8B"}})
    assert published({"m": {"benchmark": "apps-interview", "model": "Llama-3 8B", "table1_row": "Code Llama 7B"}}) == {}


def test_a_modelled_axis_draws_each_curve_across_its_efficiency_range(tmp_path):
    from budget_realloc.figures import budget_figure

    def table(values):
        k = np.arange(1, len(values) + 1)
        return pd.DataFrame({"decoding": "sampled", "k": k, "pass_at_k": values, "ci_low": values, "ci_high": values,
                             "n": 2 * len(values), "problems": 10})

    # central: small 1, large 3; a corner where the small one costs 2 (normalised: small 1, large 1.5)
    costs = {"small": Costs(flops=1.0, extra={"time@h200": 1.0},
                            scenarios={"time@h200": {"central": 1.0, "corner:w": 2.0}}),
             "large": Costs(flops=5.0, extra={"time@h200": 3.0},
                            scenarios={"time@h200": {"central": 3.0, "corner:w": 3.0}})}
    tables = {"small": table(np.array([0.2, 0.3, 0.4, 0.5])), "large": table(np.array([0.5, 0.6, 0.65, 0.7]))}
    fig = budget_figure(tables=tables, budget=budget_curves(tables, costs, np.array([1.0])),
                        labels={"small": "S", "large": "L"}, title="t",
                        pdf=str(tmp_path / "r.pdf"), png=str(tmp_path / "r.png"))
    panel = next(ax for ax in fig.axes if "H200" in ax.get_xlabel())
    ranges = artists(panel, "range:")
    assert set(ranges) == {"small", "large"}
    # the large model's hatching spans 1.5 k .. 3 k at its pass@k; the small one's 1 k .. 1 k
    xs = ranges["large"].get_paths()[0].vertices[:, 0]
    assert xs.min() == pytest.approx(1.5) and xs.max() == pytest.approx(12.0)
    assert not artists(fig.axes[1], "range:")                          # FLOPs: no range
