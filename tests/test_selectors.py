"""Selectors: hand-computed orders, rank-score of an order, and the subset estimator."""

from __future__ import annotations

import itertools
from collections import Counter
from fractions import Fraction

import numpy as np
import pytest

from budget_realloc.ranking.generated_tests import problem_tests
from budget_realloc.ranking.selectors import (MBR_EXEC, ORACLE, Evidence, codet, nll, nll_verifier, order, rank_score,
                                              selector, top_pick_accuracy)
from budget_realloc.ranking.subsets import pick, subset_estimate


def one_test_per_block(*statements):
    return problem_tests(list(statements), "f")


def test_codet_scores_tests_passed_times_root_of_agreement():
    """Two tests, six samples.  Consensus sets (finished samples passing exactly the same tests):
    {0} passes {t0, t1}; {1, 2, 3} pass {t0}; 4 and 5 did not finish, so they neither agree
    nor are picked (counted, they would make {t0}'s set 1 · √5 > 2).
      sqrt form (CodeT's code):  {0}: 2 tests · √1 = 2;  {1, 2, 3}: 1 · √3 ≈ 1.73  → 0, 1, 2, 3, [4, 5]
      product form (its paper):  {0}: 2 · 1 = 2;        {1, 2, 3}: 1 · 3 = 3      → 1, 2, 3, 0, [4, 5]"""
    evidence = Evidence(passed=[True, False, False, False, True, True], finished=[True] * 4 + [False] * 2,
                        test_passed=[[1, 1], [1, 0], [1, 0], [1, 0], [1, 0], [1, 0]],
                        tests=one_test_per_block("assert f(1) == 1", "assert f(2) == 2"))
    assert order(codet(), evidence).tolist() == [0, 1, 2, 3, 4, 5]
    assert order(codet("product"), evidence).tolist() == [1, 2, 3, 0, 4, 5]
    with pytest.raises(ValueError, match="CodeT form"):
        codet("cube")


def test_top_pick_accuracy_averages_a_tied_top_group_as_codet_reports():
    """Problem A: samples 0 and 1 pass t0 and t1 (one consensus set: 2·√2), 2 and 3 pass only t1,
    and 4 and 5 only t0 (1·√2 each): the top group is {0, 1}, of which one passes → 1/2.
    Problem B: no sample passes any test — every key is 0, all four tie → its pass rate 1/4.
    Problem C: nothing finished, nothing can be picked → its pass rate, 2/4."""
    tests = one_test_per_block("assert f(1) == 1", "assert f(2) == 2")
    a = Evidence(passed=[True, False, True, True, True, True], finished=[True] * 6, tests=tests,
                 test_passed=[[1, 1], [1, 1], [0, 1], [0, 1], [1, 0], [1, 0]])
    b = Evidence(passed=[False, False, True, False], finished=[True] * 4, tests=tests, test_passed=[[0, 0]] * 4)
    c = Evidence(passed=[True, True, False, False], finished=[False] * 4, tests=tests, test_passed=[[1, 1]] * 4)
    assert top_pick_accuracy(codet(), [a, b, c]) == pytest.approx((Fraction(1, 2) + Fraction(1, 4) + Fraction(2, 4)) / 3)


def test_codet_counts_a_test_as_often_as_it_was_generated():
    """t0 was generated twice (the formatting differs), t1 once: passing t0 alone is worth 2,
    t1 alone 1, nothing 0 (each sample is its own consensus set)."""
    tests = one_test_per_block("assert f(1) == 1", "assert f(1)==1", "assert f(2) == 2")
    evidence = Evidence(passed=[False] * 3, finished=[True] * 3, test_passed=[[0, 1], [1, 0], [0, 0]], tests=tests)
    assert order(codet(), evidence).tolist() == [1, 0, 2]


def test_mbr_exec_clusters_equal_outputs_and_uses_only_the_inputs_in_hand():
    """Outputs on f(1), f(2) (an exception is a signature too):
      0: 1, 3   1: 1, E   2: 1, 2   3: 1, E   4: 0, 2   5: 1, 2   6 (unfinished): 1, E
    Both inputs: clusters {0}, {1, 3}, {2, 5}, {4} → by size, ties by index: 1, 2, 3, 5, 0, 4, [6]
    (counted, 6 would make {1, 3, 6} the largest).
    f(1) alone: {0, 1, 2, 3, 5}, {4} → 0.  f(2) alone: {0}, {1, 3}, {2, 4, 5} → 2."""
    outputs = [["1", "3"], ["1", "E"], ["1", "2"], ["1", "E"], ["0", "2"], ["1", "2"], ["1", "E"]]
    finished = [True] * 6 + [False]
    tests = one_test_per_block("assert f(1) == 1", "assert f(2) == 2")
    evidence = Evidence(passed=[False] * 7, finished=finished, outputs=outputs, tests=tests)
    assert order(MBR_EXEC, evidence).tolist() == [1, 2, 3, 5, 0, 4, 6]
    everyone = np.arange(7)[None, :]
    assert pick(MBR_EXEC, evidence, everyone, np.array([[0]]))[0].tolist() == [0]
    assert pick(MBR_EXEC, evidence, everyone, np.array([[1]]))[0].tolist() == [2]
    # without tests every input is in hand
    assert order(MBR_EXEC, Evidence(passed=[False] * 7, finished=finished, outputs=outputs)).tolist() == \
        [1, 2, 3, 5, 0, 4, 6]


def test_nll_breaks_ties_by_index_and_puts_unfinished_and_unscored_last():
    evidence = Evidence(passed=[True, True, False, True, True], finished=[True, False, True, True, True],
                        scores={"nll": [2.0, 0.1, 1.0, 1.0, np.nan]})
    # finished and scored by nll then index: 2, 3 (1.0), 0 (2.0); then 1 (unfinished), 4 (NaN)
    assert order(nll(), evidence).tolist() == [2, 3, 0, 1, 4]


def test_nll_plus_verifier_mirrors_the_report():
    """As in test_ranking's report: nll − log p = 0: 0.61, 1: 2.40, 3: 1.59; 2 unfinished."""
    evidence = Evidence(passed=[True, False, True, False], finished=[True, True, False, True],
                        scores={"nll": [0.5, 0.1, 0.0, 0.9], "log_p_correct": np.log([0.9, 0.1, 0.5, 0.5])})
    assert order(nll_verifier(), evidence).tolist() == [0, 3, 1, 2]
    assert order(selector("nll+verifier", nll_weight=1.0), evidence).tolist() == [0, 3, 1, 2]


def test_oracle_puts_passing_finished_samples_first():
    evidence = Evidence(passed=[False, True, False, True], finished=[True, True, True, False])
    assert order(ORACLE, evidence).tolist() == [1, 0, 2, 3]


def test_random_order_is_seeded_and_keeps_unfinished_last():
    evidence = Evidence(passed=[False] * 20, finished=[i % 5 != 0 for i in range(20)])
    first = order(selector("random", rng=np.random.default_rng(3)), evidence)
    assert order(selector("random", rng=np.random.default_rng(3)), evidence).tolist() == first.tolist()
    assert order(selector("random", rng=np.random.default_rng(4)), evidence).tolist() != first.tolist()
    assert sorted(first.tolist()) == list(range(20))
    assert first[-4:].tolist() == [0, 5, 10, 15]


def brute_force_rank_score(order_passes, k: int) -> Fraction:
    """Mean over all k-subsets of the ranked samples of the verdict of the best-ranked one."""
    subsets = list(itertools.combinations(range(len(order_passes)), k))
    return Fraction(sum(int(order_passes[min(s)]) for s in subsets), len(subsets))


def random_nll_problems(rng, problems: int, n: int):
    return [Evidence(passed=rng.random(n) < rng.random(), finished=rng.random(n) < 0.85,
                     scores={"nll": np.where(rng.random(n) < 0.1, np.nan, rng.integers(0, 4, n) / 2)})
            for _ in range(problems)]


def test_rank_score_reads_eq4_off_the_order():
    """Unpickable samples count as failing wherever they fall in the subset."""
    evidences = random_nll_problems(np.random.default_rng(5), 6, 6)
    expected = []
    for evidence in evidences:
        ranked = order(nll(), evidence)
        pickable = evidence.finished & ~np.isnan(evidence.scores["nll"])
        expected.append([brute_force_rank_score(evidence.passed[ranked] & pickable[ranked], k) for k in range(1, 7)])
    means = [sum(column) / len(evidences) for column in zip(*expected)]
    np.testing.assert_allclose(rank_score(nll(), evidences), [float(m) for m in means], atol=1e-12)
    with pytest.raises(ValueError, match="same number of samples"):
        rank_score(nll(), evidences + random_nll_problems(np.random.default_rng(0), 1, 5))


def test_subset_estimate_agrees_with_eq4_for_nll():
    """A sample's NLL does not depend on the pool, so running the ranker on k random samples
    estimates exactly what Eq. 4 computes from the full order."""
    evidences = random_nll_problems(np.random.default_rng(6), 30, 8)
    exact = rank_score(nll(), evidences)
    estimate, error = subset_estimate(nll(), evidences, range(1, 9), draws=2000, rng=np.random.default_rng(7))
    assert np.all(np.abs(estimate - exact) <= 4 * error + 1e-12)
    assert error[0] > 0 and error[-1] == 0       # k = n: one possible pool


def naive_codet_pick(evidence, samples, blocks):
    """CodeT on one pool, written plainly: the tests in hand with their multiplicities,
    consensus sets of finished samples, (Σ multiplicities)² · set size, ties to the lowest index."""
    weight = Counter(t for b in blocks for t in evidence.tests.blocks[b].tests)
    passes = {i: frozenset(t for t in weight if evidence.test_passed[i, t]) for i in samples if evidence.finished[i]}
    if not passes:
        return None
    sizes = Counter(passes.values())
    score = {i: sum(weight[t] for t in s) ** 2 * sizes[s] for i, s in passes.items()}
    return max(sorted(score), key=lambda i: score[i])      # max keeps the first of equals


def test_subset_estimate_of_codet_matches_enumerating_every_pool():
    """Pools of k programs and k test blocks, all C(5, k)² of them, by the plain CodeT above."""
    rng = np.random.default_rng(8)
    tests = problem_tests(["assert f(1) == 1\nassert f(2) == 2", "assert f(3) == 3", "assert f(1) == 1",
                           "assert f(4) == 4\nassert f(2) == 2", "assert f(5) =="], "f")
    evidences = [Evidence(passed=rng.random(5) < 0.5, finished=[True, True, False, True, True],
                          test_passed=rng.random((5, len(tests.tests))) < 0.6, tests=tests) for _ in range(4)]
    for k in (1, 2, 3):
        pools = list(itertools.product(itertools.combinations(range(5), k), repeat=2))
        exact = np.mean([np.mean([(p := naive_codet_pick(e, s, b)) is not None and e.passed[p] for s, b in pools])
                         for e in evidences])
        estimate, error = subset_estimate(codet(), evidences, [k], draws=3000, rng=rng)
        assert abs(estimate[0] - exact) <= 4 * error[0] + 1e-12, (k, estimate, exact)


def test_ranking_all_samples_overstates_codet_at_small_k():
    """Samples 0-4 are correct and pass t0 only; 5 is wrong and also passes a wrong t1.  Every
    block holds both tests, so a pool with k blocks has each test k times.
      In a pool: c correct samples score (k)²·c; sample 5 scores (2k)²·1 = 4k².
      All 6 (the global order): 6²·5 = 180 > 12² = 144, so 0-4 rank above 5 and Eq. 4 gives
      5/6 at k = 1 and 1 for every k ≥ 2 (a pool of two already holds a correct sample).
      On the pool itself, sample 5 wins whenever it is there with c < 4 correct ones (c = 4
      ties, and ties go to the lower index): k = 2: it is in 5 of 15 pools → 2/3;
      k = 3: 10 of 20 → 1/2; k = 4: 10 of 15 → 1/3; k = 5, 6: 1."""
    tests = problem_tests(["assert f(1) == 1\nassert f(2) == 3"] * 6, "f")
    evidence = Evidence(passed=[True] * 5 + [False], finished=[True] * 6,
                        test_passed=[[1, 0]] * 5 + [[1, 1]], tests=tests)
    np.testing.assert_allclose(rank_score(codet(), [evidence]), [5 / 6, 1, 1, 1, 1, 1])
    estimate, error = subset_estimate(codet(), [evidence], range(1, 7), draws=4000, rng=np.random.default_rng(9))
    truth = np.array([5 / 6, 2 / 3, 1 / 2, 1 / 3, 1, 1])
    assert np.all(np.abs(estimate - truth) <= 4 * error + 1e-12)
    assert np.all(rank_score(codet(), [evidence])[1:4] - estimate[1:4] > 0.3)


def test_evidence_and_selectors_say_what_is_wrong():
    with pytest.raises(ValueError, match=r"score 'nll' has shape \(2,\), expected \(3,\)"):
        Evidence(passed=[True] * 3, finished=[True] * 3, scores={"nll": [1.0, 2.0]})
    with pytest.raises(ValueError, match="test_passed has 1 columns but the problem has 2"):
        Evidence(passed=[True], finished=[True], test_passed=[[True]],
                 tests=one_test_per_block("assert f(1) == 1", "assert f(2) == 2"))
    bare = Evidence(passed=[True, False], finished=[True, True])
    with pytest.raises(ValueError, match="needs 'test_passed'"):
        order(codet(), bare)
    with pytest.raises(ValueError, match="needs 'nll'"):
        order(nll(), bare)
    with pytest.raises(ValueError, match="unknown selector 'best'"):
        selector("best")
    with_tests = Evidence(passed=[True, False], finished=[True, True], test_passed=[[True], [False]],
                          tests=one_test_per_block("assert f(1) == 1"))
    with pytest.raises(ValueError, match="k = 2 needs 2 test blocks; the problem has 1"):
        subset_estimate(codet(), [with_tests], [2], draws=10, rng=np.random.default_rng(0))
