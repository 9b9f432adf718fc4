"""NLL ranking: exact per-sample scores, independent of batching; rank orders and rank-score."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from budget_realloc.hf import load_causal_lm, load_tokenizer
from budget_realloc.metrics import pass_at_k_curve
from budget_realloc.ranking.nll import mean_nll, split_tokens
from budget_realloc.ranking.scores import rank_score_table, ranked_passes

PROMPTS = ["def add(a, b):\n", "def is_even(n):\n    \"\"\"Return True if n is even.\"\"\"\n", "x = 1\n"]
COMPLETIONS = ["    return a + b\n", "    return n % 2 == 0\n", "y = x + 2  # two", "    pass", "", "z"]


def reference_nll(model, tokenizer, prompt, completion):
    """A plain float64 loop: one sequence at a time, token by token."""
    prompt_ids, completion_ids = split_tokens(tokenizer, prompt, completion)
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
    np.testing.assert_array_equal(ranked_passes(samples, "nll")["a"], [0, 1, 1, 0])


def test_oracle_ranking_scores_pass_at_k():
    rng = np.random.default_rng(0)
    rows = []
    for task in range(20):
        passed = rng.random(10) < rng.random()
        rows += [{"task_id": f"t{task}", "sample_id": i, "passed": p, "finished": True, "oracle": 0.0 if p else 1.0}
                 for i, p in enumerate(passed)]
    samples = pd.DataFrame(rows)
    counts = samples.groupby("task_id")["passed"].sum().to_numpy()
    np.testing.assert_allclose(rank_score_table(samples, "oracle"), pass_at_k_curve(10, counts, 5).mean(0),
                               atol=1e-12)
