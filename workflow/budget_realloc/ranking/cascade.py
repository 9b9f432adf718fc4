"""Self-test cascades (Chen et al., "Model Cascading for Code", arXiv 2405.15842).

Models are asked in size order.  Each samples k programs and k test blocks for a problem and
picks its best program by its own tests; if that program's confidence reaches θ the answer
is accepted, otherwise the next size is asked.  The last size is always accepted.

The pick follows the authors' released ``select.py``: over (program a, test t) pairs with a
passing t, the largest (tests a passes) × (programs passing t), ties to the lowest a.  With
no passing pair the lowest-index program is taken (their script takes the last) with
confidence 0.  Confidence is either the pick's share of the tests in hand (``tests_passed``;
asserts that could not be tests count as failed) or the released code's
(tests a passes)·(programs passing t) / (k · tests in hand) (``agreement``).

Draws follow ``subsets.subset_estimate``: each model's k programs and k blocks are random
subsets of its n samples and blocks, drawn independently per model; all θ share the draws.
Resources are counted, not priced: programs, test blocks, and program × test executions
(k programs × the distinct usable tests in hand), each an expectation per problem.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, NamedTuple, Sequence

import numpy as np
import pandas as pd

from .selectors import CONFIDENCES, Evidence, passes_in_hand
from .subsets import chunk_sizes, draw_subsets, mean_and_error

RESOURCES = ("programs", "test_blocks", "executions")
# θ grids are decimals such as 0.1·i, not exact in binary; a confidence equal to θ passes
TOLERANCE = 1e-12


class ModelDraws(NamedTuple):
    """One model on one problem, per draw [D]: the pick's verdict, its confidence, the
    executions spent."""

    won: np.ndarray
    confidence: np.ndarray
    executions: np.ndarray


def _self_test_pools(evidence: Evidence, samples: np.ndarray, blocks: np.ndarray, confidence: str) -> ModelDraws:
    """The pick of each pool of programs ``samples`` [D, k] with test blocks ``blocks`` [D, k]."""
    draws, k = samples.shape
    weights, tests_passed, in_hand = passes_in_hand(evidence, samples, blocks)
    programs_passing = in_hand.sum(axis=1, dtype=np.int32)                        # [D, T]
    best_test = np.where(in_hand, programs_passing[:, None, :], 0).max(axis=2, initial=0)  # [D, k]
    pool = np.arange(draws)
    finished = evidence.finished[samples]
    position = (tests_passed * best_test).argmax(axis=1)                         # ties: lowest index
    position = np.where(best_test[pool, position] > 0, position, finished.argmax(axis=1))
    has = finished.any(axis=1)
    tests = weights.sum(axis=1) + evidence.unusable(blocks)
    agreement = best_test[pool, position] if confidence == "agreement" else 1
    denominator = tests * (k if confidence == "agreement" else 1)
    score = np.divide(has * tests_passed[pool, position] * agreement, denominator,
                      out=np.zeros(draws), where=denominator > 0)
    won = has & evidence.passed[samples[pool, position]]
    return ModelDraws(won, score, k * (weights > 0).sum(axis=1))


def self_test(evidence: Evidence, k: int, draws: int, rng: np.random.Generator,
              confidence: str = "tests_passed") -> ModelDraws:
    """k programs and k test blocks, ``draws`` times: the pick by its own tests, as ``ModelDraws``."""
    if confidence not in CONFIDENCES:
        raise ValueError(f"confidence must be one of {CONFIDENCES}, got {confidence!r}")
    if not 1 <= k <= min(evidence.n, evidence.n_blocks):
        raise ValueError(f"k = {k} needs k programs and k test blocks; the problem has "
                         f"{evidence.n} and {evidence.n_blocks}")
    parts = [_self_test_pools(evidence, draw_subsets(rng, evidence.n, k, count),
                              draw_subsets(rng, evidence.n_blocks, k, count), confidence)
             for count in chunk_sizes(draws, k * max(1, len(evidence.tests.tests)))]
    return ModelDraws(*(np.concatenate(field) for field in zip(*parts)))


def _plans(ks: Sequence[int | Sequence[int]], models: int) -> list[tuple[int, ...]]:
    plans = [tuple(k) if isinstance(k, Sequence) else (k,) * models for k in ks]
    wrong = [plan for plan in plans if len(plan) != models]
    if wrong:
        raise ValueError(f"each plan needs one k per model ({models}); got {wrong}")
    return plans


@dataclass(frozen=True)
class CascadeResult:
    """``accuracy``: theta, plan, accuracy, standard_error (Monte Carlo).  ``resources``:
    theta, plan, model, k, reached (share of problems that asked it), programs, test_blocks,
    executions (expected per problem).  A plan names each model's k, e.g. "10/5/1"."""

    accuracy: pd.DataFrame
    resources: pd.DataFrame


def cascade(family: Mapping[str, Mapping[str, Evidence]], thetas: Sequence[float],
            ks: Sequence[int | Sequence[int]], draws: int, rng: np.random.Generator,
            confidence: str = "tests_passed") -> CascadeResult:
    """``family``: model → task → Evidence, models smallest first, every model on the same tasks.
    ``ks``: one k for every model, or a k per model."""
    models = list(family)
    tasks = sorted(family[models[0]])
    missing = {m: sorted(set(tasks) ^ set(family[m])) for m in models if set(family[m]) != set(tasks)}
    if missing:
        raise ValueError(f"every model needs the same tasks; these differ from {models[0]}'s: {missing}")
    accuracy_rows, resource_rows = [], []
    for plan in _plans(ks, len(models)):
        label = "/".join(map(str, plan))
        runs = [[self_test(family[m][t], k, draws, rng, confidence) for t in tasks] for m, k in zip(models, plan)]
        for theta in thetas:
            reached = [np.ones(draws, dtype=bool) for _ in tasks]
            outcomes = [np.zeros(draws) for _ in tasks]
            for index, (model, k) in enumerate(zip(models, plan)):
                last = index == len(models) - 1
                asked = np.array([r.mean() for r in reached])
                executions = np.mean([(r * run.executions).mean() for r, run in zip(reached, runs[index])])
                resource_rows.append({"theta": theta, "plan": label, "model": model, "k": k,
                                      "reached": asked.mean(), "programs": k * asked.mean(),
                                      "test_blocks": k * asked.mean(), "executions": executions})
                for task, run in enumerate(runs[index]):
                    accept = reached[task] & (last | (run.confidence >= theta - TOLERANCE))
                    outcomes[task] += accept & run.won
                    reached[task] = reached[task] & ~accept
            mean, standard_error = mean_and_error(outcomes)
            accuracy_rows.append({"theta": theta, "plan": label, "accuracy": mean, "standard_error": standard_error})
    return CascadeResult(pd.DataFrame(accuracy_rows), pd.DataFrame(resource_rows))


def cascade_cost(resources: pd.DataFrame, unit_costs: Mapping[str, Mapping[str, float]]) -> pd.DataFrame:
    """Expected cost per problem for each (theta, plan): Σ over models of programs, test
    blocks and executions times that model's unit costs (keys of ``RESOURCES``)."""
    missing = {m: [r for r in RESOURCES if r not in unit_costs.get(m, {})] for m in resources["model"].unique()}
    missing = {m: r for m, r in missing.items() if r}
    if missing:
        raise ValueError(f"unit costs missing (model: resources): {missing}")
    spent = sum(resources[r] * resources["model"].map(lambda m, r=r: unit_costs[m][r]) for r in RESOURCES)
    return resources.assign(cost=spent).groupby(["theta", "plan"], sort=False, as_index=False)["cost"].sum()
