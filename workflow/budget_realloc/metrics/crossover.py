"""Which model wins at each budget, by how much, and whether the win is more than noise.

At every budget of a family's budget curves (metrics.curves.budget_curves) the models that can
report a score there are ranked by it; the best and the runner-up are compared.  A model that
ran out of samples (k > n/2) is ranked by its pass@(n/2), a lower bound, so it is never left out
— and where such a bound could still hide a better score than the winner's, the winner is not
``determined``.  The two are compared on the same resamples of the problems
(metrics.comparisons.pairs_table): the interval of their difference, and whether it excludes 0;
``bands_overlap`` keeps the weaker, marginal check for comparison.

A modelled hardware axis is priced under several efficiency scenarios (costs.efficiency: the
central one and every corner of its range); the crossover is reported at the central one, and
``robust`` says whether the best model is the same under every scenario (``robust``) or not
(``depends on efficiency``), with how many scenarios each model wins (``scenario_winners``).
"""

from __future__ import annotations

import pandas as pd

from ..costs.efficiency import CENTRAL

COLUMNS = ["benchmark", "family", "budget_type", "budget", "models", "best", "best_k", "best_censored",
           "best_score", "best_low", "best_high", "runner_up", "runner_up_k", "runner_up_censored",
           "runner_up_score", "runner_up_low", "runner_up_high", "margin", "margin_low", "margin_high",
           "significant", "determined", "bands_overlap", "robust", "scenario_winners"]
SUMMARY_COLUMNS = ["benchmark", "family", "budget_type", "model", "budgets", "leads", "leads_determined",
                   "leads_robust", "scenarios", "cost_low", "cost_central", "cost_high"]
KEYS = ["benchmark", "family", "budget_type", "budget"]


def _ranked(group: pd.DataFrame):
    """(best, runner-up, determined) of one budget's scores."""
    ranked = group.sort_values("score", ascending=False, kind="stable")
    best, runner_up = ranked.iloc[:2].itertuples()
    # a censored model's true score is at least its bound: one below the winner may still beat it
    hidden = ranked.iloc[1:]
    return best, runner_up, not (hidden["censored"] & (hidden["score"] <= best.score)).any()


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
    if "scenario" not in scored:
        scored = scored.assign(scenario=CENTRAL)
    winners = {}
    for key, group in scored[scored["scenario"] != CENTRAL].groupby(KEYS + ["scenario"]):
        if len(group) >= 2:
            winners.setdefault(key[:4], []).append(_ranked(group)[0].model)
    for (benchmark, family, budget_type, budget), group in scored[scored["scenario"] == CENTRAL].groupby(KEYS):
        if len(group) < 2:
            continue
        best, runner_up, determined = _ranked(group)
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
            **_robustness(best.model, winners.get((benchmark, family, budget_type, budget))),
        })
    return pd.DataFrame(rows, columns=COLUMNS)


def _robustness(central: str, others: list[str] | None) -> dict:
    """Does the central winner win under every other scenario?  Empty where the axis has none."""
    if not others:
        return {"robust": "", "scenario_winners": ""}
    counts = pd.Series([central, *others]).value_counts()
    return {"robust": "robust" if len(counts) == 1 else "depends on efficiency",
            "scenario_winners": ";".join(f"{model}:{count}" for model, count in counts.items())}


def summary(table: pd.DataFrame, curves: pd.DataFrame) -> pd.DataFrame:
    """Per benchmark, family, budget type and model: the budgets it leads at the central costs,
    how many of them are determined, and how many of those hold under every efficiency scenario;
    and its cost per sample in units of the family's cheapest model, central and its range over
    the scenarios (the 34B/7B cost ratio on an accelerator, for instance)."""
    rows = []
    scenarios = curves if "scenario" in curves else curves.assign(scenario=CENTRAL)
    for (benchmark, family, budget_type), costs in scenarios.groupby(["benchmark", "family", "budget_type"], sort=False):
        here = table[(table["benchmark"] == benchmark) & (table["family"] == family) & (table["budget_type"] == budget_type)]
        per_model = costs.groupby(["model", "scenario"], sort=False)["cost_per_sample"].first()
        for model in dict.fromkeys(costs["model"]):
            led = here[here["best"] == model]
            cost = per_model.loc[model]
            robust = led["robust"].isin(["robust", ""]) if "robust" in led else pd.Series(True, index=led.index)
            rows.append({"benchmark": benchmark, "family": family, "budget_type": budget_type, "model": model,
                         "budgets": len(here), "leads": len(led), "leads_determined": int(led["determined"].sum()),
                         "leads_robust": int((led["determined"] & robust).sum()), "scenarios": len(cost),
                         "cost_low": float(cost.min()), "cost_central": float(cost.loc[CENTRAL]),
                         "cost_high": float(cost.max())})
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
