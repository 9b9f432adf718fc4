"""Is model A better than model B on this benchmark, or is the gap noise?  The paired bootstrap.

Both models answer the same problems, and most of the spread of either score comes from which
problems happen to be in the benchmark (an easy draw lifts both).  Resampling the problems once
and scoring both models on each resample (metrics.bootstrap draws depend only on the seed and
the number of problems) keeps that shared part out of their difference, so the interval of the
difference is narrower than the two marginal bands suggest: overlapping bands do not make a gap
noise.  The mean over a resample is linear, so the resampled difference of means is the resampled
mean of the per-problem differences.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .bootstrap import LEVEL, percentile_band, resampled_means
from .grid import k_for_budget


@dataclass(frozen=True)
class PairedDifference:
    """mean(A) - mean(B) and its percentile interval over resamples; ``significant`` where the
    interval excludes 0.  Scalars for per-problem scores [problems], arrays for [problems, K]."""
    difference: np.ndarray
    low: np.ndarray
    high: np.ndarray
    significant: np.ndarray


def paired_difference(a, b, draws: np.ndarray, level: float = LEVEL) -> PairedDifference:
    """The paired difference of per-problem scores ``a`` and ``b`` ([problems] or [problems, K],
    problems in the same order) over the resamples ``draws`` (bootstrap.resample_counts)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"paired scores need the same problems and columns, got {a.shape} and {b.shape}")
    per_problem = a - b
    low, high = percentile_band(resampled_means(per_problem, draws), level)
    return PairedDifference(per_problem.mean(axis=0), low, high, (low > 0) | (high < 0))


def paired_at_budget(curve_a, cost_a: float, curve_b, cost_b: float, budgets, draws: np.ndarray,
                     level: float = LEVEL) -> tuple[PairedDifference, np.ndarray, np.ndarray]:
    """The paired difference of two models' pass_flops@f (or pass_time@t) at each budget.

    ``curve_a``/``curve_b`` are per-problem pass@k curves [problems, k_max] (k = 1..k_max, as
    reported) and ``cost_a``/``cost_b`` their normalised cost per sample.  Each budget scores a
    model at the k it affords (metrics.grid.k_for_budget); where either model cannot report
    (no sample affordable, or k beyond its curve) the difference is NaN and not significant.
    Returns (difference per budget, k of A, k of B).
    """
    curve_a, curve_b = np.asarray(curve_a, dtype=np.float64), np.asarray(curve_b, dtype=np.float64)
    budgets = np.atleast_1d(np.asarray(budgets, dtype=np.float64))
    k_a, k_b = k_for_budget(cost_a, budgets), k_for_budget(cost_b, budgets)
    inside = (k_a >= 1) & (k_a <= curve_a.shape[1]) & (k_b >= 1) & (k_b <= curve_b.shape[1])
    fields = {name: np.full(budgets.shape, np.nan) for name in ("difference", "low", "high")}
    significant = np.zeros(budgets.shape, dtype=bool)
    if inside.any():
        scored = paired_difference(curve_a[:, k_a[inside] - 1], curve_b[:, k_b[inside] - 1], draws, level)
        for name in fields:
            fields[name][inside] = getattr(scored, name)
        significant[inside] = scored.significant
    return PairedDifference(significant=significant, **fields), k_a, k_b
