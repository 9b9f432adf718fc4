"""Metrics under a fixed compute budget: pass_flops@f, pass_time@t and the rank-score forms.

Eq. 2-3 (and 5-6) of the paper charge every sample a constant cost, so a model that may spend
``budget`` gets k = max{k' : k'·cost <= budget} samples, and its score at that budget is its
score at that k.  Costs are in the paper's normalised units (costs.normalised): the cheapest
model of a family costs 1 per sample.
"""

from __future__ import annotations

import numpy as np

# Budgets and costs are decimal numbers (8 units, 1.95 units per sample); in binary floating
# point 3 * 0.1 > 0.3, which would cost a model a whole sample at an exact budget.  A relative
# slack far below any meaningful cost difference keeps such exact products affordable.
_RELATIVE_SLACK = 1e-9


def k_for_budget(cost_per_sample, budget) -> np.ndarray:
    """Largest k >= 0 with k·cost_per_sample <= budget (Eq. 2-3), elementwise over broadcast arrays."""
    cost, budget = np.broadcast_arrays(np.asarray(cost_per_sample, dtype=np.float64),
                                       np.asarray(budget, dtype=np.float64))
    if np.any(cost <= 0) or not np.all(np.isfinite(cost)):
        raise ValueError("cost per sample must be positive and finite")
    if np.any(budget < 0):
        raise ValueError("budget must be non-negative")
    limit = budget * (1.0 + _RELATIVE_SLACK)
    k = np.floor(limit / cost)
    # floor of a rounded quotient can be one off either way: settle it on the product itself
    k = np.where((k + 1) * cost <= limit, k + 1, k)
    k = np.where(k * cost > limit, k - 1, k)
    return k.astype(np.int64)


def affordable(cost, budget) -> np.ndarray:
    """cost <= budget, with the same slack as :func:`k_for_budget`, elementwise over broadcast arrays
    (policies whose cost is an expectation, not a whole number of samples)."""
    return np.asarray(cost, dtype=np.float64) <= np.asarray(budget, dtype=np.float64) * (1.0 + _RELATIVE_SLACK)


def log2_budget_grid(log2_min: float, log2_max: float, steps_per_octave: int = 1) -> np.ndarray:
    """Budgets 2^log2_min .. 2^log2_max with ``steps_per_octave`` points per doubling."""
    if log2_max < log2_min:
        raise ValueError("log2_max must be >= log2_min")
    if steps_per_octave < 1:
        raise ValueError("steps_per_octave must be >= 1")
    steps = int(round((log2_max - log2_min) * steps_per_octave))
    return np.exp2(log2_min + np.arange(steps + 1) / steps_per_octave)


def at_budget(curve_by_k, cost_per_sample: float, budgets) -> tuple[np.ndarray, np.ndarray]:
    """Score and k at each budget for one model, given its score for k = 1..len(curve).

    It serves pass_flops@f and pass_time@t (Eq. 2, 3), which differ only in the cost per sample
    (budget curves, crossover); the selection stage reads its rank-score forms off it too.
    Budgets that buy no sample,
    or more samples than the curve covers (k > n/2 in the paper), score NaN: there is nothing
    honest to report there.
    """
    curve = np.asarray(curve_by_k, dtype=np.float64)
    k = k_for_budget(cost_per_sample, budgets)
    inside = (k >= 1) & (k <= curve.size)
    score = np.full(k.shape, np.nan)
    score[inside] = curve[k[inside] - 1]
    return score, k
