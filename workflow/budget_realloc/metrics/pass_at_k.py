"""pass@k, the unbiased estimator of Chen et al. (2021), Eq. 1 of the paper.

pass@k = 1 - C(n-c, k) / C(n, k).  The binomials overflow a float long before n = 2000
(``float(math.comb(2000, 1000))`` raises), so the ratio is built as the product
prod_{j<k} (n-c-j)/(n-j): every factor lies in [0, 1], a running product never overflows,
and its relative error grows only like k machine epsilons.
"""

from __future__ import annotations

import numpy as np


def _check_counts(n: np.ndarray, c: np.ndarray) -> None:
    if np.any(n < 1):
        raise ValueError("pass@k needs n >= 1 samples per problem")
    if np.any((c < 0) | (c > n)):
        raise ValueError("pass@k needs 0 <= c <= n correct samples per problem")


def pass_at_k_curve(n, c, k_max: int | None = None) -> np.ndarray:
    """pass@k of every problem for every k = 1..k_max, as an array [problems, k_max].

    ``n`` and ``c`` are per-problem sample and pass counts (scalars broadcast).  ``k_max``
    defaults to the smallest n and may not exceed it, since pass@k is undefined for k > n.
    """
    n, c = np.broadcast_arrays(np.atleast_1d(np.asarray(n, dtype=np.int64)),
                               np.atleast_1d(np.asarray(c, dtype=np.int64)))
    _check_counts(n, c)
    k_max = int(n.min()) if k_max is None else int(k_max)
    if not 1 <= k_max <= n.min():
        raise ValueError(f"k_max must be in 1..{int(n.min())} (the smallest n), got {k_max}")
    j = np.arange(k_max, dtype=np.float64)
    nf, cf = n[:, None].astype(np.float64), c[:, None].astype(np.float64)
    # factor j is (n-c-j)/(n-j); once n-c-j <= 0 the ratio is exactly 0 (k > n-c: a pass is certain)
    factors = np.clip(nf - cf - j, 0.0, None) / (nf - j)
    return 1.0 - np.cumprod(factors, axis=1)


def pass_at_k(n, c, k) -> np.ndarray:
    """pass@k per problem for broadcast arrays of n, c and k (Eq. 1, before the mean over problems)."""
    n, c, k = np.broadcast_arrays(np.asarray(n, dtype=np.int64), np.asarray(c, dtype=np.int64),
                                  np.asarray(k, dtype=np.int64))
    _check_counts(n, c)
    if np.any((k < 1) | (k > n)):
        raise ValueError("pass@k needs 1 <= k <= n")
    shape = n.shape
    n, c, k = n.ravel(), c.ravel(), k.ravel()
    out = np.empty(n.shape, dtype=np.float64)
    # one cumulative product per distinct n serves every (c, k) with that n
    for n_value in np.unique(n):
        rows = np.flatnonzero(n == n_value)
        curve = pass_at_k_curve(n_value, c[rows], int(k[rows].max()))
        out[rows] = curve[np.arange(rows.size), k[rows] - 1]
    return out.reshape(shape)


def mean_pass_at_k(n, c, k_max: int | None = None) -> np.ndarray:
    """The benchmark's pass@k for k = 1..k_max: the mean over problems of :func:`pass_at_k_curve`."""
    return pass_at_k_curve(n, c, k_max).mean(axis=0)
