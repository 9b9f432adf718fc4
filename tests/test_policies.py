"""Policies under a budget (budget_realloc.policies): each closed form against brute force with
exact fractions (every ordering, every subset), against simulation at larger n, and the choice
of a policy against an explicit loop — including that choosing on the scored problems flatters
a mix of pure-noise models while held-out choice does not."""

from __future__ import annotations

import itertools
from fractions import Fraction
from math import comb

import numpy as np
import pandas as pd
import pytest

from budget_realloc.costs import Costs
from budget_realloc.metrics.grid import k_for_budget, log2_budget_grid
from budget_realloc.metrics.curves import budget_curves, pass_at_k_table
from budget_realloc.policies import policies_table, write_policies
from budget_realloc.policies.choose import choose, fold_views, held_out, in_sample
from budget_realloc.policies.classes import PolicyClass, cap_grid, family_classes
from budget_realloc.policies.estimators import escalate, mix, stop_curves

# a sample: (stops the run, passes the judge); stopping without passing is a false positive
GOOD, FALSE_POSITIVE, MISSED, BAD = (True, True), (True, False), (False, True), (False, False)


def samples(good=0, false_positive=0, missed=0, bad=0) -> list[tuple[bool, bool]]:
    return [GOOD] * good + [FALSE_POSITIVE] * false_positive + [MISSED] * missed + [BAD] * bad


def run_in_order(orders, caps, prices) -> tuple[bool, Fraction]:
    """One escalation, literally: each model's samples in the given order, up to its cap, stop at
    the first that stops; (success, cost)."""
    cost = Fraction(0)
    for order, cap, price in zip(orders, caps, prices):
        for stops, passes in order[:cap]:
            cost += price
            if stops:
                return passes, cost
    return False, cost


def brute_escalation(models, caps, prices) -> tuple[Fraction, Fraction]:
    """Success probability and expected cost over every ordering of every model's samples."""
    success, cost, count = Fraction(0), Fraction(0), 0
    for orders in itertools.product(*(itertools.permutations(s) for s in models)):
        passed, spent = run_in_order(orders, caps, prices)
        success += passed
        cost += spent
        count += 1
    return success / count, cost / count


def curves_of(models, cap=None):
    return [stop_curves(len(s), sum(st for st, _ in s), sum(st and ok for st, ok in s),
                        cap=len(s) if cap is None else cap) for s in models]


@pytest.mark.parametrize("pool", [samples(good=1, bad=5), samples(good=2, false_positive=1, missed=1, bad=2),
                                  samples(false_positive=2, missed=2, bad=3), samples(good=6),
                                  samples(bad=4), samples(good=1, false_positive=3, bad=3)])
def test_first_pass_against_every_ordering(pool):
    curve = curves_of([pool])
    for cap in range(len(pool) + 1):
        success, cost = brute_escalation([pool], [cap], [Fraction(1)])
        got = escalate(curve, [1.0], [[cap]])
        assert got.success[0, 0] == pytest.approx(float(success), abs=1e-12)
        assert got.expected[0, 0] == pytest.approx(float(cost), abs=1e-12)


def test_first_pass_judged_by_its_own_tests_is_pass_at_k_and_the_issue_cost():
    """With the judge's tests deciding, success is pass@K and the expected cost
    sum_{i<K} C(n-c, i) / C(n, i) (the issue's formula, in exact integers)."""
    for n, c in [(10, 3), (12, 0), (9, 9), (20, 1)]:
        curve = stop_curves(n, c, cap=n)
        for cap in range(n + 1):
            out = escalate([curve], [1.0], [[cap]])
            assert out.success[0, 0] == pytest.approx(1 - comb(n - c, cap) / comb(n, cap), abs=1e-12)
            assert out.expected[0, 0] == pytest.approx(sum(Fraction(comb(n - c, i), comb(n, i)) for i in range(cap)),
                                                       abs=1e-12)


def test_escalation_of_three_models_against_every_ordering():
    models = [samples(good=1, false_positive=1, bad=2), samples(missed=1, good=1, bad=2), samples(good=1, bad=2)]
    prices = [Fraction(1), Fraction(39, 20), Fraction(507, 100)]
    curves = curves_of(models)
    caps = np.array(list(itertools.product([0, 1, 2, 4], [0, 2, 4], [0, 1, 3])))
    got = escalate(curves, [float(p) for p in prices], caps)
    for row, cap in enumerate(caps):
        success, cost = brute_escalation(models, cap, prices)
        assert got.success[row, 0] == pytest.approx(float(success), abs=1e-12), cap
        assert got.expected[row, 0] == pytest.approx(float(cost), abs=1e-12), cap


def test_mix_against_every_subset():
    """1 - prod_m (1 - pass@k_m): over every choice of k_m samples of each model, the share of
    choices holding at least one pass."""
    passes = [[1, 0, 0, 1, 0], [0, 0, 1, 0], [0, 1, 0, 0, 0, 0]]
    curves = [stop_curves(len(p), sum(p), cap=len(p)) for p in passes]
    allocations = np.array(list(itertools.product(*(range(len(p) + 1) for p in passes))))
    got = mix(curves, allocations)
    for row, ks in enumerate(allocations):
        subsets = list(itertools.product(*(itertools.combinations(p, k) for p, k in zip(passes, ks))))
        share = Fraction(sum(any(any(s) for s in chosen) for chosen in subsets), len(subsets))
        assert got[row, 0] == pytest.approx(float(share), abs=1e-12), ks


def test_estimators_are_unbiased_at_larger_n():
    """Draw n = 60 samples of problems of known pass and false-positive rates many times: the
    estimates average to the policy's true success 1/(1-(1-v)^K) ... of fresh samples."""
    rng = np.random.default_rng(0)
    n, cap, draws = 60, 30, 20000
    rates = {"good": 0.05, "false_positive": 0.03, "missed": 0.1}
    p = np.array([rates["good"], rates["false_positive"], rates["missed"], 1 - sum(rates.values())])
    classes = rng.multinomial(n, p, size=draws)
    curve = stop_curves(np.full(draws, n), classes[:, 0] + classes[:, 1], classes[:, 0], cap=cap)
    visible = p[0] + p[1]
    out = escalate([curve], [1.0], [[5], [cap]])
    for row, K in enumerate((5, cap)):
        reached = 1 - (1 - visible) ** K
        truth_success, truth_cost = reached * p[0] / visible, reached / visible
        error = out.success[row].std() / np.sqrt(draws)
        assert abs(out.success[row].mean() - truth_success) < 4 * error
        assert abs(out.expected[row].mean() - truth_cost) < 4 * out.expected[row].std() / np.sqrt(draws)


def test_first_pass_matches_random_orders_of_one_large_sample_set():
    """n = 100 is too many orderings to list: random ones of a fixed sample set agree with the
    closed form within Monte Carlo error."""
    rng = np.random.default_rng(1)
    pool = np.array(samples(good=4, false_positive=3, missed=5, bad=88))
    cap, runs = 50, 20000
    orders = np.argsort(rng.random((runs, len(pool))), axis=1)
    stops = pool[orders, 0][:, :cap]
    first = np.where(stops.any(axis=1), stops.argmax(axis=1), cap)
    success = np.where(first < cap, pool[orders[np.arange(runs), np.minimum(first, cap - 1)], 1], False)
    cost = np.minimum(first + 1, cap)
    out = escalate(curves_of([[tuple(s) for s in pool]], cap=cap), [1.0], [[cap]])
    assert abs(success.mean() - out.success[0, 0]) < 4 * success.std() / np.sqrt(runs)
    assert abs(cost.mean() - out.expected[0, 0]) < 4 * cost.std() / np.sqrt(runs)


def random_family(rng, problems: int, n: int, models: int, shared_difficulty: bool = False):
    difficulty = rng.beta(0.6, 0.9, problems)
    rates = [difficulty if shared_difficulty else rng.beta(0.6, 0.9, problems) for _ in range(models)]
    return [pd.DataFrame({"task_id": [f"T/{i:03d}" for i in range(problems)], "n": n, "c": rng.binomial(n, r)})
            for r in rates]


def test_in_sample_choice_is_the_best_allocation_found_by_brute_force():
    rng = np.random.default_rng(2)
    frames = random_family(rng, problems=9, n=8, models=2)
    curves = [stop_curves(f["n"], f["c"]) for f in frames]
    prices = np.array([1.0, 1.7])
    family = family_classes(["a", "b"], curves, prices, 8.0)
    mixed = next(c for c in family if c.policy == "mix")
    views = fold_views(9, 3, [0])
    budgets = np.array([1.0, 2.5, 4.0, 6.3, 8.0])
    chosen = in_sample(mixed, choose(mixed, views, budgets, "worst"))

    def mean_success(ks):
        return sum(1 - Fraction(comb(8 - ca, ks[0]) * comb(8 - cb, ks[1]), comb(8, ks[0]) * comb(8, ks[1]))
                   for ca, cb in zip(frames[0]["c"], frames[1]["c"])) / 9

    for b, budget in enumerate(budgets):
        fits = [(ka, kb) for ka in range(5) for kb in range(5) if 0 < ka + kb and ka + 1.7 * kb <= budget]
        best = max(mean_success(ks) for ks in fits)
        assert chosen.score[:, b].mean() == pytest.approx(float(best), abs=1e-12)


def test_held_out_choice_against_an_explicit_loop_over_folds():
    rng = np.random.default_rng(3)
    frames = random_family(rng, problems=12, n=10, models=2)
    curves = [stop_curves(f["n"], f["c"]) for f in frames]
    prices = [1.0, 2.0]
    policy = next(c for c in family_classes(["a", "b"], curves, prices, 10.0) if c.policy == "escalate")
    seeds, folds, budgets = [5, 6], 4, np.array([1.5, 3.0, 6.0])
    views = fold_views(12, folds, seeds)
    got = held_out(policy, choose(policy, views, budgets, "expected"), views)
    every = escalate(curves, prices, policy.settings)
    for b, budget in enumerate(budgets):
        expected = np.zeros(12)
        for seed in seeds:
            for part in np.array_split(np.random.default_rng(seed).permutation(12), folds):
                train = np.setdiff1d(np.arange(12), part)
                fits = every.expected[:, train].mean(axis=1) <= budget
                best = np.argmax(np.where(fits, every.success[:, train].mean(axis=1), -np.inf))
                expected[part] += every.success[best, part] if fits.any() else 0.0
        np.testing.assert_allclose(got.score[:, b], expected / len(seeds), atol=1e-12)


def test_pure_noise_mixes_gain_only_in_sample():
    """Three 'models' that are one model drawn three times, on problems that all have the same
    pass rate: every allocation of K samples has the same true success, so any gain of a mix
    over the best single model is noise.  Chosen on the problems that score it, the best mix never
    loses to the best single model and sometimes 'gains'; chosen on other problems, it loses as
    well as gains, its mean gain over replicates is within two standard errors of 0, and every
    held-out interval (policies.held_out_interval) covers 0.

    (With this project's unbiased estimator such flattering is rare: concentrating samples on one
    model is favoured by the without-replacement form, so in-sample the best allocation is most
    often a single model.  docs/policies.md has the numbers.)"""
    inside, outside, covered = [], [], []
    for replicate in range(12):
        rng = np.random.default_rng(replicate)
        counts = {m: pd.DataFrame({"task_id": [f"T/{i:02d}" for i in range(60)], "n": 16,
                                   "c": rng.binomial(16, 0.2, 60)}) for m in "abc"}
        table = policies_table(counts, {m: Costs(flops=1.0) for m in counts}, list(counts), np.array([4.0, 8.0]),
                               folds=5, seeds=[replicate], resamples=300, seed=replicate)
        rows = table[(table["policy"] == "mix") & (table["constraint"] == "worst")]
        inside.append(rows.loc[rows["split"] == "in-sample", "gain"].to_numpy())
        held = rows[rows["split"] == "held-out"]
        outside.append(held["gain"].to_numpy())
        covered.append(((held["gain_low"] <= 0) & (held["gain_high"] >= 0)).to_numpy())
    inside, outside, covered = map(np.concatenate, (inside, outside, covered))
    assert (inside >= 0).all() and (inside > 0).any()
    assert (outside < 0).any() and (outside > 0).any()
    assert abs(outside.mean()) < 2 * outside.std() / np.sqrt(outside.size)
    assert covered.all()


def test_fixed_rows_are_the_budget_curves_with_their_censoring():
    """Each model's fixed rows are pass_flops@f of metrics.curves (an independent path), censored
    exactly where k > n/2; the family's row is censored once any model could get more."""
    rng = np.random.default_rng(5)
    frames = random_family(rng, problems=30, n=12, models=2)
    counts = dict(zip(["small", "large"], frames))
    costs = {"small": Costs(flops=1.0, seconds=1.0), "large": Costs(flops=2.5, seconds=4.0)}
    grid = log2_budget_grid(0, 4, 2)
    table = policies_table(counts, costs, ["small", "large"], grid, folds=3, seeds=[0], resamples=200, seed=0)
    curves = budget_curves({m: pass_at_k_table(f, resamples=200, seed=0) for m, f in counts.items()}, costs, grid)
    for model in counts:
        for budget_type in ("flops", "time"):
            ours = table[(table["scope"] == model) & (table["policy"] == "fixed") & (table["constraint"] == "worst")
                         & (table["budget_type"] == budget_type)].sort_values("budget")
            theirs = curves[(curves["model"] == model) & (curves["budget_type"] == budget_type)].sort_values("budget")
            np.testing.assert_allclose(ours["accuracy"], 100 * theirs["score"], atol=1e-9)
            np.testing.assert_array_equal(ours["censored"], theirs["censored"])
    family = table[(table["scope"] == "family") & (table["policy"] == "fixed") & (table["split"] == "in-sample")
                   & (table["budget_type"] == "flops")]
    np.testing.assert_array_equal(family["censored"], family["budget"] >= 7)    # 7 samples of the small model


def test_a_first_pass_cap_past_n_over_2_is_censored_on_expected_cost():
    """First-pass reaches its cap of n/2 at an expected cost E(n/2); from E(n/2) + F(n/2) one more
    sample fits, and the row is a lower bound from there."""
    frame = pd.DataFrame({"task_id": ["A", "B"], "n": [10, 10], "c": [0, 5]})
    curve = stop_curves(frame["n"], frame["c"])
    policy = PolicyClass("first-pass", "m", ("m",), (curve,), np.array([1.0]), np.arange(1, 6)[:, None])
    edge = (curve.draws[:, 5] + curve.no_stop[:, 5]).mean()
    choice = choose(policy, fold_views(2, 2, [0]), np.array([edge - 1e-6, edge]), "expected")
    assert choice.censored[:, 0].tolist() == [False, True]


def test_cap_grid_and_first_pass_rows():
    assert cap_grid(50).tolist() == [0, 1, 2, 3, 4, 6, 8, 11, 16, 23, 32, 45, 50]
    assert cap_grid(1).tolist() == [0, 1]


def test_write_policies_reads_the_workflow_files(tmp_path):
    rng = np.random.default_rng(6)
    frames = random_family(rng, problems=20, n=10, models=2)
    paths, cost_paths, visible_paths = {}, {}, {}
    for model, frame, flops in zip(["s", "l"], frames, [1.0, 3.0]):
        paths[model] = tmp_path / f"{model}.csv"
        frame.assign(decoding="sampled")[["decoding", "task_id", "n", "c"]].to_csv(paths[model], index=False)
        cost_paths[model] = tmp_path / f"{model}.json"
        Costs(flops=flops, seconds=flops).write(cost_paths[model])
        visible = rng.binomial(frame["n"] - frame["c"], 0.2) + frame["c"]
        visible_paths[model] = tmp_path / f"{model}-visible.csv"
        frame.assign(visible=visible, both=frame["c"]).to_csv(visible_paths[model], index=False)
    out = tmp_path / "policies.csv"
    written = write_policies(counts=paths, costs=cost_paths, models=["s", "l"], grid=[1, 2, 4, 8], folds=2,
                             seeds=[0], resamples=100, seed=0, out=str(out), visible=visible_paths)
    again = pd.read_csv(out, keep_default_na=False, na_values=[""])
    assert len(again) == len(written) and set(written["policy"]) == {
        "fixed", "first-pass", "first-pass-visible", "mix", "escalate", "escalate-visible"}
    # visible tests that accept more programs stop earlier: never costlier than stopping on the judge's
    pair = written[(written["scope"] == "s") & (written["constraint"] == "worst") & (written["budget_type"] == "flops")]
    first = pair[pair["policy"] == "first-pass"].set_index("budget")
    seen = pair[pair["policy"] == "first-pass-visible"].set_index("budget")
    assert (seen["expected_cost"] <= first["expected_cost"] + 1e-12).all()
    assert (seen["accuracy"] <= first["accuracy"] + 1e-9).all()


def test_k_for_budget_agrees_with_the_fixed_class_choice():
    """The fixed class at a budget picks k = k_for_budget(cost, budget) of the best model."""
    frame = pd.DataFrame({"task_id": ["A", "B", "C"], "n": 20, "c": [1, 5, 0]})
    curve = stop_curves(frame["n"], frame["c"])
    policy = next(c for c in family_classes(["m"], [curve], [1.95], 20.0) if c.policy == "fixed")
    budgets = np.array([1.0, 1.95, 4.0, 19.5])
    chosen = choose(policy, fold_views(3, 3, [0]), budgets, "worst").rows[:, 0]
    k = k_for_budget(1.95, budgets)
    assert [policy.settings[r, 0] if r >= 0 else 0 for r in chosen] == k.tolist()


def test_policy_figure_draws_every_class_and_its_censored_points(tmp_path):
    from budget_realloc.figures.policies_figure import policies_figure

    rng = np.random.default_rng(7)
    frames = random_family(rng, problems=25, n=8, models=2)
    counts = dict(zip(["s", "l"], frames))
    costs = {"s": Costs(flops=1.0), "l": Costs(flops=2.0)}                # one budget type: one row of panels
    table = policies_table(counts, costs, ["s", "l"], log2_budget_grid(0, 4, 2), folds=2, seeds=[0],
                           resamples=100, seed=0)
    fig = policies_figure(table, "test", str(tmp_path / "p.pdf"), str(tmp_path / "p.png"))
    assert (tmp_path / "p.pdf").exists() and (tmp_path / "p.png").exists()
    ax = fig.axes[0]                                    # FLOPs, expected cost
    gids = {a.get_gid() for a in [*ax.lines, *ax.collections]}
    assert {f"policy:{p}:{s}" for p in ("fixed", "first-pass", "escalate", "mix")
            for s in ("held-out", "in-sample")} | {"fixed:s", "fixed:l"} <= gids
    drawn = next(a for a in ax.lines if a.get_gid() == "policy:escalate:held-out")
    rows = table[(table["policy"] == "escalate") & (table["split"] == "held-out") & (table["budget_type"] == "flops")
                 & (table["constraint"] == "expected")].sort_values("budget")
    np.testing.assert_allclose(drawn.get_ydata(), rows["accuracy"])
    censored = next(a for a in ax.collections if a.get_gid() == "censored:escalate")
    assert len(censored.get_offsets()) == rows["censored"].sum() > 0


def test_a_counts_only_model_gets_no_visible_rows_and_the_family_no_visible_classes():
    rng = np.random.default_rng(8)
    frames = random_family(rng, problems=15, n=8, models=2)
    counts = dict(zip(["s", "l"], frames))
    visible = {"s": frames[0].assign(visible=frames[0]["c"], both=frames[0]["c"])}      # "l" is counts only
    table = policies_table(counts, {m: Costs(flops=f) for m, f in (("s", 1.0), ("l", 2.0))}, ["s", "l"], [1, 2, 4],
                           folds=3, seeds=[0], resamples=50, seed=0, visible=visible)
    seen = table[table["policy"].str.endswith("visible")]
    assert set(seen["scope"]) == {"s"} and set(seen["policy"]) == {"first-pass-visible"}
    # visible tests equal to the judge's stop exactly where the judge's do
    mine = table[(table["scope"] == "s") & table["policy"].isin(["first-pass", "first-pass-visible"])]
    pivot = mine.pivot_table(index=["constraint", "budget"], columns="policy", values="accuracy")
    np.testing.assert_allclose(pivot["first-pass"], pivot["first-pass-visible"])


def test_more_folds_than_problems_names_the_setting():
    from budget_realloc.errors import UserError
    from budget_realloc.policies.choose import fold_views

    with pytest.raises(UserError, match=r"policies\.folds: .* \(3\), got 5"):
        fold_views(3, 5, [0])
