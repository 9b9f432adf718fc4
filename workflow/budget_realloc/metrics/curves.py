"""From verdicts to the curves the figures and tables draw.

pass@k is reported up to k = n/2, as the paper does (Section 3.3, after Chen et al. and
Roziere et al.): beyond it the estimate leans on too few subsets.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..benchmarks import Problem
from ..errors import InputError
from ..costs import Costs, budget_types, normalised, shared_scenarios
from ..generation.sample_files import CountsFilter
from .grid import at_budget
from .bootstrap import percentile_band, resample_counts, resampled_means
from .pass_at_k import pass_at_k_curve

BUDGET_COLUMNS = ["model", "budget_type", "scenario", "budget", "cost_per_sample", "k", "censored", "score",
                  "score_low", "score_high"]


def reported_k_max(n: int) -> int:
    return max(1, n // 2)


def task_counts(executions: pd.DataFrame) -> pd.DataFrame:
    """Samples and passes per task: columns task_id, n, c."""
    grouped = executions.groupby("task_id", sort=True)["passed"]
    return pd.DataFrame({"n": grouped.size(), "c": grouped.sum().astype(int)}).reset_index()


def run_counts(path: str, decoding: str = "sampled", model: str | None = None,
               problems: list[Problem] | None = None, subset: bool = False,
               keep: CountsFilter = CountsFilter()) -> pd.DataFrame:
    """Per-task counts of one run: from its verdicts (``executions.parquet``), or from a counts
    CSV of published results (rows of ``model`` and ``decoding`` where the file has such columns,
    of the problems ``keep`` keeps; given the benchmark's ``problems``, checked against them and,
    with ``subset``, cut to them)."""
    if str(path).endswith(".parquet"):
        from ..io import read_parquet

        return task_counts(read_parquet(path))
    from ..generation.sample_files import read_counts

    return read_counts(path, problems, model, decoding, subset, keep)


def read_task_counts(path: str) -> dict[str, pd.DataFrame]:
    """A run's task_counts.csv (:func:`write_pass_at_k`) by decoding: task_id, n, c in task order."""
    frame = pd.read_csv(path)
    return {d: g.drop(columns="decoding").sort_values("task_id", kind="stable").reset_index(drop=True)
            for d, g in frame.groupby("decoding")}


def write_counts(executions: dict[str, dict[str, str]], out: str, published: dict[str, str] | None = None,
                 keep: CountsFilter = CountsFilter()) -> None:
    """results/<benchmark>/counts.csv: per-problem (n, c) of every run executed on a benchmark
    (``executions``: model -> decoding -> its verdicts), the summary that stands in for the
    samples where they cannot be shipped; or, for a benchmark of published counts
    (``published``: model -> its counts CSV), the rows of its problems (``keep``) with every
    column that describes them (platform, difficulty, contest_date), to ship in resources/."""
    from ..generation.sample_files import counts_records
    from ..io import write_csv

    if published:
        rows = [dict(record, model=model) for model, path in published.items()
                for _, record in counts_records(path, model, "sampled", keep)]
        frame = pd.DataFrame(rows)
        columns = ["model", "task_id", *[c for c in frame.columns if c not in ("model", "task_id", "n", "c")], "n", "c"]
        write_csv(frame[columns], out)
        return
    frames = [run_counts(path).assign(model=model, decoding=decoding)
              for model, runs in executions.items() for decoding, path in runs.items()]
    write_csv(pd.concat(frames, ignore_index=True)[["model", "decoding", "task_id", "n", "c"]], out)


def pass_at_k_table(sampled: pd.DataFrame, greedy: pd.DataFrame | None = None, *,
                    resamples: int, seed: int) -> pd.DataFrame:
    """pass@k for every k up to the smallest n of the sampled run, and the greedy run's pass@1,
    each with its 95% bootstrap band over problems (metrics.bootstrap; ``resamples`` draws from
    ``seed``).

    ``sampled`` and ``greedy`` are per-task counts (:func:`task_counts`: task_id, n, c).  A
    problem may have fewer samples than the others (generations made elsewhere): each keeps its
    own n in the estimator, and k stops at the smallest.
    Columns: decoding, k, pass_at_k, ci_low, ci_high (fractions), n (the smallest n), n_max, problems.
    """
    counts = sampled.sort_values("task_id", kind="stable").reset_index(drop=True)
    n = int(counts["n"].min())
    per_problem = pass_at_k_curve(counts["n"], counts["c"], n)
    draws = resample_counts(len(counts), resamples, seed)
    low, high = percentile_band(resampled_means(per_problem, draws))
    frame = pd.DataFrame({"decoding": "sampled", "k": np.arange(1, n + 1), "pass_at_k": per_problem.mean(axis=0),
                          "ci_low": low, "ci_high": high, "n": n, "n_max": int(counts["n"].max()),
                          "problems": len(counts)})
    if greedy is not None:
        greedy_counts = greedy.sort_values("task_id", kind="stable").reset_index(drop=True)
        if not greedy_counts["task_id"].equals(counts["task_id"]):
            raise InputError("the greedy run must cover the same tasks as the sampled run")
        rate = greedy_counts["c"] / greedy_counts["n"]
        low, high = percentile_band(resampled_means(rate, draws))
        frame = pd.concat([frame, pd.DataFrame([{
            "decoding": "greedy", "k": 1, "pass_at_k": float(rate.mean()), "ci_low": float(low),
            "ci_high": float(high), "n": 1, "n_max": 1, "problems": len(greedy_counts)}])], ignore_index=True)
    return frame


def sampled_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The sampled rows of a :func:`pass_at_k_table` for k = 1..n/2, the k the paper reports."""
    sampled = table[table["decoding"] == "sampled"].sort_values("k")
    return sampled.iloc[:reported_k_max(int(sampled["n"].iloc[0]))]


def greedy_row(table: pd.DataFrame) -> pd.Series | None:
    """The greedy row of a :func:`pass_at_k_table` (pass@1 and its band), None without a greedy run."""
    greedy = table[table["decoding"] == "greedy"]
    return greedy.iloc[0] if len(greedy) else None


def budget_curves(tables: dict[str, pd.DataFrame], costs: dict[str, Costs], grid: np.ndarray) -> pd.DataFrame:
    """pass_flops@f and pass_time@t of each model at each budget of ``grid`` (Eq. 2-3), with the
    95% band read off the pass@k band at the same k.

    A budget that buys more samples than a model's curve reports (k > n/2) is censored: the model
    ran out of samples, not of budget, and pass@k never falls as k grows, so its score there is
    at least its pass@(n/2) — kept as that lower bound (``censored`` True), never dropped, so no
    other model is ever best there by its absence.  A budget that buys no sample scores NaN.

    ``tables`` maps model -> its :func:`pass_at_k_table`; ``costs`` maps model -> its per-sample
    costs.  Costs are normalised to the family's cheapest model; a budget type some model has no
    cost for (wall-time not measured) is left out for all.  A modelled hardware axis is drawn
    once per efficiency scenario its costs are priced under (``scenario``: central, then each
    corner of the range, each normalised to that scenario's cheapest model); every other axis
    has the central one only.
    Columns: BUDGET_COLUMNS.
    """
    rows = []
    family = {m: costs[m] for m in tables}
    for budget_type in budget_types(family.values()):
        for scenario in shared_scenarios(family.values(), budget_type):
            rows += _scenario_curves(tables, family, budget_type, scenario, grid)
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=BUDGET_COLUMNS)


def _scenario_curves(tables, costs, budget_type: str, scenario: str, grid) -> list[pd.DataFrame]:
    rows = []
    unit = normalised(costs, budget_type, scenario)
    if unit is not None:
        for model, table in tables.items():
            sampled = sampled_rows(table)
            values = {}
            for column in ("pass_at_k", "ci_low", "ci_high"):
                curve = sampled[column].to_numpy()
                values[column], k = at_budget(curve, unit[model], grid)
                censored = k > curve.size
                values[column][censored] = curve[-1]
            rows.append(pd.DataFrame({"model": model, "budget_type": budget_type, "scenario": scenario, "budget": grid,
                                      "cost_per_sample": unit[model], "k": k, "censored": censored,
                                      "score": values["pass_at_k"], "score_low": values["ci_low"],
                                      "score_high": values["ci_high"]}))
    return rows


def write_pass_at_k(sampled: str, greedy: str | None, model: str | None, *, resamples: int, seed: int,
                    out: str, counts_out: str, problems: str | None = None, subset: bool = False,
                    keep: CountsFilter = CountsFilter()) -> pd.DataFrame:
    """results/<benchmark>/<model>/pass_at_k.csv from a run's verdicts or published counts, and
    beside it the run's per-problem counts (``task_counts.csv``: decoding, task_id, n, c) that the
    paired comparisons, cost to match and extrapolation start from.  ``problems`` (the
    benchmark's problems.parquet), ``subset``, ``keep``: see :func:`run_counts`."""
    from ..benchmarks import read_problems
    from ..io import write_csv

    benchmark = read_problems(problems) if problems else None
    counts = {"sampled": run_counts(sampled, "sampled", model, benchmark, subset, keep)}
    if greedy:
        counts["greedy"] = run_counts(greedy, "greedy", model, benchmark, subset, keep)
    table = pass_at_k_table(counts["sampled"], counts.get("greedy"), resamples=resamples, seed=seed)
    write_csv(pd.concat([c.assign(decoding=d) for d, c in counts.items()])[["decoding", "task_id", "n", "c"]],
              counts_out)
    write_csv(table, out)
    return table
