"""Exact metrics: every number of the paper flows through this package.

All scores are fractions in [0, 1]; tables and figures turn them into percent.
"""

from .grid import at_budget, k_for_budget, log2_budget_grid
from .pass_at_k import mean_pass_at_k, pass_at_k, pass_at_k_curve
from .rank_score import rank_score_at_k, rank_score_curve, rank_score_weights

__all__ = [
    "at_budget",
    "k_for_budget",
    "log2_budget_grid",
    "mean_pass_at_k",
    "pass_at_k",
    "pass_at_k_curve",
    "rank_score_at_k",
    "rank_score_curve",
    "rank_score_weights",
]
