"""Self-test cascades: a hand-computed two-size family, and pools enumerated by brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from budget_realloc.ranking.cascade import cascade, cascade_cost, self_test
from budget_realloc.ranking.generated_tests import problem_tests
from budget_realloc.ranking.selectors import Evidence


def family():
    """Two problems, two sizes, two programs and two test blocks each (k = 2 takes them all).

    small, A: blocks "f(1), f(2)" and "f(3), f(4) ==" (cut: an unusable assert).  Tests in
      hand: t0, t1, t2 and the cut one = 4.  Program 0 (correct) passes t0-t2, program 1 none.
      Pairs: only program 0 passes tests, each passed by 1 program → pick 0, 3 · 1.
      tests_passed = 3/4 (the cut assert counts as failed); agreement = 3·1 / (2·4) = 3/8.
    small, B: blocks "f(1)", "f(2)".  Program 0 passes nothing, program 1 (wrong) passes t0.
      pick 1, 1 · 1;  tests_passed = 1/2;  agreement = 1·1 / (2·2) = 1/4.
    large: the correct program passes both its tests, the wrong one none: always right."""
    small_a = problem_tests(["assert f(1) == 1\nassert f(2) == 2", "assert f(3) == 3\nassert f(4) =="], "f")
    small_b = problem_tests(["assert f(1) == 1", "assert f(2) == 2"], "f")
    return {
        "small": {"A": Evidence(passed=[True, False], finished=[True, True],
                                test_passed=[[1, 1, 1], [0, 0, 0]], tests=small_a),
                  "B": Evidence(passed=[False, False], finished=[True, True],
                                test_passed=[[0, 0], [1, 0]], tests=small_b)},
        "large": {"A": Evidence(passed=[False, True], finished=[True, True],
                                test_passed=[[0, 0], [1, 1]], tests=small_b),
                  "B": Evidence(passed=[True, False], finished=[True, True],
                                test_passed=[[1, 1], [0, 0]], tests=small_b)},
    }


def test_two_sizes_by_hand():
    """Confidence ``tests_passed``: small accepts A (3/4, right) and B (1/2, wrong) when θ allows.
      θ = 0, 0.5: both stay small → accuracy 1/2, large never asked.
      θ = 0.6: B goes up → 1; large asked for half the problems.   θ = 0.8: both go up → 1.
    Executions: k = 2 programs × distinct usable tests in hand: small A 2·3, B 2·2 → mean 5;
    large 2·2 per problem asked."""
    result = cascade(family(), thetas=[0.0, 0.5, 0.6, 0.8], ks=[2], draws=5, rng=np.random.default_rng(0))
    accuracy = result.accuracy.set_index("theta")
    assert accuracy["accuracy"].tolist() == [0.5, 0.5, 1.0, 1.0]
    assert accuracy["standard_error"].tolist() == [0.0] * 4      # k = n: every draw is the same pool
    assert set(result.accuracy["plan"]) == {"2/2"}
    resources = result.resources.set_index(["theta", "model"])
    spent = resources[["reached", "programs", "test_blocks", "executions"]]
    assert spent.loc[(0.6, "small")].tolist() == [1, 2, 2, 5]
    assert spent.loc[(0.5, "large")].tolist() == [0, 0, 0, 0]
    assert spent.loc[(0.6, "large")].tolist() == [0.5, 1, 1, 2]
    assert spent.loc[(0.8, "large")].tolist() == [1, 2, 2, 4]

    # small: 2·1 + 2·0.5 + 5·0.01 = 3.05; large at θ = 0.6: 1·4 + 1·2 + 2·0.01 = 6.02
    costs = {"small": {"programs": 1, "test_blocks": 0.5, "executions": 0.01},
             "large": {"programs": 4, "test_blocks": 2, "executions": 0.01}}
    cost = cascade_cost(result.resources, costs).set_index("theta")["cost"]
    assert cost.loc[0.6] == pytest.approx(3.05 + 6.02)
    assert cost.loc[0.0] == pytest.approx(3.05)


def test_agreement_confidence_by_hand():
    """Confidence ``agreement``: A 3/8, B 1/4.  θ = 0.2: both small (1/2); θ = 0.3: B up (1);
    θ = 0.4: both up (1)."""
    result = cascade(family(), thetas=[0.2, 0.3, 0.4], ks=[(2, 2)], draws=3, rng=np.random.default_rng(0),
                     confidence="agreement")
    assert result.accuracy["accuracy"].tolist() == [0.5, 1.0, 1.0]
    assert result.resources.query("model == 'large'")["reached"].tolist() == [0, 0.5, 1]


def naive_pick(evidence, programs, blocks):
    """The released select.py, written plainly: the tests of the blocks in hand as a list
    (repeats kept), a programs × tests pass matrix, the first (row-major) passing pair with the
    largest row sum × column sum.  Returns the pick and its share of tests passed, where the
    asserts that could not be tests count as failed."""
    tests = [t for b in blocks for t in evidence.tests.blocks[b].tests]
    unusable = sum(evidence.tests.blocks[b].unusable for b in blocks)
    matrix = [[bool(evidence.finished[p] and evidence.test_passed[p, t]) for t in tests] for p in programs]
    rows = [sum(row) for row in matrix]
    columns = [sum(column) for column in zip(*matrix)] if tests else []
    best, chosen = -1, None
    for a, row in enumerate(matrix):
        for t, passes in enumerate(row):
            if passes and rows[a] * columns[t] > best:
                best, chosen = rows[a] * columns[t], a
    if chosen is None:
        finished = [a for a, p in enumerate(programs) if evidence.finished[p]]
        return (programs[finished[0]] if finished else None), 0.0
    return programs[chosen], rows[chosen] / (len(tests) + unusable)


def exact_accept_and_win(evidence, k, theta):
    """Over every pool of k programs and k blocks: P(accept and right), P(reject), P(right)."""
    pools = list(itertools.product(itertools.combinations(range(evidence.n), k),
                                   itertools.combinations(range(evidence.n_blocks), k)))
    outcomes = [naive_pick(evidence, list(p), list(b)) for p, b in pools]
    right = [pick is not None and evidence.passed[pick] for pick, _ in outcomes]
    accept = [confidence >= theta for _, confidence in outcomes]
    return (np.mean([a and r for a, r in zip(accept, right)]), 1 - np.mean(accept), np.mean(right))


def test_random_pools_match_enumerating_every_pool():
    """k = 2 of 4 programs and of 4 blocks; the second size only sees what the first rejects."""
    rng = np.random.default_rng(1)
    tests = problem_tests(["assert f(1) == 1\nassert f(2) == 2", "assert f(3) == 3", "assert f(1) == 1",
                           "assert f(4) == 4\nassert f(5) =="], "f")
    def evidence():
        return Evidence(passed=rng.random(4) < 0.5, finished=[True, True, False, True],
                        test_passed=rng.random((4, len(tests.tests))) < 0.5, tests=tests)
    models = {"small": {"A": evidence(), "B": evidence()}, "large": {"A": evidence(), "B": evidence()}}
    thetas = [0.0, 0.25, 0.5, 2 / 3, 1.0]
    result = cascade(models, thetas=thetas, ks=[2], draws=4000, rng=rng)
    for theta, row in zip(thetas, result.accuracy.itertuples()):
        exact = []
        for task in ("A", "B"):
            accept_and_right, reject, _ = exact_accept_and_win(models["small"][task], 2, theta)
            exact.append(accept_and_right + reject * exact_accept_and_win(models["large"][task], 2, 0.0)[2])
        assert abs(row.accuracy - np.mean(exact)) <= 4 * row.standard_error + 1e-12, (theta, row, exact)


def test_self_test_counts_distinct_usable_tests_per_execution():
    """A block generated f(1) twice: one distinct test to run, two to count."""
    tests = problem_tests(["assert f(1) == 1\nassert f(1) == 1"], "f")
    run = self_test(Evidence(passed=[True], finished=[True], test_passed=[[True]], tests=tests), 1, 3,
                    np.random.default_rng(0))
    assert run.executions.tolist() == [1, 1, 1] and run.confidence.tolist() == [1.0] * 3


def test_cascade_says_what_is_wrong():
    models = family()
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=r"one k per model \(2\)"):
        cascade(models, [0.5], [(1, 2, 3)], 2, rng)
    with pytest.raises(ValueError, match="same tasks"):
        cascade({"small": models["small"], "large": {"A": models["large"]["A"]}}, [0.5], [1], 2, rng)
    with pytest.raises(ValueError, match="k = 3 needs k programs and k test blocks"):
        cascade(models, [0.5], [3], 2, rng)
    with pytest.raises(ValueError, match="confidence must be one of"):
        cascade(models, [0.5], [1], 2, rng, confidence="vibes")
    resources = pd.DataFrame({"theta": [0.5], "plan": ["1/1"], "model": ["small"], "programs": [1.0],
                              "test_blocks": [1.0], "executions": [1.0]})
    with pytest.raises(ValueError, match=r"unit costs missing .*'small': \['executions'\]"):
        cascade_cost(resources, {"small": {"programs": 1, "test_blocks": 1}})
