"""Smaller against larger at every budget: paired differences, and whether the paper's claim holds.

The paper's claims are comparisons ("7B and 13B outperform 34B and 70B at every budget").  Every
(smaller, larger) pair of a family is compared at each budget on the same bootstrap resamples of
the benchmark's problems (metrics.paired), so the interval is that of their difference.  A model
that has run out of samples at a budget (k > n/2) enters with its pass@(n/2), a lower bound
(metrics.curves.budget_curves): a comparison it can only win or lose by more is decided, one a
lower bound cannot settle is ``undetermined`` — never decided by a model's absence.

Without per-problem counts (the paper's published points), pairs are compared on the aggregate
curves alone: a difference, no interval.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..costs import Costs, budget_types, normalised
from .grid import k_for_budget
from .curves import reported_k_max
from .paired import paired_difference
from .pass_at_k import pass_at_k_curve

PAIR_COLUMNS = ["budget_type", "budget", "smaller", "larger", "k_smaller", "k_larger", "censored_smaller",
                "censored_larger", "difference", "low", "high", "significant", "ahead"]
CLAIM_COLUMNS = ["budget_type", "pair", "claim", "supported", "holds_up_to", "significant_up_to",
                 "undetermined_from", "budgets_compared", "fails_at"]


def problem_curves(counts: pd.DataFrame) -> np.ndarray:
    """Per-problem pass@k for k = 1..n/2 (of the smallest n), rows in task order: [problems, k]."""
    ordered = counts.sort_values("task_id", kind="stable")
    return pass_at_k_curve(ordered["n"], ordered["c"], reported_k_max(int(ordered["n"].min())))


def _ahead(difference: float, censored_smaller: bool, censored_larger: bool) -> str:
    """Which model is ahead, where the scores can tell.  A censored score is a lower bound: it
    settles a lead of the censored model, not a lead over it."""
    if difference > 0:
        return "undetermined" if censored_larger else "smaller"
    if difference < 0:
        return "undetermined" if censored_smaller else "larger"
    return "undetermined" if censored_smaller or censored_larger else "tie"


def pairs_table(curves: dict[str, np.ndarray], costs: dict[str, Costs], grid, draws: np.ndarray | None) -> pd.DataFrame:
    """Every (smaller, larger) pair of ``curves`` (ordered smallest first, as a family lists them) at
    every budget of ``grid`` and budget type both can pay for.

    ``curves``: model -> per-problem pass@k [problems, k_max] over the same problems in the same
    order (or one row: an aggregate curve, then ``draws`` is None and there is no interval);
    ``draws``: bootstrap.resample_counts over those problems.  Columns: PAIR_COLUMNS; ``ahead`` is
    smaller, larger, tie or undetermined, ``significant`` that the interval of the difference
    excludes 0 (on the side ``ahead`` says).
    """
    rows = [_pair(curves, unit, smaller, larger, np.asarray(grid, dtype=np.float64), draws).assign(budget_type=budget_type)
            for budget_type, unit, smaller, larger in family_pairs(costs, list(curves))]
    return pd.concat(rows, ignore_index=True)[PAIR_COLUMNS] if rows else pd.DataFrame(columns=PAIR_COLUMNS)


def family_pairs(costs: dict[str, Costs], models: list[str]):
    """(budget type, normalised cost per model, smaller, larger) for every budget type the costs
    have and every pair of a family given smallest first."""
    for budget_type in budget_types(costs.values()):
        unit = normalised(costs, budget_type)
        if unit is None:
            continue
        for i, smaller in enumerate(models):
            for larger in models[i + 1:]:
                yield budget_type, unit, smaller, larger


def _pair(curves, unit, smaller: str, larger: str, grid: np.ndarray, draws) -> pd.DataFrame:
    ks, censored = {}, {}
    for model in (smaller, larger):
        ks[model] = k_for_budget(unit[model], grid)
        censored[model] = ks[model] > curves[model].shape[1]
    paid = (ks[smaller] >= 1) & (ks[larger] >= 1)
    frame = pd.DataFrame({"budget": grid, "smaller": smaller, "larger": larger, "k_smaller": ks[smaller],
                          "k_larger": ks[larger], "censored_smaller": censored[smaller],
                          "censored_larger": censored[larger], "difference": np.nan, "low": np.nan,
                          "high": np.nan, "significant": False, "ahead": ""})
    if paid.any():
        scores = {m: curves[m][:, np.minimum(ks[m][paid], curves[m].shape[1]) - 1] for m in (smaller, larger)}
        if draws is None:
            difference = scores[smaller].mean(axis=0) - scores[larger].mean(axis=0)
            low = high = np.full(difference.shape, np.nan)
        else:
            paired = paired_difference(scores[smaller], scores[larger], draws)
            difference, low, high = paired.difference, paired.low, paired.high
        frame.loc[paid, ["difference", "low", "high"]] = np.column_stack([difference, low, high])
        frame.loc[paid, "ahead"] = [_ahead(d, cs, cl) for d, cs, cl in
                                    zip(difference, censored[smaller][paid], censored[larger][paid])]
        frame.loc[paid, "significant"] = ((frame.loc[paid, "ahead"] == "smaller") & (low > 0)) \
            | ((frame.loc[paid, "ahead"] == "larger") & (high < 0))
    return frame


def claims(pairs: pd.DataFrame, failures_listed: int = 5) -> pd.DataFrame:
    """The paper's claim per budget type, for each (smaller, larger) pair and for the whole family:
    the smaller model beats the larger one at every budget.  Checked on ``pairs``
    (:func:`pairs_table`) wherever the scores can decide it: ``supported`` where the larger model is
    never ahead (nor level) at a decided budget; ``holds_up_to``, the budget up to which the
    smaller one leads without a break; ``significant_up_to``, the same with every lead's interval
    above 0; ``undetermined_from``, the first budget where a lower bound (a model out of samples)
    leaves it open; ``fails_at``, the budgets where it fails.  The paper's "7B and 13B outperform
    34B and 70B" is the four rows of those pairs."""
    rows = []
    compared = pairs[pairs["ahead"] != ""]
    for budget_type, frame in compared.groupby("budget_type", sort=False):
        groups = [(f"{s} < {l}", g) for (s, l), g in frame.groupby(["smaller", "larger"], sort=False)]
        for pair, group in groups + [("every pair", frame)]:
            by_budget = group.groupby("budget", sort=True)
            holds = by_budget["ahead"].apply(lambda a: bool((a == "smaller").all()))
            significant = by_budget.apply(lambda g: bool(((g["ahead"] == "smaller") & g["significant"]).all()),
                                          include_groups=False)
            open_ = by_budget["ahead"].apply(lambda a: bool((a == "undetermined").any()))
            failing = group[group["ahead"].isin(["larger", "tie"])].drop_duplicates("budget")
            fails = [f"{r.budget:g}: {r.smaller} vs {r.larger} {r.ahead}" for r in failing.itertuples()]
            rows.append({"budget_type": budget_type, "pair": pair,
                         "claim": "the smaller model beats the larger one at every budget",
                         "supported": bool(failing.empty and holds.any()), "holds_up_to": _up_to(holds),
                         "significant_up_to": _up_to(significant),
                         "undetermined_from": float(open_.index[open_.to_numpy()][0]) if open_.any() else float("nan"),
                         "budgets_compared": len(holds),
                         "fails_at": "; ".join(fails[:failures_listed]) + ("; ..." if len(fails) > failures_listed
                                                                           else "")})
    return pd.DataFrame(rows, columns=CLAIM_COLUMNS)


def _up_to(holds: pd.Series) -> float:
    """The largest budget up to which ``holds`` is True without a break (NaN if it fails first)."""
    broken = (~holds).to_numpy().nonzero()[0]
    last = len(holds) if broken.size == 0 else broken[0]
    return float(holds.index[last - 1]) if last else float("nan")


# The paper's families and whose Table 1 row costs each model (footnote 3: Llama-3 8B/70B cost
# about what Code Llama 7B/70B do).
PAPER_FAMILIES = {"Code Llama": {m: m for m in ("Code Llama 7B", "Code Llama 13B", "Code Llama 34B", "Code Llama 70B")},
                  "Llama-3": {"Llama-3 8B": "Code Llama 7B", "Llama-3 70B": "Code Llama 70B"}}


def paper_claims(grid) -> pd.DataFrame:
    """The claims table on the paper's own numbers: its published pass@k (Tables 2-4, read between
    the published k, paper.published_curve) and its Table 1 costs, for every benchmark and family
    the paper reports.  Aggregate points only: differences, no intervals."""
    from .. import paper

    frames = []
    for benchmark in paper.benchmark_names():
        for family, members in PAPER_FAMILIES.items():
            curves = {m: paper.published_curve(benchmark, m)[None, :] for m in members}
            curves = {m: c for m, c in curves.items() if c.size}
            if len(curves) < 2:
                continue
            rows = {m: paper.paper_costs(members[m]) for m in curves}
            costs = {m: Costs(flops=float(r["flops_norm"]), seconds=float(r["walltime_norm"])) for m, r in rows.items()}
            found = claims(pairs_table(curves, costs, grid, draws=None))
            frames.append(found.assign(benchmark=benchmark, family=family))
    table = pd.concat(frames, ignore_index=True)
    return table[["benchmark", "family", *CLAIM_COLUMNS]]
