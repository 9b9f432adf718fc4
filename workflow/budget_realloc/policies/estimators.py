"""Closed forms of run-until-a-pass policies, per problem, from counts alone.

A policy draws a model's n samples of a problem in a uniformly random order, without
replacement, as pass@k does (Chen et al.): the first K draws of a random order of n i.i.d.
samples are K i.i.d. samples, so every number below is an unbiased estimate of what the policy
would score with fresh samples.  Of the n samples, ``s`` *stop* the run (they pass the tests that
decide stopping: the benchmark's, or the visible ones a prompt shows) and ``g`` of those are
*good* (they pass the judge's tests).

- ``no_stop[k]`` = C(n-s, k) / C(n, k): none of the first k draws stops (1 - pass@k when the
  stopping tests are the judge's); built as pass@k's running product, so it never overflows.
- ``draws[K]`` = sum_{i<K} no_stop[i]: the expected number of draws of a run capped at K, since
  the run goes past draw i exactly when the first i draws all fail to stop.
- ``good`` = g / s: the chance that the sample a run stops at is good.  In a uniform order the
  first stopping sample is uniform among the s and independent of where it falls, so a capped
  run succeeds with probability (1 - no_stop[K]) * g / s.

Different models' samples of a problem are independent, so a policy over several models
multiplies their terms: an escalation reaches model m with probability prod_{j<m} no_stop_j[K_j].
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..metrics.pass_at_k import pass_at_k_curve


@dataclass(frozen=True)
class StopCurves:
    """One model's per-problem terms for every cap k = 0..cap ([problems, cap + 1])."""
    no_stop: np.ndarray
    draws: np.ndarray
    good: np.ndarray        # [problems]
    cap: int


def stop_curves(n, stop, good=None, cap: int | None = None) -> StopCurves:
    """The terms of one model from per-problem counts: ``n`` samples, ``stop`` of them stopping,
    ``good`` of those passing the judge (``None``: the stopping tests are the judge's, good = stop).
    ``cap`` defaults to the smallest n / 2, where this project stops reporting pass@k."""
    n = np.atleast_1d(np.asarray(n, dtype=np.int64))
    stop = np.atleast_1d(np.asarray(stop, dtype=np.int64))
    good = stop if good is None else np.atleast_1d(np.asarray(good, dtype=np.int64))
    if np.any((good < 0) | (good > stop)):
        raise ValueError("good samples must be among the stopping ones: 0 <= good <= stop")
    cap = max(1, int(n.min()) // 2) if cap is None else int(cap)
    no_stop = np.ones((n.size, cap + 1))
    no_stop[:, 1:] = 1.0 - pass_at_k_curve(n, stop, cap)
    draws = np.zeros_like(no_stop)
    draws[:, 1:] = np.cumsum(no_stop[:, :-1], axis=1)
    share = np.divide(good, stop, out=np.zeros(n.size), where=stop > 0)
    return StopCurves(no_stop, draws, share, cap)


@dataclass(frozen=True)
class Outcome:
    """Per-problem success probability and expected cost of candidate policies ([rows, problems]);
    ``left[m]`` is the chance a run is still going after model m (its next model's reach)."""
    success: np.ndarray
    expected: np.ndarray
    left: np.ndarray        # [models, rows, problems]


def escalate(curves: list[StopCurves], unit_costs, caps) -> Outcome:
    """Try each model in order, up to its cap (``caps`` [rows, models]; 0 skips a model), and stop
    at the first stopping sample.  One model is first-pass with cap K."""
    caps = np.atleast_2d(np.asarray(caps, dtype=np.int64))
    problems = curves[0].no_stop.shape[0]
    reach = np.ones((caps.shape[0], problems))
    success, expected = np.zeros_like(reach), np.zeros_like(reach)
    left = np.empty((len(curves), *reach.shape))
    for m, (curve, cost) in enumerate(zip(curves, unit_costs)):
        expected += cost * reach * curve.draws[:, caps[:, m]].T
        no_stop = curve.no_stop[:, caps[:, m]].T
        success += reach * (1.0 - no_stop) * curve.good
        reach = reach * no_stop
        left[m] = reach
    return Outcome(success, expected, left)


def mix(curves: list[StopCurves], allocations) -> np.ndarray:
    """Draw ``allocations`` [rows, models] samples of each model and succeed if any passes: per
    problem 1 - prod_m (1 - pass@k_m) ([rows, problems]).  One model is fixed k."""
    allocations = np.atleast_2d(np.asarray(allocations, dtype=np.int64))
    fail = np.ones((allocations.shape[0], curves[0].no_stop.shape[0]))
    for m, curve in enumerate(curves):
        fail *= curve.no_stop[:, allocations[:, m]].T
    return 1.0 - fail
