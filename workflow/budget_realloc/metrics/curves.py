"""From verdicts to the curves the figures and tables draw.

pass@k is reported up to k = n/2, as the paper does (Section 3.3, after Chen et al. and
Roziere et al.): beyond it the estimate leans on too few subsets.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .budget import at_budget, normalised_costs
from .bootstrap import percentile_band, resample_counts, resampled_means
from .pass_at_k import pass_at_k_curve

BUDGET_TYPES = {"flops": "flops_per_sample", "time": "walltime_per_sample_s"}
BUDGET_COLUMNS = ["model", "budget_type", "budget", "cost_per_sample", "k", "score", "score_low", "score_high"]


def reported_k_max(n: int) -> int:
    return max(1, n // 2)


def task_counts(executions: pd.DataFrame) -> pd.DataFrame:
    """Samples and passes per task: columns task_id, n, c."""
    grouped = executions.groupby("task_id", sort=True)["passed"]
    return pd.DataFrame({"n": grouped.size(), "c": grouped.sum().astype(int)}).reset_index()


def pass_at_k_table(sampled: pd.DataFrame, greedy: pd.DataFrame | None = None, *,
                    resamples: int, seed: int) -> pd.DataFrame:
    """pass@k for every k <= n of the sampled run and the greedy run's pass@1, each with its
    95% bootstrap band over problems (metrics.bootstrap; ``resamples`` draws from ``seed``).

    Columns: decoding, k, pass_at_k, ci_low, ci_high (fractions), n, problems.
    """
    counts = task_counts(sampled)
    if counts["n"].nunique() != 1:
        raise ValueError(f"every task needs the same number of samples; got {sorted(counts['n'].unique())}")
    n = int(counts["n"].iloc[0])
    per_problem = pass_at_k_curve(counts["n"], counts["c"], n)
    draws = resample_counts(len(counts), resamples, seed)
    low, high = percentile_band(resampled_means(per_problem, draws))
    frame = pd.DataFrame({"decoding": "sampled", "k": np.arange(1, n + 1), "pass_at_k": per_problem.mean(axis=0),
                          "ci_low": low, "ci_high": high, "n": n, "problems": len(counts)})
    if greedy is not None:
        greedy_counts = task_counts(greedy)
        if not greedy_counts["task_id"].equals(counts["task_id"]):
            raise ValueError("the greedy run must cover the same tasks as the sampled run")
        low, high = percentile_band(resampled_means(greedy_counts["c"] / greedy_counts["n"], draws))
        frame = pd.concat([frame, pd.DataFrame([{
            "decoding": "greedy", "k": 1, "pass_at_k": float(greedy_counts["c"].mean()),
            "ci_low": float(low), "ci_high": float(high), "n": 1, "problems": len(greedy_counts)}])],
            ignore_index=True)
    return frame


def sampled_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The sampled rows of a :func:`pass_at_k_table` for k = 1..n/2, the k the paper reports."""
    sampled = table[table["decoding"] == "sampled"].sort_values("k")
    return sampled.iloc[:reported_k_max(int(sampled["n"].iloc[0]))]


def greedy_row(table: pd.DataFrame) -> pd.Series | None:
    """The greedy row of a :func:`pass_at_k_table` (pass@1 and its band), None without a greedy run."""
    greedy = table[table["decoding"] == "greedy"]
    return greedy.iloc[0] if len(greedy) else None


def budget_curves(tables: dict[str, pd.DataFrame], costs: dict[str, dict], grid: np.ndarray) -> pd.DataFrame:
    """pass_flops@f and pass_time@t of each model at each budget of ``grid`` (Eq. 2-3), with the
    95% band read off the pass@k band at the same k.

    ``tables`` maps model -> its :func:`pass_at_k_table`; ``costs`` maps model -> its per-sample
    costs.  Costs are normalised to the family's cheapest model; a budget type some model has no
    cost for (wall-time not measured) is left out for all.
    Columns: BUDGET_COLUMNS.
    """
    rows = []
    for budget_type, key in BUDGET_TYPES.items():
        raw = {m: costs[m][key] for m in tables}
        if any(v is None for v in raw.values()):
            continue
        unit = normalised_costs(raw)
        for model, table in tables.items():
            sampled = sampled_rows(table)
            score, k = at_budget(sampled["pass_at_k"], unit[model], grid)
            low, _ = at_budget(sampled["ci_low"], unit[model], grid)
            high, _ = at_budget(sampled["ci_high"], unit[model], grid)
            rows.append(pd.DataFrame({"model": model, "budget_type": budget_type, "budget": grid,
                                      "cost_per_sample": unit[model], "k": k, "score": score,
                                      "score_low": low, "score_high": high}))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=BUDGET_COLUMNS)
