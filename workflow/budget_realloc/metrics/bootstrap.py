"""How sure a curve is: the bootstrap over problems.

A benchmark is one sample of the problems a model could be asked; resampling its problems with
replacement shows how much a score would move under another sample of the same size.  A
resample is a count per problem (how often it was drawn), so the mean curve of every resample
is one matrix product, counts [resamples, problems] @ per-problem curves [problems, k]: the
exact pass@k of each problem is computed once, never per resample.

Draws depend only on (seed, number of problems): models on one benchmark, whose problems are
listed in the same (task_id) order, are resampled alike, so their bands compare the same draws.
"""

from __future__ import annotations

import numpy as np

LEVEL = 0.95


def resample_counts(problems: int, resamples: int, seed: int) -> np.ndarray:
    """[resamples, problems]: how often each problem is drawn in each resample (rows sum to problems)."""
    if problems < 1 or resamples < 1:
        raise ValueError(f"the bootstrap needs >= 1 problem and >= 1 resample, got {problems} and {resamples}")
    rng = np.random.default_rng(seed)
    return rng.multinomial(problems, np.full(problems, 1.0 / problems), size=resamples)


def resampled_means(per_problem: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Mean over each resample's problems of ``per_problem`` ([problems] or [problems, k]):
    [resamples] or [resamples, k]."""
    values = np.asarray(per_problem, dtype=np.float64)
    if values.shape[0] != counts.shape[1]:
        raise ValueError(f"{values.shape[0]} problems but resamples of {counts.shape[1]}")
    return (counts @ values) / counts.sum(axis=1).reshape((-1,) + (1,) * (values.ndim - 1))


def percentile_band(resampled: np.ndarray, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """The central ``level`` percentile interval over resamples (axis 0): (low, high)."""
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(resampled, [tail, 1.0 - tail], axis=0)
    return low, high
