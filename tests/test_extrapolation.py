"""The scaling-law fits against their generative models: known parameters recovered from seeded
synthetic data, predictions against Monte Carlo, and an asymptote derived by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.special import gammaln

from budget_realloc.metrics.bootstrap import resample_counts
from budget_realloc.metrics.extrapolation import (
    BetaFit,
    PowerLawFit,
    beta_binomial_pass_at_k,
    beta_pass_at_k,
    extrapolate,
    extrapolate_points,
    fit_beta_binomial,
    fit_beta_curve,
    fit_ks,
    fit_power_law,
    power_law_pass_at_k,
    predict,
)
from budget_realloc.metrics.pass_at_k import mean_pass_at_k


def test_beta_binomial_fit_recovers_known_parameters():
    """2000 problems, p ~ Beta(0.4, 1.2), 20 samples each.  Over 20 seeds the estimates spread by
    about 0.015 (alpha) and 0.042 (beta); the tolerance is 15%, about four of those."""
    rng = np.random.default_rng(0)
    c = rng.binomial(20, rng.beta(0.4, 1.2, 2000))
    fit = fit_beta_binomial(np.full(2000, 20), c)
    assert fit.alpha == pytest.approx(0.4, rel=0.15)
    assert fit.beta == pytest.approx(1.2, rel=0.15)


def test_weights_count_a_problem_as_often_as_it_is_repeated():
    rng = np.random.default_rng(1)
    n = rng.integers(2, 12, 30)
    c = rng.binomial(n, rng.beta(0.5, 1.0, 30))
    weights = resample_counts(30, 1, seed=2)[0]
    weighted = fit_beta_binomial(n, c, weights)
    repeated = fit_beta_binomial(np.repeat(n, weights), np.repeat(c, weights))
    assert weighted.alpha == pytest.approx(repeated.alpha, rel=1e-6)
    assert weighted.beta == pytest.approx(repeated.beta, rel=1e-6)
    ks = [1, 7, 300]
    np.testing.assert_allclose(beta_binomial_pass_at_k(weighted, n, c, ks, weights),
                               beta_binomial_pass_at_k(weighted, np.repeat(n, weights), np.repeat(c, weights), ks),
                               rtol=1e-12)


def test_population_pass_at_k_matches_monte_carlo():
    """mean over p ~ Beta(0.4, 1.2) of 1 - (1-p)^k, 10^6 draws: standard error < 5e-4."""
    p = np.random.default_rng(3).beta(0.4, 1.2, 1_000_000)
    ks = [1, 10, 100, 1000, 10_000]
    simulated = [np.mean(-np.expm1(k * np.log1p(-p))) for k in ks]
    np.testing.assert_allclose(beta_pass_at_k(BetaFit(0.4, 1.2), ks), simulated, atol=2e-3)


def test_posterior_pass_at_k_matches_monte_carlo_of_problems_with_those_counts():
    """Draw p ~ Beta(0.4, 1.2) and c ~ Binomial(10, p); among the problems that showed c passes,
    the mean of 1 - (1-p)^k is what the posterior predicts for a problem with counts (10, c)."""
    rng = np.random.default_rng(4)
    p = rng.beta(0.4, 1.2, 400_000)
    c = rng.binomial(10, p)
    truth = BetaFit(0.4, 1.2)
    ks = [1, 50, 1000, 10_000]
    for shown in (0, 1, 5, 10):
        group = p[c == shown]
        outcomes = -np.expm1(np.outer(np.log1p(-group), ks))     # [problems, ks]
        simulated = outcomes.mean(axis=0)
        error = outcomes.std(axis=0) / math.sqrt(group.size)
        predicted = beta_binomial_pass_at_k(truth, 10, shown, ks)
        # where every draw is near certain, a miss of order 1e-12 lies in a tail no draw reaches
        assert np.all(np.abs(predicted - simulated) <= 4 * error + 1e-9), (shown, predicted, simulated)
    # a problem seen solved stays near certain; one never solved in 10 tries does not
    assert beta_binomial_pass_at_k(truth, 10, 10, [50])[0] > 0.999
    assert beta_binomial_pass_at_k(truth, 10, 0, [50])[0] < 0.6


def test_large_k_follows_the_derived_power_law_tail():
    """B(a, b+k)/B(a, b) = G(a+b) G(b+k) / (G(b) G(a+b+k)) -> G(a+b)/G(b) · k^-a as k grows
    (relative error O(1/k)): the miss rate at k = 10^4 .. 10^8 against that asymptote."""
    fit = BetaFit(0.37, 0.9)
    ks = np.array([1e4, 1e6, 1e8])
    miss = 1 - beta_pass_at_k(fit, ks)
    asymptote = np.exp(gammaln(fit.alpha + fit.beta) - gammaln(fit.beta)) * ks ** -fit.alpha
    np.testing.assert_allclose(miss, asymptote, rtol=1e-3)
    ks_grid = np.unique(np.geomspace(1, 1e4, 30).round())
    assert np.all(np.diff(beta_binomial_pass_at_k(fit, [2000, 2000], [0, 3], ks_grid)) > 0)


def test_power_law_fit_recovers_known_parameters():
    """c(k) = exp(-1.3 k^-0.45) at k = 1..64 (doubling) plus N(0, 0.005) noise: over 200 seeds the
    estimates spread by 0.014 (a) and 0.006 (b); the tolerances are about four of those."""
    ks = 2.0 ** np.arange(7)
    noisy = np.exp(-1.3 * ks ** -0.45) + np.random.default_rng(5).normal(0, 0.005, ks.size)
    fit = fit_power_law(ks, noisy)
    assert fit.a == pytest.approx(-1.3, abs=0.06) and fit.b == pytest.approx(-0.45, abs=0.025)
    exact = fit_power_law(ks, np.exp(-1.3 * ks ** -0.45))
    assert (exact.a, exact.b) == (pytest.approx(-1.3, abs=1e-12), pytest.approx(-0.45, abs=1e-12))
    at_1000 = power_law_pass_at_k(PowerLawFit(-1.3, -0.45), [1000])[0]
    assert at_1000 == pytest.approx(math.exp(-1.3 * 1000 ** -0.45))


def test_beta_curve_fit_recovers_the_curve_it_is_drawn_from():
    ks = [1, 2, 4, 16, 64]
    exact = fit_beta_curve(ks, beta_pass_at_k(BetaFit(0.45, 1.3), ks))
    assert (exact.alpha, exact.beta) == (pytest.approx(0.45, rel=1e-6), pytest.approx(1.3, rel=1e-6))
    # rounded to 0.1 points, as published: still within 2%
    rounded = fit_beta_curve(ks, np.round(beta_pass_at_k(BetaFit(0.45, 1.3), ks), 3))
    assert (rounded.alpha, rounded.beta) == (pytest.approx(0.45, rel=0.02), pytest.approx(1.3, rel=0.02))


def test_extrapolate_from_ten_samples_lands_near_the_drawn_problems_coverage():
    """164 problems with p ~ Beta(0.35, 0.9), 10 samples each: the Beta-Binomial fit (a true
    model here) predicts the drawn problems' own pass@100 = mean 1 - (1-p_i)^100 within its
    interval and within 3 points; the power law within 4."""
    rng = np.random.default_rng(6)
    p = rng.beta(0.35, 0.9, 164)
    counts = pd.DataFrame({"task_id": range(164), "n": 10, "c": rng.binomial(10, p)})
    table = extrapolate(counts, [100], resamples=200, seed=7).set_index("method")
    truth = np.mean(-np.expm1(100 * np.log1p(-p)))
    row = table.loc["beta-binomial"]
    assert row["low"] <= truth <= row["high"]
    assert abs(row["predicted"] - truth) < 0.03
    assert abs(table.loc["power-law", "predicted"] - truth) < 0.04


def test_extrapolate_table_is_tidy_and_its_points_are_the_fits():
    rng = np.random.default_rng(8)
    c = rng.binomial(16, rng.beta(0.5, 1.5, 50))
    counts = pd.DataFrame({"model": ["a"] * 50 + ["b"] * 50, "n": 16,
                           "c": np.r_[c, np.minimum(c + 2, 16)]})
    ks = [32, 100, 1000]
    table = extrapolate(counts, ks, resamples=60, seed=9)
    assert list(table.columns) == ["model", "method", "k", "predicted", "low", "high", "extrapolated"]
    assert table["extrapolated"].all() and len(table) == 2 * 2 * 3
    assert (table["low"] <= table["predicted"]).all() and (table["predicted"] <= table["high"]).all()
    a = table[table["model"] == "a"].set_index("method")
    beta_fit = fit_beta_binomial(np.full(50, 16), c)
    np.testing.assert_allclose(a.loc["beta-binomial", "predicted"], beta_binomial_pass_at_k(beta_fit, 16, c, ks),
                               rtol=1e-10)
    curve = mean_pass_at_k(np.full(50, 16), c)[fit_ks(16) - 1]
    np.testing.assert_allclose(a.loc["power-law", "predicted"],
                               power_law_pass_at_k(fit_power_law(fit_ks(16), curve), ks), rtol=1e-12)
    # b solves every problem by k = 16 (c >= 2 of 16 everywhere): its power law is fitted to the
    # points below coverage 1
    b = table[table["model"] == "b"].set_index("method")
    curve_b = mean_pass_at_k(np.full(50, 16), np.minimum(c + 2, 16))[fit_ks(16) - 1]
    below = curve_b < 1
    assert not below.all()
    law_b = fit_power_law(fit_ks(16)[below], curve_b[below])
    np.testing.assert_allclose(b.loc["power-law", "predicted"], power_law_pass_at_k(law_b, ks), rtol=1e-12)
    again = extrapolate(counts, ks, resamples=60, seed=9)
    pd.testing.assert_frame_equal(table, again)
    for method, values in predict(np.full(50, 16), c, ks).items():
        np.testing.assert_array_equal(values, a.loc[method, "predicted"])
    assert "model" not in extrapolate(counts.drop(columns="model").iloc[:50], ks, resamples=5, seed=0).columns


def test_published_points_get_predictions_and_no_invented_interval():
    ks = [1, 2, 4, 16, 64]
    coverage = beta_pass_at_k(BetaFit(0.45, 1.3), ks)
    table = extrapolate_points(ks, coverage, [128, 1000])
    assert list(table["method"]) == ["power-law"] * 2 + ["beta-curve"] * 2
    assert table["low"].isna().all() and table["high"].isna().all() and table["extrapolated"].all()
    np.testing.assert_allclose(table["predicted"][2:], beta_pass_at_k(BetaFit(0.45, 1.3), [128, 1000]), rtol=1e-6)


def test_fit_ks_are_log_spaced_and_end_at_n():
    assert fit_ks(10).tolist() == [1, 2, 3, 4, 5, 6, 7, 8, 10]
    ks = fit_ks(2000)
    assert ks[0] == 1 and ks[-1] == 2000 and np.all(np.diff(ks) > 0)
    assert 35 <= ks.size <= 4 * 11 + 1                      # about four per doubling (11 doublings)


@pytest.mark.parametrize("call, message", [
    (lambda: fit_beta_binomial([10, 10], [3, 11]), "0 <= c <= n"),
    (lambda: fit_beta_binomial([], []), "no problems"),
    (lambda: fit_beta_binomial([1, 1, 1], [0, 1, 1]), "n >= 2"),
    (lambda: fit_beta_binomial([5, 5], [1, 2], [1, -1]), "non-negative"),
    (lambda: beta_binomial_pass_at_k(BetaFit(1, 1), [5], [6], [10]), "0 <= c <= n"),
    (lambda: beta_pass_at_k(BetaFit(1, 1), [0]), "whole numbers >= 1"),
    (lambda: fit_power_law([1, 2, 4], [28.2, 38.5, 48.9]), "fractions, not percent"),
    (lambda: fit_power_law([1, 2], [0.3, 1.0]), "strictly between 0 and 1"),
    (lambda: fit_power_law([4, 4], [0.3, 0.4]), ">= 2 distinct k"),
    (lambda: fit_beta_curve([1, 2, 4], [0.3, 0.4]), "one value per k"),
    (lambda: extrapolate(pd.DataFrame({"n": [4, 4], "c": [5, 1]}), [10], 5, 0), "0 <= c <= n"),
])
def test_bad_input_is_refused_with_a_clear_message(call, message):
    with pytest.raises(ValueError, match=message):
        call()
