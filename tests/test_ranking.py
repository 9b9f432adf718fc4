"""NLL ranking: exact per-sample scores, independent of batching; rank orders and rank-score."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pandas as pd
import pytest
import torch

from budget_realloc.costs import Costs
from budget_realloc.pretrained import load_causal_lm, load_tokenizer
from budget_realloc.io import write_json, write_parquet
from budget_realloc.metrics import pass_at_k_curve
from budget_realloc.ranking.nll import mean_nll, split_all
from budget_realloc.jobs.ranking import RankScore
from budget_realloc.ranking.report import rank_score_report
from budget_realloc.ranking.rankings import rank_score_table, ranked_passes
from budget_realloc.ranking.selectors import nll

PROMPTS = ["def add(a, b):\n", "def is_even(n):\n    \"\"\"Return True if n is even.\"\"\"\n", "x = 1\n"]
COMPLETIONS = ["    return a + b\n", "    return n % 2 == 0\n", "y = x + 2  # two", "    pass", "", "z"]


def reference_nll(model, tokenizer, prompt, completion):
    """A plain float64 loop: one sequence at a time, token by token."""
    [(prompt_ids, completion_ids)] = split_all(tokenizer, [prompt], [completion])
    ids = torch.tensor([prompt_ids + completion_ids])
    with torch.no_grad():
        logits = model(input_ids=ids).logits[0].double()
    total = 0.0
    for offset, token in enumerate(completion_ids):
        position = len(prompt_ids) + offset - 1
        total -= float(torch.log_softmax(logits[position], dim=-1)[token])
    return total / len(completion_ids) if completion_ids else float("nan")


def test_nll_matches_a_float64_loop_for_any_batch_size(tiny_model):
    tokenizer = load_tokenizer(str(tiny_model))
    model, device = load_causal_lm(str(tiny_model), "float32", "cpu")
    prompts = [PROMPTS[i % 3] for i in range(len(COMPLETIONS) * 3)]
    completions = COMPLETIONS * 3
    expected = np.array([reference_nll(model, tokenizer, p, c) for p, c in zip(prompts, completions)])
    for batch_size in (1, 16):
        got, tokens = mean_nll(model, tokenizer, device, prompts, completions, batch_size)
        np.testing.assert_allclose(got, expected, atol=1e-5, equal_nan=True)
    assert np.isnan(got[4]) and tokens[4] == 0


def test_ranking_puts_unfinished_last_and_breaks_ties_by_sample_id():
    samples = pd.DataFrame({"task_id": ["a"] * 4, "sample_id": [0, 1, 2, 3], "passed": [True, True, False, True],
                            "finished": [True, False, True, True], "nll": [2.0, 0.1, 1.0, 1.0]})
    # finished by nll then id: 2 (1.0, fail), 3 (1.0, pass), 0 (2.0, pass); unfinished 1 last, counted 0
    np.testing.assert_array_equal(ranked_passes(samples, nll(), "last")["a"], [0, 1, 1, 0])
    # the paper's way (the default): unfinished 1 leaves the pool
    np.testing.assert_array_equal(ranked_passes(samples, nll())["a"], [0, 1, 1])


def test_discarded_unfinished_leave_each_problem_its_own_n():
    # a: 4 samples, 1 unfinished -> ranked 3: [pass, fail, pass]; b: all 4 finished: [fail, pass, fail, fail];
    # c: none finished -> scores 0.  k stops at 3 // 2 = 1, and rank-score@1 is each pool's pass rate
    # (a 1-subset selects itself): (2/3 + 1/4 + 0) / 3 = 11/36
    samples = pd.DataFrame({"task_id": ["a"] * 4 + ["b"] * 4 + ["c"] * 2, "sample_id": [0, 1, 2, 3] * 2 + [0, 1],
                            "passed": [True, True, False, True, False, True, False, False, True, True],
                            "finished": [True, False, True, True] + [True] * 4 + [False] * 2,
                            "nll": [0.1, 0.0, 0.2, 0.3, 0.1, 0.2, 0.3, 0.4, 0.1, 0.2]})
    assert {t: list(v) for t, v in ranked_passes(samples, nll()).items()} == \
        {"a": [1.0, 0.0, 1.0], "b": [0.0, 1.0, 0.0, 0.0], "c": []}
    np.testing.assert_allclose(rank_score_table(samples, nll()), [11 / 36])


def test_oracle_ranking_scores_pass_at_k():
    rng = np.random.default_rng(0)
    rows = []
    for task in range(20):
        passed = rng.random(10) < rng.random()
        rows += [{"task_id": f"t{task}", "sample_id": i, "passed": p, "finished": True, "oracle": 0.0 if p else 1.0}
                 for i, p in enumerate(passed)]
    samples = pd.DataFrame(rows)
    counts = samples.groupby("task_id")["passed"].sum().to_numpy()
    np.testing.assert_allclose(rank_score_table(samples, nll("oracle")), pass_at_k_curve(10, counts, 5).mean(0),
                               atol=1e-12)


def test_random_ranker_averages_to_pass_at_1():
    """Ranked by a random score, the mean rank-score@k over 1000 shuffles is pass@1 for every k,
    within 3 standard errors of the shuffles' spread."""
    rng = np.random.default_rng(1)
    n, tasks, shuffles = 8, 12, 1000
    passed = rng.random((tasks, n)) < rng.random((tasks, 1))
    samples = pd.DataFrame({"task_id": np.repeat([f"t{t}" for t in range(tasks)], n),
                            "sample_id": np.tile(np.arange(n), tasks), "passed": passed.ravel(), "finished": True})
    pass_at_1 = passed.mean()
    curves = np.array([rank_score_table(samples.assign(random=rng.permutation(len(samples))), nll("random"))
                       for _ in range(shuffles)])
    standard_error = curves.std(axis=0, ddof=1) / np.sqrt(shuffles)
    # (at k = 1 every ranking scores exactly pass@1: its spread is rounding only)
    assert np.all(np.abs(curves.mean(axis=0) - pass_at_1) <= 3 * standard_error + 1e-12)
    assert curves[:, 1].std() > 0          # the rankings really differed


def brute_force_rank_score(order_passes: list[int], k: int) -> float:
    """Mean over all k-subsets of the ranked samples of the verdict of the best-ranked one."""
    subsets = list(itertools.combinations(range(len(order_passes)), k))
    return sum(order_passes[min(s)] for s in subsets) / len(subsets)


def test_rank_score_report_charges_generation_scoring_and_verifier(tmp_path):
    """Each ranker's curve is its ranking's rank-score@k, and a ranked sample costs the
    generator's sample plus the ranker's (and verifier's) measured scoring, in units of the
    cheapest model."""
    keys = {"task_id": ["a"] * 4 + ["b"] * 4, "sample_id": [0, 1, 2, 3] * 2}
    write_parquet(pd.DataFrame({**keys, "finished": [True, True, False, True] * 2}), tmp_path / "g.parquet")
    write_parquet(pd.DataFrame({**keys, "passed": [True, False, True, False, False, True, False, True]}),
                  tmp_path / "e.parquet")
    nll = {"small": [0.5, 0.1, 0.0, 0.9, 0.3, 0.2, 0.1, 0.4], "large": [0.1, 0.2, 0.3, 0.4, 0.9, 0.8, 0.7, 0.6]}
    for ranker, seconds in (("small", 0.5), ("large", 2.0)):
        write_parquet(pd.DataFrame({**keys, "nll": nll[ranker]}), tmp_path / f"{ranker}.parquet",
                      metadata={"seconds_per_sample": seconds})
    write_parquet(pd.DataFrame({**keys, "log_p_correct": np.log([0.9, 0.1, 0.5, 0.5, 0.2, 0.9, 0.5, 0.5])}),
                  tmp_path / "v.parquet", metadata={"seconds_per_sample": 1.0})
    write_json({"flops": 3e9}, tmp_path / "v.flops.json")
    for model, seconds, flops in (("small", 4.0, 1e9), ("large", 10.0, 5e9)):
        Costs(flops=flops, seconds=seconds).write(tmp_path / f"{model}.json")
    job = RankScore(generations=str(tmp_path / "g.parquet"), executions=str(tmp_path / "e.parquet"),
                    generator="small", nll={r: str(tmp_path / f"{r}.parquet") for r in nll},
                    costs={m: str(tmp_path / f"{m}.json") for m in nll}, unfinished="last", out="unused.csv")
    report = rank_score_report(job).set_index(["ranker", "k"])
    # rankings by hand (unfinished sample 2 last, counted as failing):
    #   small: a -> 1, 0, 3, [2] = 0, 1, 0, 0;  b -> 1, 0, 3, [2] = 1, 0, 1, 0
    #   large: a -> 0, 1, 3, [2] = 1, 0, 0, 0;  b -> 3, 1, 0, 2 = 1, 1, 0, 0
    ranked = {"small": ([0, 1, 0, 0], [1, 0, 1, 0]), "large": ([1, 0, 0, 0], [1, 1, 0, 0])}
    for ranker, (a, b) in ranked.items():
        for k in (1, 2):
            expected = (brute_force_rank_score(a, k) + brute_force_rank_score(b, k)) / 2
            assert report.loc[(ranker, k), "rank_score"] == pytest.approx(expected, abs=1e-12)
    assert report.loc[("small", 1), "time_cost_per_sample"] == pytest.approx((4.0 + 0.5) / 4.0)
    assert report.loc[("large", 1), "time_cost_per_sample"] == pytest.approx((4.0 + 2.0) / 4.0)
    assert report.loc[("small", 1), "flops_cost_per_sample"] == pytest.approx(2.0)
    assert report.loc[("large", 1), "flops_cost_per_sample"] == pytest.approx(6.0)

    verified = rank_score_report(dataclasses.replace(job, verifier_scores=str(tmp_path / "v.parquet"),
                                                     verifier_flops=str(tmp_path / "v.flops.json"), nll_weight=1.0)
                                 ).set_index(["ranker", "k"])
    # small + verifier, nll - log p: a -> 0 (0.61), 3 (1.59), 1 (2.40), [2]; b -> 1 (0.31), 3 (1.09), 0 (1.91), [2]
    a, b = [1, 0, 0, 0], [1, 1, 0, 0]
    assert verified.loc[("small+verifier", 1), "rank_score"] == pytest.approx(
        (brute_force_rank_score(a, 1) + brute_force_rank_score(b, 1)) / 2)
    assert verified.loc[("small+verifier", 2), "rank_score"] == pytest.approx(
        (brute_force_rank_score(a, 2) + brute_force_rank_score(b, 2)) / 2)
    assert verified.loc[("small+verifier", 1), "time_cost_per_sample"] == pytest.approx((4.0 + 0.5 + 1.0) / 4.0)
    assert verified.loc[("small+verifier", 1), "flops_cost_per_sample"] == pytest.approx(5.0)
