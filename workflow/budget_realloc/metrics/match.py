"""Cost to match: the budget at which a smaller model first scores what a larger one does.

The paper's Section 4.1 reads its figures this way ("7B and 13B achieve 60% using one quarter
of the time").  Here the target is one of the larger model's own scores: its sampled pass@1, its
greedy pass@1, or its pass@k at its largest reported k (n/2).  The smaller model affords
k = budget / cost samples (metrics.grid), so its smallest matching budget is k*·cost for the
smallest k* whose pass@k reaches the target; pass@k never falls as k grows, so no larger k can
undercut it.  The ratio divides by what the larger model spent on its target (k·cost).

A smaller model that does not reach the target by its own n/2 is censored: the answer lies
beyond the measured samples and no number is given for it.

The interval is the bootstrap over problems: each resample recomputes both the target and the
smaller model's curve from the same drawn problems.  k* is an integer and may be censored, so its
bounds are order statistics of the resampled k* (inverse empirical CDF) rather than an
interpolation between them: a bound is always a budget some resample needed, and a bound that
falls on censored resamples is itself censored.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .bootstrap import LEVEL, resampled_means
from .curves import reported_k_max
from .pass_at_k import pass_at_k, pass_at_k_curve

COLUMNS = ["target", "target_k", "target_score", "target_budget", "k", "budget", "ratio",
           "k_low", "k_high", "budget_low", "budget_high", "ratio_low", "ratio_high",
           "reached_share", "note"]

# The target and the curve come from different running products; a tie between exact fractions
# may differ in the last bits, which must not cost a whole sample.
_TIE_SLACK = 1e-12


def first_reach(curves: np.ndarray, targets) -> np.ndarray:
    """Smallest k (1-based) with curves[..., k-1] >= target, per row; inf where none does."""
    reached = np.asarray(curves) >= np.asarray(targets, dtype=np.float64)[..., None] - _TIE_SLACK
    return np.where(reached.any(axis=-1), reached.argmax(axis=-1) + 1.0, np.inf)


def _targets(larger: pd.DataFrame, larger_greedy: pd.DataFrame | None) -> list[tuple[str, int, np.ndarray]]:
    """(name, k the larger model spends, per-problem score) of each target."""
    n, c = larger["n"].to_numpy(), larger["c"].to_numpy()
    k_max = reported_k_max(int(n.min()))
    targets = [("pass@1", 1, c / n)]
    if larger_greedy is not None:
        targets.append(("greedy pass@1", 1, larger_greedy["c"].to_numpy() / larger_greedy["n"].to_numpy()))
    targets.append((f"pass@{k_max}", k_max, pass_at_k(n, c, k_max)))
    return targets


def _note(k: float, k_high: float, k_max: int) -> str:
    if not np.isfinite(k):
        return f"not within n/2 samples (k <= {k_max})"
    if not np.isfinite(k_high):
        return f"upper bound not within n/2 samples (k <= {k_max})"
    return ""


def cost_to_match(smaller: pd.DataFrame, larger: pd.DataFrame, *, smaller_cost: float, larger_cost: float,
                  draws: np.ndarray, larger_greedy: pd.DataFrame | None = None,
                  level: float = LEVEL) -> pd.DataFrame:
    """One row per target of the larger model: the smaller model's k* and budget to reach it.

    ``smaller``/``larger``/``larger_greedy`` are per-task counts (columns task_id, n, c, as
    metrics.curves.task_counts gives) over the same tasks in the same order; ``*_cost`` are
    normalised costs per sample (the family's unit); ``draws`` are bootstrap.resample_counts
    over those tasks.  The smaller model is read up to k = n/2 of its smallest n.

    Columns (COLUMNS): target, target_k, target_score, target_budget = target_k·larger_cost,
    k (k*), budget = k·smaller_cost, ratio = budget/target_budget, their ``level`` bounds
    (k_low ... ratio_high), reached_share (share of resamples reaching the target within n/2)
    and note, which names what is censored.  Censored values are NaN (k columns: <NA>).
    """
    for name, frame in (("larger", larger), ("larger_greedy", larger_greedy)):
        if frame is not None and not frame["task_id"].reset_index(drop=True).equals(
                smaller["task_id"].reset_index(drop=True)):
            raise ValueError(f"{name} must list the same tasks as smaller, in the same order")
    if smaller_cost <= 0 or larger_cost <= 0:
        raise ValueError("costs per sample must be positive")
    n = smaller["n"].to_numpy()
    k_max = reported_k_max(int(n.min()))
    per_problem = pass_at_k_curve(n, smaller["c"].to_numpy(), k_max)
    curve, resampled_curves = per_problem.mean(axis=0), resampled_means(per_problem, draws)
    tail = (1.0 - level) / 2.0
    rows = []
    for name, target_k, target in _targets(larger, larger_greedy):
        resampled_k = first_reach(resampled_curves, resampled_means(target, draws))
        k = float(first_reach(curve, target.mean()))
        k_low, k_high = np.quantile(resampled_k, [tail, 1.0 - tail], method="inverted_cdf")
        target_budget = target_k * larger_cost
        bounds = {key: (value if np.isfinite(value) else np.nan)
                  for key, value in (("k", k), ("k_low", k_low), ("k_high", k_high))}
        rows.append({
            "target": name, "target_k": target_k, "target_score": float(target.mean()),
            "target_budget": target_budget, **bounds,
            **{f"budget{suffix}": bounds[f"k{suffix}"] * smaller_cost for suffix in ("", "_low", "_high")},
            **{f"ratio{suffix}": bounds[f"k{suffix}"] * smaller_cost / target_budget
               for suffix in ("", "_low", "_high")},
            "reached_share": float(np.isfinite(resampled_k).mean()),
            "note": _note(k, k_high, k_max),
        })
    table = pd.DataFrame(rows, columns=COLUMNS)
    return table.astype({column: "Int64" for column in ("k", "k_low", "k_high")})
