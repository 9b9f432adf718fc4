"""Every metric against an independent computation: enumeration, exact integers, identities."""

from __future__ import annotations

import itertools
import math
import random
from fractions import Fraction

import numpy as np
import pytest

from budget_realloc.costs import Costs, normalised
from budget_realloc.metrics import (
    at_budget,
    k_for_budget,
    log2_budget_grid,
    mean_pass_at_k,
    pass_at_k,
    pass_at_k_curve,
    rank_score_at_k,
    rank_score_curve,
)


def brute_pass_at_k(n: int, c: int, k: int) -> Fraction:
    """Share of all k-subsets of n samples (the first c correct) holding a correct one."""
    subsets = list(itertools.combinations(range(n), k))
    return Fraction(sum(any(i < c for i in s) for s in subsets), len(subsets))


def brute_rank_score(pass_sorted: list[int], k: int) -> Fraction:
    """Share of all k-subsets whose best-ranked member (lowest rank index) passes."""
    subsets = list(itertools.combinations(range(len(pass_sorted)), k))
    return Fraction(sum(pass_sorted[min(s)] for s in subsets), len(subsets))


@pytest.mark.parametrize("n", range(1, 11))
def test_pass_at_k_equals_subset_enumeration(n):
    for c in range(n + 1):
        for k in range(1, n + 1):
            assert pass_at_k(n, c, k) == pytest.approx(float(brute_pass_at_k(n, c, k)), abs=1e-14)


def test_pass_at_k_curve_rows_match_enumeration():
    n = 9
    counts = np.arange(n + 1)
    curve = pass_at_k_curve(n, counts)
    expected = [[float(brute_pass_at_k(n, c, k)) for k in range(1, n + 1)] for c in counts]
    np.testing.assert_allclose(curve, expected, atol=1e-14)


def test_pass_at_k_n2000_every_c_and_k_matches_exact_integers():
    """All 2001 x 2000 (c, k) pairs at n = 2000 against exact big-integer binomial ratios.

    For each k, C(n-c, k) is walked down in c with exact integer steps
    C(m-1, k) = C(m, k)·(m-k)/m, and the ratio is kept to 15 exact decimals by integer division.
    """
    n, scale = 2000, 10**15
    exact = np.zeros((n, n + 1), dtype=np.int64)         # [k-1, c] -> floor(ratio * scale)
    for k in range(1, n + 1):
        denominator = math.comb(n, k)
        numerator = denominator                            # C(n - 0, k)
        row = exact[k - 1]
        for c in range(0, n - k + 1):
            row[c] = numerator * scale // denominator
            m = n - c
            numerator = numerator * (m - k) // m           # C(m-1, k)
        # c > n - k: C(n-c, k) = 0, the row stays 0
    curve = pass_at_k_curve(n, np.arange(n + 1))          # [c, k-1]
    ratio = 1.0 - curve.T                                  # [k-1, c]
    error = np.abs(ratio * scale - exact) / scale          # floor adds < 1e-15
    assert error.max() < 1e-12


@pytest.mark.parametrize("n,c,k", [(2000, 1, 1000), (2000, 1000, 1000), (2000, 1999, 2),
                                   (2000, 7, 1999), (1000, 500, 500), (200, 3, 100)])
def test_pass_at_k_large_n_against_fraction(n, c, k):
    exact = 1 - Fraction(math.comb(n - c, k), math.comb(n, k))
    assert abs(float(pass_at_k(n, c, k)) - float(exact)) < 1e-12


def test_pass_at_k_vectorised_over_problems_and_k():
    rng = np.random.default_rng(0)
    n = rng.integers(5, 40, size=30)
    c = rng.integers(0, n + 1)
    k = rng.integers(1, n + 1)
    got = pass_at_k(n, c, k)
    for ni, ci, ki, gi in zip(n, c, k, got):
        assert gi == pytest.approx(1 - math.comb(ni - ci, ki) / math.comb(ni, ki), abs=1e-13)
    mean = mean_pass_at_k(n, c, int(n.min()))
    for kk in range(1, int(n.min()) + 1):
        assert mean[kk - 1] == pytest.approx(np.mean(pass_at_k(n, c, kk)), abs=1e-14)


def test_pass_at_k_rejects_impossible_counts():
    with pytest.raises(ValueError):
        pass_at_k(10, 11, 1)
    with pytest.raises(ValueError):
        pass_at_k(10, 3, 11)
    with pytest.raises(ValueError):
        pass_at_k_curve(10, 3, 0)


def decimal_k(cost: str, budget: str) -> int:
    """Largest k with k·cost <= budget, in exact decimal arithmetic."""
    c, b = Fraction(cost), Fraction(budget)
    k = 0
    while (k + 1) * c <= b:
        k += 1
    return k


def test_k_for_budget_matches_exact_decimal_arithmetic():
    rng = random.Random(1)
    cases = [("0.1", "0.3"), ("1.95", "8"), ("10.41", "10.41"), ("5.08", "10.16"), ("1", "0.5"),
             ("14.19", "1024"), ("7.58", "0")]
    cases += [(f"{rng.randint(1, 2000) / 100:.2f}", f"{rng.randint(0, 50000) / 100:.2f}")
              for _ in range(300)]
    for cost, budget in cases:
        assert k_for_budget(float(cost), float(budget)) == decimal_k(cost, budget), (cost, budget)


def test_at_budget_reads_the_curve_at_the_affordable_k():
    curve = np.array([0.1, 0.2, 0.3, 0.4])
    score, k = at_budget(curve, 2.0, [1, 2, 3, 4, 8, 9, 16])
    np.testing.assert_array_equal(k, [0, 1, 1, 2, 4, 4, 8])
    np.testing.assert_array_equal(score, [np.nan, 0.1, 0.1, 0.2, 0.4, 0.4, np.nan])


def test_budget_grid_and_normalisation():
    np.testing.assert_allclose(log2_budget_grid(0, 3), [1, 2, 4, 8])
    np.testing.assert_allclose(log2_budget_grid(0, 1, 2), [1, 2**0.5, 2])
    assert normalised({"a": Costs(flops=1.69), "b": Costs(flops=3.29)}, "flops") == \
        {"a": 1.0, "b": pytest.approx(3.29 / 1.69)}


@pytest.mark.parametrize("seed", range(6))
def test_rank_score_equals_subset_enumeration(seed):
    rng = random.Random(seed)
    n = rng.randint(1, 10)
    ranking = [rng.randint(0, 1) for _ in range(n)]
    curve = rank_score_curve(ranking)
    for k in range(1, n + 1):
        assert curve[k - 1] == pytest.approx(float(brute_rank_score(ranking, k)), abs=1e-14)
        assert rank_score_at_k(ranking, k) == pytest.approx(curve[k - 1], abs=1e-15)


def test_rank_score_large_n_against_fraction():
    rng = random.Random(7)
    n = 1500
    ranking = [int(rng.random() < 0.1) for _ in range(n)]
    for k in (1, 2, 17, 400, 750):
        exact = sum(Fraction(math.comb(n - i, k - 1), math.comb(n, k)) * ranking[i - 1]
                    for i in range(1, n - k + 2))
        assert abs(rank_score_at_k(ranking, k) - float(exact)) < 1e-12


def test_oracle_ranking_gives_pass_at_k():
    n = 200
    for c in (0, 1, 13, 100, 199, 200):
        oracle = [1] * c + [0] * (n - c)
        np.testing.assert_allclose(rank_score_curve(oracle), pass_at_k_curve(n, c)[0], atol=1e-12)


def test_mean_over_all_rankings_is_pass_at_1():
    """Averaged over every ordering of the samples, rank-score@k is c/n for every k."""
    verdicts = [1, 0, 0, 1, 0, 0, 1]
    n, c = len(verdicts), sum(verdicts)
    orderings = np.array(list(itertools.permutations(verdicts)))
    mean = rank_score_curve(orderings).mean(axis=0)
    np.testing.assert_allclose(mean, np.full(n, c / n), atol=1e-12)
