"""Cost to match against curves computed by hand and an explicit resampling loop."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from budget_realloc.metrics.bootstrap import resample_counts
from budget_realloc.metrics.match import cost_to_match


def counts(n: int, c: list[int]) -> pd.DataFrame:
    return pd.DataFrame({"task_id": [f"T/{t:03d}" for t in range(len(c))], "n": n, "c": c})


def exact(n: int, c: int, k: int) -> Fraction:
    return 1 - Fraction(math.comb(n - c, k), math.comb(n, k))


# 8 problems.  Smaller: n = 4 (reads k <= 2), cost 1, c = 1 everywhere:
#   pass@1 = 1/4, pass@2 = 1 - C(3,2)/C(4,2) = 1/2, on every problem alike.
# Larger: n = 4 (its largest reported k is 2), cost 3, c = 2,2,1,1,1,1,0,0:
#   pass@1 = 8/32 = 1/4          -> smaller ties at k = 1: budget 1, ratio 1/(1·3) = 1/3
#   pass@2 = (2·5/6 + 4·1/2)/8 = 11/24 -> smaller reaches at k = 2: budget 2, ratio 2/(2·3) = 1/3
#   greedy solves 5 of 8 = 5/8 > 1/2   -> smaller never reaches it by k = 2: censored
SMALLER, LARGER = counts(4, [1] * 8), counts(4, [2, 2, 1, 1, 1, 1, 0, 0])
GREEDY = counts(1, [1, 1, 1, 1, 1, 0, 0, 0])


@pytest.fixture(scope="module")
def hand_table() -> pd.DataFrame:
    return cost_to_match(SMALLER, LARGER, smaller_cost=1.0, larger_cost=3.0, larger_greedy=GREEDY,
                         draws=resample_counts(8, 2000, seed=0))


def test_cost_to_match_points_computed_by_hand(hand_table):
    table = hand_table.set_index("target")
    assert list(table.index) == ["pass@1", "greedy pass@1", "pass@2"]
    assert table.loc["pass@1", "target_score"] == pytest.approx(1 / 4, abs=1e-15)
    assert table.loc["greedy pass@1", "target_score"] == pytest.approx(5 / 8, abs=1e-15)
    assert table.loc["pass@2", "target_score"] == pytest.approx(11 / 24, abs=1e-15)
    assert list(table["target_k"]) == [1, 1, 2]
    assert list(table["target_budget"]) == [3.0, 3.0, 6.0]
    for target, k in (("pass@1", 1), ("pass@2", 2)):
        row = table.loc[target]
        assert row["k"] == k and row["budget"] == k and row["ratio"] == pytest.approx(1 / 3)
    assert str(table["k"].dtype) == "Int64"


def test_a_target_out_of_reach_is_censored_not_invented(hand_table):
    row = hand_table.set_index("target").loc["greedy pass@1"]
    assert pd.isna(row["k"]) and np.isnan(row["budget"]) and np.isnan(row["ratio"])
    assert row["note"] == "not within n/2 samples (k <= 2)"


def test_interval_bounds_censored_resamples():
    """The smaller model's curve is the same on every resample (identical problems); the larger
    model's pass@1 on a resample is (sum of drawn c)/32, which the smaller reaches at k = 1 when
    <= 1/4, at k = 2 when <= 1/2 (always: c <= 2).  Greedy: reached at k = 2 only when at most
    half the drawn problems are greedy-solved, which happens in a minority of resamples."""
    draws = resample_counts(8, 2000, seed=0)
    table = cost_to_match(SMALLER, LARGER, smaller_cost=1.0, larger_cost=3.0, larger_greedy=GREEDY,
                          draws=draws).set_index("target")
    pass1 = draws @ np.array([2, 2, 1, 1, 1, 1, 0, 0]) / 32
    row = table.loc["pass@1"]
    assert row["reached_share"] == 1.0
    assert (row["k_low"], row["k_high"]) == (1, 2)                 # both outcomes are common
    assert 0.3 < np.mean(pass1 <= 0.25) < 0.7
    greedy = table.loc["greedy pass@1"]
    solved = draws @ np.array([1, 1, 1, 1, 1, 0, 0, 0]) / 8
    assert greedy["reached_share"] == pytest.approx(np.mean(solved <= 0.5), abs=1e-15)
    assert greedy["k_low"] == 2 and pd.isna(greedy["k_high"])
    assert greedy["note"] == "not within n/2 samples (k <= 2)"


@pytest.mark.parametrize("seed", range(3))
def test_interval_equals_a_loop_over_drawn_problems(seed):
    """Every resample recomputes target and curve from the drawn problems (explicit indices)."""
    rng = np.random.default_rng(seed)
    problems, resamples = 15, 300
    small_n, large_n = 12, 6
    small_c = rng.integers(0, small_n + 1, problems).tolist()
    large_c = rng.integers(0, large_n + 1, problems).tolist()
    indices = rng.integers(0, problems, size=(resamples, problems))
    draws = np.stack([np.bincount(row, minlength=problems) for row in indices])
    costs = {"smaller_cost": 1.3, "larger_cost": 2.9}
    table = cost_to_match(counts(small_n, small_c), counts(large_n, large_c), draws=draws,
                          **costs).set_index("target")

    def needed(drawn, target_k) -> float:
        target = sum(exact(large_n, large_c[i], target_k) for i in drawn) / problems
        for k in range(1, small_n // 2 + 1):
            if sum(exact(small_n, small_c[i], k) for i in drawn) / problems >= target:
                return k
        return math.inf

    for target, target_k in (("pass@1", 1), ("pass@3", 3)):
        looped = np.array([needed(drawn, target_k) for drawn in indices])
        k_low, k_high = np.quantile(looped, [0.025, 0.975], method="inverted_cdf")
        row = table.loc[target]
        point = needed(range(problems), target_k)
        assert row["reached_share"] == pytest.approx(np.isfinite(looped).mean(), abs=1e-15)
        for column, value in (("k", point), ("k_low", k_low), ("k_high", k_high)):
            assert (pd.isna(row[column]) and math.isinf(value)) or row[column] == value, (target, column)
        if math.isfinite(point):
            assert row["budget"] == pytest.approx(point * 1.3)
            assert row["ratio"] == pytest.approx(point * 1.3 / (target_k * 2.9))
        if math.isfinite(k_high):
            assert row["ratio_high"] == pytest.approx(k_high * 1.3 / (target_k * 2.9))


def test_models_must_cover_the_same_tasks_in_the_same_order():
    shuffled = counts(4, [1] * 8).iloc[::-1]
    with pytest.raises(ValueError, match="same tasks"):
        cost_to_match(SMALLER, shuffled, smaller_cost=1.0, larger_cost=2.0, draws=resample_counts(8, 10, seed=0))
