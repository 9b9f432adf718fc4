"""From verdicts to the curves the figures and tables draw.

pass@k is reported up to k = n/2, as the paper does (Section 3.3, after Chen et al. and
Roziere et al.): beyond it the estimate leans on too few subsets.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .budget import at_budget, normalised_costs
from .pass_at_k import mean_pass_at_k

BUDGET_TYPES = {"flops": "flops_per_sample", "time": "walltime_per_sample_s"}


def reported_k_max(n: int) -> int:
    return max(1, n // 2)


def task_counts(executions: pd.DataFrame) -> pd.DataFrame:
    """Samples and passes per task: columns task_id, n, c."""
    grouped = executions.groupby("task_id", sort=True)["passed"]
    return pd.DataFrame({"n": grouped.size(), "c": grouped.sum().astype(int)}).reset_index()


def pass_at_k_table(sampled: pd.DataFrame, greedy: pd.DataFrame | None = None) -> pd.DataFrame:
    """pass@k for every k <= n of the sampled run, and the greedy run's pass@1.

    Columns: decoding, k, pass_at_k (a fraction), n, problems.
    """
    counts = task_counts(sampled)
    if counts["n"].nunique() != 1:
        raise ValueError(f"every task needs the same number of samples; got {sorted(counts['n'].unique())}")
    n = int(counts["n"].iloc[0])
    curve = mean_pass_at_k(counts["n"], counts["c"], n)
    frame = pd.DataFrame({"decoding": "sampled", "k": np.arange(1, n + 1), "pass_at_k": curve,
                          "n": n, "problems": len(counts)})
    if greedy is not None:
        greedy_counts = task_counts(greedy)
        frame = pd.concat([frame, pd.DataFrame([{
            "decoding": "greedy", "k": 1, "pass_at_k": float(greedy_counts["c"].mean()),
            "n": 1, "problems": len(greedy_counts)}])], ignore_index=True)
    return frame


def sampled_curve(table: pd.DataFrame) -> np.ndarray:
    """pass@k for k = 1..n/2 from a :func:`pass_at_k_table`."""
    sampled = table[table["decoding"] == "sampled"].sort_values("k")
    return sampled["pass_at_k"].to_numpy()[:reported_k_max(int(sampled["n"].iloc[0]))]


def budget_curves(curves: dict[str, np.ndarray], costs: dict[str, dict], grid: np.ndarray) -> pd.DataFrame:
    """Score of each model at each budget of ``grid``, per budget type (Eq. 2-3, 5-6).

    ``curves`` maps model -> score for k = 1..K (pass@k or rank-score@k); ``costs`` maps model ->
    its per-sample costs.  Costs are normalised to the family's cheapest model; a budget type
    some model has no cost for (wall-time not measured) is left out for all.
    Columns: model, budget_type, budget, k, score.
    """
    rows = []
    for budget_type, key in BUDGET_TYPES.items():
        raw = {m: costs[m][key] for m in curves}
        if any(v is None for v in raw.values()):
            continue
        unit = normalised_costs(raw)
        for model, curve in curves.items():
            score, k = at_budget(curve, unit[model], grid)
            rows.append(pd.DataFrame({"model": model, "budget_type": budget_type, "budget": grid,
                                      "cost_per_sample": unit[model], "k": k, "score": score}))
    columns = ["model", "budget_type", "budget", "cost_per_sample", "k", "score"]
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=columns)
