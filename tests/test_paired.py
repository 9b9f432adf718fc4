"""The paired bootstrap against an explicit resampling loop, and a case where it sees what
overlapping marginal bands cannot."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binom

from budget_realloc.metrics.bootstrap import percentile_band, resample_counts, resampled_means
from budget_realloc.metrics.paired import paired_at_budget, paired_difference


def index_draws(problems: int, resamples: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Explicit draws: [resamples, problems] problem indices, and the same draws as counts."""
    indices = np.random.default_rng(seed).integers(0, problems, size=(resamples, problems))
    counts = np.stack([np.bincount(row, minlength=problems) for row in indices])
    return indices, counts


@pytest.mark.parametrize("columns", [None, 5])
def test_paired_difference_equals_a_loop_over_drawn_problems(columns):
    rng = np.random.default_rng(0)
    problems, resamples = 37, 400
    shape = (problems,) if columns is None else (problems, columns)
    a, b = rng.random(shape), rng.random(shape)
    indices, counts = index_draws(problems, resamples, seed=1)
    looped = np.array([a[drawn].mean(axis=0) - b[drawn].mean(axis=0) for drawn in indices])
    low, high = np.quantile(looped, [0.025, 0.975], axis=0)
    got = paired_difference(a, b, counts)
    np.testing.assert_allclose(got.difference, a.mean(axis=0) - b.mean(axis=0), atol=1e-14)
    np.testing.assert_allclose(got.low, low, atol=1e-12)
    np.testing.assert_allclose(got.high, high, atol=1e-12)
    np.testing.assert_array_equal(got.significant, (low > 0) | (high < 0))


def test_overlapping_bands_can_hide_a_significant_paired_difference():
    """100 problems at one sample each: B solves 50, A the same 50 and 8 more.

    Marginally 0.58 vs 0.50, each band about +-0.1: they overlap.  Paired, a resample's
    difference is (draws of the 8 extra problems)/100 ~ Binomial(100, 0.08)/100, never
    negative, and 0 only with probability 0.92^100 = 2.4e-4.
    """
    b = np.r_[np.ones(50), np.zeros(50)]
    a = np.r_[np.ones(58), np.zeros(42)]
    draws = resample_counts(100, 4000, seed=3)
    a_low, a_high = percentile_band(resampled_means(a, draws))
    b_low, b_high = percentile_band(resampled_means(b, draws))
    assert a_low < b_high                                   # the marginal bands overlap
    paired = paired_difference(a, b, draws)
    assert paired.difference == pytest.approx(0.08, abs=1e-15)
    assert bool(paired.significant) and paired.low > 0
    exact_low, exact_high = binom.ppf([0.025, 0.975], 100, 0.08) / 100
    assert paired.low == pytest.approx(exact_low, abs=0.011)
    assert paired.high == pytest.approx(exact_high, abs=0.011)


def test_identical_models_differ_by_exactly_zero_and_not_significantly():
    a = np.random.default_rng(2).random((20, 3))
    got = paired_difference(a, a.copy(), resample_counts(20, 200, seed=0))
    assert (got.difference == 0).all() and (got.low == 0).all() and (got.high == 0).all()
    assert not got.significant.any()


def test_paired_difference_rejects_unpaired_shapes():
    with pytest.raises(ValueError, match="same problems"):
        paired_difference(np.zeros(4), np.zeros(5), resample_counts(4, 10, seed=0))


def test_paired_at_budget_compares_each_model_at_the_k_it_affords():
    rng = np.random.default_rng(4)
    problems = 30
    curve_a = np.sort(rng.random((problems, 8)), axis=1)    # cheap model: cost 1, k <= 8
    curve_b = np.sort(rng.random((problems, 2)), axis=1)    # dear model: cost 4, k <= 2
    draws = resample_counts(problems, 300, seed=5)
    budgets = [0.5, 1, 4, 8, 12]
    got, k_a, k_b = paired_at_budget(curve_a, 1.0, curve_b, 4.0, budgets, draws)
    np.testing.assert_array_equal(k_a, [0, 1, 4, 8, 12])
    np.testing.assert_array_equal(k_b, [0, 0, 1, 2, 3])
    # 0.5: A buys nothing; 1: B buys nothing; 12: A would need k = 12 > 8 -> no comparison
    assert np.isnan(got.difference[[0, 1, 4]]).all() and not got.significant[[0, 1, 4]].any()
    for column, (ka, kb) in ((2, (4, 1)), (3, (8, 2))):
        direct = paired_difference(curve_a[:, ka - 1], curve_b[:, kb - 1], draws)
        assert got.difference[column] == pytest.approx(float(direct.difference), abs=1e-14)
        assert (got.low[column], got.high[column]) == (pytest.approx(float(direct.low), abs=1e-14),
                                                       pytest.approx(float(direct.high), abs=1e-14))
        assert got.significant[column] == direct.significant
