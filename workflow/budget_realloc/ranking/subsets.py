"""Selectors run on random pools of k samples, for keys that depend on the pool.

CodeT's and MBR-exec's keys depend on the pool (agreement among samples, tests generated
alongside), so ranking all n samples (ranking.selectors.rank_score) lends a k-sample budget the
agreement of n samples; only drawing k samples (and k generated test blocks, for selectors that
use them), running the selector on that pool alone and averaging whether its pick passes charges
what k samples would have known.  Self-test cascades (ranking.cascade) draw their pools here too.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .selectors import Evidence, Selector, pool_keys


def draw_subsets(rng: np.random.Generator, n: int, k: int, draws: int) -> np.ndarray:
    """[draws, k]: uniform k-subsets of range(n), each sorted ascending."""
    if not 1 <= k <= n:
        raise ValueError(f"cannot draw {k} of {n}")
    return np.sort(np.argpartition(rng.random((draws, n)), k - 1, axis=1)[:, :k], axis=1)


def pick(chosen: Selector, evidence: Evidence, samples: np.ndarray, blocks: np.ndarray | None):
    """Per pool [D]: the position in ``samples`` of the selector's pick and whether it has one."""
    keys, pickable = pool_keys(chosen, evidence, samples, blocks)
    ranked = np.where(pickable, np.maximum(keys, -np.finfo(float).max), -np.inf)
    return ranked.argmax(axis=1), pickable.any(axis=1)        # argmax: first maximum = lowest index


def mean_and_error(outcomes: Sequence[np.ndarray]) -> tuple[float, float]:
    """Mean over problems of each problem's mean outcome over its draws, and the Monte Carlo
    standard error of that mean (the data held fixed)."""
    means = np.array([o.mean() for o in outcomes])
    variances = np.array([o.var(ddof=1) / o.size for o in outcomes])
    return float(means.mean()), float(np.sqrt(variances.sum()) / len(outcomes))


def chunk_sizes(draws: int, per_draw: int, budget: int = 20_000_000) -> list[int]:
    """``draws`` split into chunks whose [chunk, per_draw] arrays stay under ``budget`` elements."""
    size = max(1, budget // max(per_draw, 1))
    return [min(size, draws - start) for start in range(0, draws, size)]


def subset_estimate(chosen: Selector, evidences: Sequence[Evidence], ks: Sequence[int], draws: int,
                    rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """For each k: the chance that the selector, run on k random samples (and k random test
    blocks when it uses them), picks a passing one, averaged over problems; and its Monte
    Carlo standard error.  Both [len(ks)]."""
    if draws < 2:
        raise ValueError(f"a standard error needs at least 2 draws, got {draws}")
    estimate, error = [], []
    for k in ks:
        outcomes = []
        for evidence in evidences:
            draw_blocks = chosen.uses_tests and evidence.n_blocks > 0
            if draw_blocks and k > evidence.n_blocks:
                raise ValueError(f"k = {k} needs {k} test blocks; the problem has {evidence.n_blocks}")
            width = k * max([1] + [a.shape[1] for a in (evidence.test_passed, evidence.outputs) if a is not None])
            won = []
            for count in chunk_sizes(draws, width):
                samples = draw_subsets(rng, evidence.n, k, count)
                blocks = draw_subsets(rng, evidence.n_blocks, k, count) if draw_blocks else None
                position, has = pick(chosen, evidence, samples, blocks)
                won.append(has & evidence.passed[samples[np.arange(count), position]])
            outcomes.append(np.concatenate(won).astype(float))
        mean, standard_error = mean_and_error(outcomes)
        estimate.append(mean)
        error.append(standard_error)
    return np.array(estimate), np.array(error)
