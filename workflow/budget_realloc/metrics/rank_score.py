"""rank-score@k (Eq. 4): how often the top-ranked of k random samples passes.

Of the C(n, k) subsets of k samples, C(n-i, k-1) have the sample ranked i as their best-ranked
member, so rank-score@k = sum_i C(n-i, k-1)/C(n, k) · pass_i over the ranking.  The paper's
Figure 7 reads ``scores_and_pass`` where it means ``pass_sorted``; this is Eq. 4 itself.

The weights w_i = C(n-i, k-1)/C(n, k) are built as running products (w_1 = k/n,
w_{i+1} = w_i·(n-i-k+1)/(n-i)), which never overflow, exactly as pass@k does.
"""

from __future__ import annotations

import numpy as np


def rank_score_weights(n: int, k_max: int) -> np.ndarray:
    """Weights [k_max, n]: row k-1 gives each rank's chance to be the best-ranked of k samples."""
    if not 1 <= k_max <= n:
        raise ValueError(f"rank-score@k needs 1 <= k <= n = {n}, got k_max = {k_max}")
    k = np.arange(1, k_max + 1, dtype=np.float64)[:, None]
    i = np.arange(1, n, dtype=np.float64)[None, :]            # step from rank i to rank i+1
    steps = np.clip(n - i - k + 1, 0.0, None) / (n - i)
    first = np.broadcast_to(k / n, (k_max, 1))
    return np.cumprod(np.concatenate([first, steps], axis=1), axis=1)


def rank_score_curve(pass_sorted, k_max: int | None = None) -> np.ndarray:
    """rank-score@k for k = 1..k_max of one problem ([n]) or several of equal n ([problems, n]).

    ``pass_sorted`` holds 0/1 verdicts in the ranker's order, best-ranked first.
    """
    passes = np.asarray(pass_sorted, dtype=np.float64)
    single = passes.ndim == 1
    passes = np.atleast_2d(passes)
    n = passes.shape[1]
    weights = rank_score_weights(n, n if k_max is None else int(k_max))
    scores = passes @ weights.T
    return scores[0] if single else scores


def rank_score_at_k(pass_sorted, k: int) -> float:
    """rank-score@k of one problem (Eq. 4, before the mean over problems), as a fraction."""
    return float(rank_score_curve(pass_sorted, k)[..., k - 1])
