"""The bootstrap bands and crossover.csv against hand computation and independent arithmetic."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from budget_realloc.costs import Costs
from budget_realloc.metrics.bootstrap import percentile_band, resample_counts, resampled_means
from budget_realloc.metrics.curves import pass_at_k_table, task_counts, write_pass_at_k
from budget_realloc.jobs.metrics import BudgetCurves, BudgetGrid
from budget_realloc.jobs.reports import Crossover
from budget_realloc.metrics.family import write_family
from budget_realloc.reporting import write_crossover


def exact_pass_at_k(n: int, c: int, k: int) -> Fraction:
    return 1 - Fraction(math.comb(n - c, k), math.comb(n, k))


def executions(counts: list[tuple[int, int]]) -> pd.DataFrame:
    """An executions table with n samples per task of which the first c pass."""
    return pd.DataFrame([{"task_id": f"T/{t:03d}", "sample_id": s, "passed": s < c}
                         for t, (n, c) in enumerate(counts) for s in range(n)])


def test_each_resample_is_the_mean_over_its_drawn_problems():
    rng = np.random.default_rng(3)
    n, problems = 9, 23
    c = rng.integers(0, n + 1, problems)
    per_problem = np.array([[float(exact_pass_at_k(n, ci, k)) for k in range(1, n + 1)] for ci in c])
    draws = resample_counts(problems, 50, seed=11)
    means = resampled_means(per_problem, draws)
    for b in (0, 17, 49):
        drawn = np.repeat(np.arange(problems), draws[b])          # the problems of resample b, listed
        assert drawn.size == problems
        expected = [float(sum(exact_pass_at_k(n, int(c[i]), k) for i in drawn) / problems) for k in range(1, n + 1)]
        np.testing.assert_allclose(means[b], expected, atol=1e-14)


def test_resamples_are_seeded_and_uniform():
    draws = resample_counts(164, 4000, seed=5)
    assert draws.shape == (4000, 164) and (draws.sum(axis=1) == 164).all()
    np.testing.assert_array_equal(draws, resample_counts(164, 4000, seed=5))
    assert not np.array_equal(draws, resample_counts(164, 4000, seed=6))
    # each problem's count is Binomial(164, 1/164): mean 1, variance 1 - 1/164
    assert abs(draws.mean() - 1) < 1e-12
    assert draws.var(axis=0).mean() == pytest.approx(1 - 1 / 164, rel=0.05)


def test_percentile_band_is_the_central_95_percent():
    values = np.arange(1000.0)[np.random.default_rng(0).permutation(1000)]
    low, high = percentile_band(values)
    # linear interpolation between order statistics: position 0.025 * 999 = 24.975
    assert low == pytest.approx(24.975) and high == pytest.approx(974.025)


def test_band_width_matches_the_binomial_standard_error():
    """pass@1 of one sample per problem is a mean of Bernoulli(p): its 95% band is close to
    p_hat +- 1.96 sqrt(p_hat (1 - p_hat) / P)."""
    problems, solved = 400, 120
    table = pass_at_k_table(task_counts(executions([(1, 1)] * solved + [(1, 0)] * (problems - solved))),
                            resamples=4000, seed=1)
    row = table.iloc[0]
    half = 1.96 * math.sqrt(0.3 * 0.7 / problems)
    assert row["pass_at_k"] == pytest.approx(0.3, abs=1e-15)
    assert row["ci_low"] == pytest.approx(0.3 - half, abs=0.01)
    assert row["ci_high"] == pytest.approx(0.3 + half, abs=0.01)


def test_identical_problems_give_a_band_of_zero_width_and_greedy_gets_one_too():
    greedy = pd.DataFrame({"task_id": [f"T/{t:03d}" for t in range(12)], "sample_id": 0,
                           "passed": [t < 3 for t in range(12)]})
    table = pass_at_k_table(task_counts(executions([(6, 2)] * 12)), task_counts(greedy), resamples=500, seed=0)
    sampled = table[table["decoding"] == "sampled"]
    expected = [float(exact_pass_at_k(6, 2, k)) for k in range(1, 7)]
    np.testing.assert_allclose(sampled["pass_at_k"], expected, atol=1e-14)
    np.testing.assert_allclose(sampled["ci_low"], expected, atol=1e-12)
    np.testing.assert_allclose(sampled["ci_high"], expected, atol=1e-12)
    row = table[table["decoding"] == "greedy"].iloc[0]
    assert row["pass_at_k"] == 0.25 and row["ci_low"] < 0.25 < row["ci_high"]


def test_greedy_run_must_cover_the_same_tasks():
    greedy = pd.DataFrame({"task_id": ["T/000"], "sample_id": [0], "passed": [True]})
    with pytest.raises(ValueError, match="same tasks"):
        pass_at_k_table(task_counts(executions([(2, 1)] * 3)), task_counts(greedy), resamples=10, seed=0)


# ----------------------------------------------------------------------------- crossover
# 40 problems, three models of a family, costs 1 : 2 : 4 per sample (FLOPs and wall-time alike).
#   S: n = 8, c = 2 on every problem -> pass@k = 1 - C(6,k)/C(8,k), the same on every problem,
#      so its band has zero width: k=2 -> 13/28, k=4 -> 11/14.
#   M: n = 4, 31 problems always solved (c = 4), 9 never (c = 0) -> pass@k = 31/40 at every k;
#      band about 0.775 +- 1.96 sqrt(0.775 * 0.225 / 40) = [0.65, 0.90].
#   L: n = 2, 30 problems always solved, 10 never -> pass@1 = 3/4.
# Budgets 1, 2, 4, 8 (k <= n/2 is reported; beyond it a model keeps pass@(n/2) as a lower bound):
#   1: only S can pay (k = 1)                                 -> no row
#   2: S k=2 (13/28 = 0.464), M k=1 (0.775)                   -> M wins by 0.311, bands apart
#   4: S k=4 (11/14 = 0.786), M k=2 (0.775), L k=1 (0.75)     -> S wins by 0.0107, inside M's band
#   8: S k=8 > 4, M k=4 > 2, L k=2 > 1: all out of samples    -> S's bound 0.786 leads M's 0.775, but
#      M's true score may be higher: not determined
COUNTS = {"S": [(8, 2)] * 40, "M": [(4, 4)] * 31 + [(4, 0)] * 9, "L": [(2, 2)] * 30 + [(2, 0)] * 10}
COSTS = {"S": 1.0, "M": 2.0, "L": 4.0}


def family_files(tmp, counts: dict, costs: dict[str, Costs], grid=(0, 3), resamples=2000) -> dict:
    """A family's files as the workflow writes them, and its budget job."""
    files = {key: {m: str(tmp / f"{m}.{ext}") for m in counts}
             for key, ext in (("pass_at_k", "csv"), ("counts", "counts.csv"), ("costs", "json"))}
    for model, pairs in counts.items():
        write_pass_at_k(str(write_executions(tmp / f"{model}.parquet", pairs)), None, None, resamples=resamples,
                        seed=42, out=files["pass_at_k"][model], counts_out=files["counts"][model])
        costs[model].write(files["costs"][model])
    return BudgetCurves(models=tuple(counts), **files, resamples=resamples, seed=42,
                        grid=BudgetGrid(log2_min=grid[0], log2_max=grid[1], steps_per_octave=1),
                        out=str(tmp / "budget.csv"), pairs_out=str(tmp / "pairs.csv"), match_out=str(tmp / "match.csv"))


def write_executions(path, counts):
    executions(counts).to_parquet(path)
    return path


def crossover_of(tmp, job, models=None) -> dict[str, pd.DataFrame]:
    """The family's budget job run, then the crossover of that one family (``models``: its order)."""
    write_family(job)
    files = {name: str(tmp / f"{name}.csv") for name in ("crossover", "claims", "matches", "summary")}
    write_crossover(Crossover(families=(("bench", "fam"),), models=(tuple(models or job.models),), budget=(job.out,),
                              pairs=(job.pairs_out,), match=(job.match_out,), out=files["crossover"],
                              claims_out=files["claims"], match_out=files["matches"], summary_out=files["summary"]))
    return {name: pd.read_csv(path) for name, path in {**files, "budget": job.out, "pairs": job.pairs_out,
                                                          "match": job.match_out}.items()}


@pytest.fixture(scope="module")
def crossover_table(tmp_path_factory) -> pd.DataFrame:
    tmp = tmp_path_factory.mktemp("crossover")
    spec = family_files(tmp, COUNTS, {m: Costs(flops=1e12 * v, seconds=0.5 * v) for m, v in COSTS.items()})
    return crossover_of(tmp, spec)["crossover"]


def test_crossover_names_the_winner_known_by_hand(crossover_table):
    table = crossover_table
    assert sorted(set(table["budget_type"])) == ["flops", "time"]
    for _, rows in table.groupby("budget_type"):
        assert rows["budget"].tolist() == [2.0, 4.0, 8.0]
        clear, tie, censored = rows.iloc[0], rows.iloc[1], rows.iloc[2]
        assert (clear["best"], clear["best_k"], clear["runner_up"], clear["runner_up_k"], clear["models"]) == \
            ("M", 1, "S", 2, 2)
        assert clear["best_score"] == pytest.approx(31 / 40, abs=1e-12)
        assert clear["margin"] == pytest.approx(31 / 40 - 13 / 28, abs=1e-12)
        assert not clear["bands_overlap"] and clear["significant"] and clear["determined"]
        assert clear["margin_low"] > 0
        assert (tie["best"], tie["best_k"], tie["runner_up"], tie["runner_up_k"], tie["models"]) == \
            ("S", 4, "M", 2, 3)
        assert tie["margin"] == pytest.approx(11 / 14 - 31 / 40, abs=1e-12)
        assert tie["bands_overlap"] and not tie["significant"] and tie["margin_low"] < 0 < tie["margin_high"]
        # S's band has zero width; M's is the binomial one
        assert tie["best_low"] == pytest.approx(11 / 14, abs=1e-12) == tie["best_high"]
        half = 1.96 * math.sqrt(0.775 * 0.225 / 40)
        assert tie["runner_up_low"] == pytest.approx(0.775 - half, abs=0.03)
        assert tie["runner_up_high"] == pytest.approx(0.775 + half, abs=0.03)
        # out of samples: ranked by their bounds, nobody dropped, and the lead is not established
        assert (censored["best"], censored["runner_up"], censored["models"]) == ("S", "M", 3)
        assert censored["best_censored"] and censored["runner_up_censored"]
        assert censored["best_score"] == pytest.approx(11 / 14) and not censored["determined"]
        assert not censored["significant"]


def test_a_model_out_of_samples_keeps_its_bound_and_wins_by_it(tmp_path):
    """The 7B-vs-70B case of the paper: the small model has run out of samples at a budget where
    the large one still has some, but its pass@(n/2) already beats the large one's score."""
    counts = {"small": [(4, 4)] * 9 + [(4, 0)], "large": [(8, 1)] * 10}     # small's bound 0.9 > large's
    spec = family_files(tmp_path, counts, {"small": Costs(flops=1.0), "large": Costs(flops=1.0)}, grid=(0, 2),
                        resamples=200)
    tables = crossover_of(tmp_path, spec)
    row = tables["crossover"].set_index("budget").loc[4.0]          # small: k=4 > 2 (censored); large: k=4
    assert (row["best"], row["best_censored"], row["runner_up_censored"], row["determined"]) == \
        ("small", True, False, True)
    assert row["best_score"] == pytest.approx(0.9)
    pairs = tables["pairs"].set_index("budget")
    assert pairs.loc[4.0, "ahead"] == "smaller" and pairs.loc[4.0, "censored_smaller"]
    budget = tables["budget"]
    assert budget[(budget["model"] == "small") & (budget["budget"] == 4.0)]["censored"].item()


def test_exact_ties_go_to_the_model_listed_first_in_the_family(tmp_path):
    # the budget job lists b first; the family says a, b
    job = family_files(tmp_path, {"b": [(4, 1), (4, 3)], "a": [(4, 1), (4, 3)]},
                       {m: Costs(flops=1.0) for m in "ab"}, grid=(0, 1), resamples=100)
    family = crossover_of(tmp_path, job, models=("a", "b"))
    budget = family["budget"]
    table = family["crossover"]
    assert table["best"].tolist() == ["a", "a"] and table["runner_up"].tolist() == ["b", "b"]
    assert (table["margin"] == 0).all() and table["bands_overlap"].all()
    assert set(table["budget_type"]) == {"flops"}          # no wall-time cost: no time rows
    assert set(budget["budget_type"]) == {"flops"}


def test_a_winner_that_changes_with_the_efficiency_scenario_is_not_robust(tmp_path):
    # The family above on an axis priced under two scenarios: central S 1, M 2, L 4 (as above) and
    # a corner where S costs 4 (normalised: S 2, M 1, L 2).  In the corner:
    #   budget 2: S k=1 (2/8 = 0.25), M k=2 (0.775), L k=1 (0.75)        -> M, as centrally: robust
    #   budget 4: S k=2 (13/28), M k=4 > 2 (bound 0.775), L k=2 > 1 (0.75) -> M; centrally S: depends
    #   budget 8: S k=4 (11/14 = 0.786) leads the bounds                   -> S, as centrally: robust
    def priced(central, corner):
        return Costs(flops=1e12 * central, extra={"time@x": central},
                     scenarios={"time@x": {"central": central, "corner:x": corner}})

    spec = family_files(tmp_path, COUNTS, {"S": priced(1.0, 4.0), "M": priced(2.0, 2.0), "L": priced(4.0, 4.0)},
                        resamples=200)
    tables = crossover_of(tmp_path, spec)
    rows = tables["crossover"][tables["crossover"]["budget_type"] == "time@x"].set_index("budget")
    assert rows["best"].to_dict() == {2.0: "M", 4.0: "S", 8.0: "S"}
    assert rows["robust"].to_dict() == {2.0: "robust", 4.0: "depends on efficiency", 8.0: "robust"}
    assert rows.loc[4.0, "scenario_winners"] in ("S:1;M:1", "M:1;S:1")
    assert tables["crossover"][tables["crossover"]["budget_type"] == "flops"]["robust"].isna().all()  # no range
    summary = tables["summary"].set_index(["budget_type", "model"])
    assert summary.loc[("time@x", "S"), ["leads", "leads_determined", "leads_robust"]].tolist() == [2, 1, 0]
    assert summary.loc[("time@x", "M"), ["leads", "leads_determined", "leads_robust"]].tolist() == [1, 1, 1]
    assert summary.loc[("time@x", "S"), ["cost_low", "cost_central", "cost_high"]].tolist() == [1, 1, 2]
    assert summary.loc[("time@x", "M"), ["cost_low", "cost_central", "cost_high"]].tolist() == [1, 2, 2]
    assert summary.loc[("time@x", "L"), ["cost_low", "cost_central", "cost_high", "scenarios"]].tolist() == [2, 4, 4, 2]
    budget = tables["budget"]
    assert set(budget[budget["budget_type"] == "time@x"]["scenario"]) == {"central", "corner:x"}
    assert set(budget[budget["budget_type"] == "flops"]["scenario"]) == {"central"}
