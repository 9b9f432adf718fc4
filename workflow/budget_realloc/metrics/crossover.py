"""Which model wins at each budget, by how much, and whether the win is more than noise.

At every budget of a family's budget curves (metrics.curves.budget_curves) the models that
can report a score there are ranked by it; the best and the runner-up are compared, and their
95% bootstrap bands are checked for overlap.  Overlapping bands mean this benchmark's problems
cannot tell the two apart at that budget: the crossing is not established.
"""

from __future__ import annotations

import pandas as pd

COLUMNS = ["benchmark", "family", "budget_type", "budget", "models", "best", "best_k", "best_score",
           "best_low", "best_high", "runner_up", "runner_up_k", "runner_up_score", "runner_up_low",
           "runner_up_high", "margin", "bands_overlap"]


def crossover(curves: pd.DataFrame) -> pd.DataFrame:
    """One row per (benchmark, family, budget_type, budget) where at least two models score, in
    that sort order.

    ``curves``: budget-curve rows (model, budget_type, budget, k, score, score_low, score_high)
    with ``benchmark`` and ``family`` columns; within a family, rows list the models in the
    family's order, which breaks exact ties (the first listed, the smallest in the paper's
    families, is named best).  Budgets that buy no sample of a model, or more than n/2, give it
    no score there (NaN) and it is left out of that comparison.
    """
    rows = []
    scored = curves.dropna(subset=["score"])
    for (benchmark, family, budget_type, budget), group in scored.groupby(
            ["benchmark", "family", "budget_type", "budget"]):
        if len(group) < 2:
            continue
        best, runner_up = group.sort_values("score", ascending=False, kind="stable").iloc[:2].itertuples()
        rows.append({
            "benchmark": benchmark, "family": family, "budget_type": budget_type, "budget": budget,
            "models": len(group),
            **{f"{role}{suffix}": getattr(row, column)
               for role, row in (("best", best), ("runner_up", runner_up))
               for suffix, column in (("", "model"), ("_k", "k"), ("_score", "score"),
                                      ("_low", "score_low"), ("_high", "score_high"))},
            "margin": best.score - runner_up.score,
            "bands_overlap": bool(best.score_low <= runner_up.score_high and runner_up.score_low <= best.score_high),
        })
    return pd.DataFrame(rows, columns=COLUMNS)
