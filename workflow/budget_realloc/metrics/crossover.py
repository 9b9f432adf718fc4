"""Which model wins at each budget, by how much, and whether the win is more than noise.

At every budget of a family's budget curves (metrics.curves.budget_curves) the models that can
report a score there are ranked by it; the best and the runner-up are compared.  A model that
ran out of samples (k > n/2) is ranked by its pass@(n/2), a lower bound, so it is never left out
— and where such a bound could still hide a better score than the winner's, the winner is not
``determined``.  The two are compared on the same resamples of the problems
(metrics.comparisons.pairs_table): the interval of their difference, and whether it excludes 0;
``bands_overlap`` keeps the weaker, marginal check for comparison.
"""

from __future__ import annotations

import pandas as pd

COLUMNS = ["benchmark", "family", "budget_type", "budget", "models", "best", "best_k", "best_censored",
           "best_score", "best_low", "best_high", "runner_up", "runner_up_k", "runner_up_censored",
           "runner_up_score", "runner_up_low", "runner_up_high", "margin", "margin_low", "margin_high",
           "significant", "determined", "bands_overlap"]


def crossover(curves: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
    """One row per (benchmark, family, budget_type, budget) where at least two models score, in
    that sort order.

    ``curves``: budget-curve rows (model, budget_type, budget, k, censored, score, score_low,
    score_high) with ``benchmark`` and ``family`` columns; within a family, rows list the models in
    the family's order, which breaks exact ties (the first listed, the smallest in the paper's
    families, is named best).  ``pairs``: metrics.comparisons.pairs_table rows with ``benchmark``
    and ``family`` columns (margin_low/high and significant are NaN/False where it has none).
    """
    pair_of = {(r.benchmark, r.family, r.budget_type, r.budget, r.smaller, r.larger): r
               for r in pairs.itertuples(index=False)}
    rows = []
    scored = curves.dropna(subset=["score"])
    for (benchmark, family, budget_type, budget), group in scored.groupby(
            ["benchmark", "family", "budget_type", "budget"]):
        if len(group) < 2:
            continue
        ranked = group.sort_values("score", ascending=False, kind="stable")
        best, runner_up = ranked.iloc[:2].itertuples()
        # a censored model's true score is at least its bound: one below the winner may still beat it
        hidden = ranked.iloc[1:]
        determined = not (hidden["censored"] & (hidden["score"] <= best.score)).any()
        order = list(group["model"])
        key = (benchmark, family, budget_type, budget) + tuple(sorted((best.model, runner_up.model), key=order.index))
        pair = pair_of.get(key)
        sign = 1 if pair is not None and pair.smaller == best.model else -1
        low, high = (sign * pair.low, sign * pair.high) if pair is not None else (float("nan"),) * 2
        rows.append({
            "benchmark": benchmark, "family": family, "budget_type": budget_type, "budget": budget,
            "models": len(group),
            **{f"{role}{suffix}": getattr(row, column)
               for role, row in (("best", best), ("runner_up", runner_up))
               for suffix, column in (("", "model"), ("_k", "k"), ("_censored", "censored"), ("_score", "score"),
                                      ("_low", "score_low"), ("_high", "score_high"))},
            "margin": best.score - runner_up.score, "margin_low": min(low, high), "margin_high": max(low, high),
            "significant": bool(pair is not None and pair.significant and determined),
            "determined": bool(determined),
            "bands_overlap": bool(best.score_low <= runner_up.score_high and runner_up.score_low <= best.score_high),
        })
    return pd.DataFrame(rows, columns=COLUMNS)
