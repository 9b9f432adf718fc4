"""Choosing a policy under a budget, on the problems it is scored on or on the others.

Choosing the best of many candidates on the problems that score it flatters the winner: with
enough candidates one fits the noise of those problems.  So every class is chosen twice at
each budget: on all problems (``in-sample``, an upper bound), and by k-fold over problems
(``held-out``): the problems are split into ``folds`` at random (one split per seed), each
fold's problems are scored by the candidate chosen on the other folds, and a problem's
held-out score is its mean over the seeds.

A candidate fits a budget when its mean cost over the choosing problems does: its expected cost
(``constraint`` ``expected``) or its worst case (``worst``).  Every candidate's mean over every
choosing set is one matrix product, per-problem values [rows, problems] @ weights [problems,
sets], computed in chunks of candidates so that a large mix never holds all of them at once.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from ..errors import UserError
from ..metrics.grid import affordable
from .classes import PolicyClass

CONSTRAINTS = ("expected", "worst")
_CHUNK = 4096


@dataclass(frozen=True)
class Views:
    """Sets of problems a choice is made on: column 0 of ``weights`` [problems, sets] is all of
    them, each other column a training set (weights 1/size on its problems); ``held_out_by``
    [seeds, problems] is the column whose training set leaves the problem out."""
    weights: np.ndarray
    held_out_by: np.ndarray

    @property
    def test_share(self) -> float:
        """n_test / n_train of a fold, on average."""
        train = (self.weights[:, 1:] > 0).sum(axis=0)
        return float(np.mean((len(self.weights) - train) / train))


def fold_views(problems: int, folds: int, seeds) -> Views:
    seeds = list(seeds)
    if not 2 <= folds <= problems:
        raise UserError(f"policies.folds: held-out choice needs 2 <= folds <= problems ({problems}), got {folds}")
    if not seeds:
        raise ValueError("held-out choice needs at least one seed")
    columns = [np.full(problems, 1.0 / problems)]
    held_out_by = np.empty((len(seeds), problems), dtype=np.int64)
    for s, seed in enumerate(seeds):
        for part in np.array_split(np.random.default_rng(seed).permutation(problems), folds):
            train = np.ones(problems, dtype=bool)
            train[part] = False
            held_out_by[s, part] = len(columns)
            columns.append(train / train.sum())
    return Views(np.column_stack(columns), held_out_by)


@dataclass(frozen=True)
class Choice:
    """The candidate chosen at each budget on each set of problems (-1: none fits), and whether a
    candidate with a model one sample past its cap would have fit (``censored``)."""
    rows: np.ndarray            # [budgets, sets]
    censored: np.ndarray        # [budgets, sets]


def choose(policy: PolicyClass, views: Views, budgets: np.ndarray, constraint: str) -> Choice:
    """The best candidate of ``policy`` at each budget on each set of problems of ``views``.

    ``censored``: giving some model at its cap one sample more would still fit — the true best
    may lie past the cap, so the score is a lower bound.  Its cost is at most the candidate's
    plus that model's price times the chance a run is still going when it gets there.
    """
    if constraint not in CONSTRAINTS:
        raise ValueError(f"constraint must be one of {CONSTRAINTS}, got {constraint!r}")
    weights = views.weights
    count = len(policy.settings)
    score, cost = np.empty((count, weights.shape[1])), np.empty((count, weights.shape[1]))
    extension = np.full((count, weights.shape[1]), np.inf)
    worst = policy.worst
    at_cap = policy.settings == policy.caps
    by_expectation = constraint == "expected" and policy.stops_early
    for start in range(0, count, _CHUNK):
        rows = np.arange(start, min(start + _CHUNK, count))
        outcome = policy.outcome(rows)
        score[rows] = outcome.success @ weights
        cost[rows] = outcome.expected @ weights if by_expectation else worst[rows, None]
        for m, price in enumerate(policy.unit_costs):
            capped = rows[at_cap[rows, m]]
            if capped.size:
                still_going = outcome.left[m][at_cap[rows, m]] @ weights if by_expectation else 1.0
                extension[capped] = np.minimum(extension[capped], cost[capped] + price * still_going)
    chosen = np.full((len(budgets), weights.shape[1]), -1, dtype=np.int64)
    censored = np.zeros(chosen.shape, dtype=bool)
    for b, budget in enumerate(budgets):
        fits = affordable(cost, budget)
        best = np.where(fits, score, -np.inf).argmax(axis=0)
        chosen[b] = np.where(fits.any(axis=0), best, -1)
        censored[b] = affordable(extension, budget).any(axis=0)
    return Choice(chosen, censored)


@dataclass(frozen=True)
class Scored:
    """A class at each budget, on one split: per-problem score and expected cost [problems,
    budgets] (NaN where nothing fits), worst cost, allocation and censoring per budget; held
    out, also each training set's mean score on the problems it left out [sets, budgets]."""
    score: np.ndarray
    expected: np.ndarray
    worst: np.ndarray
    allocation: list[str]
    censored: np.ndarray
    by_fold: np.ndarray | None = None


def _per_problem(policy: PolicyClass, rows: np.ndarray) -> tuple[dict[int, np.ndarray], dict[int, np.ndarray]]:
    """Success and expected cost per problem of each distinct chosen candidate."""
    distinct = np.unique(rows[rows >= 0])
    if not distinct.size:
        return {}, {}
    outcome = policy.outcome(distinct)
    return dict(zip(distinct, outcome.success)), dict(zip(distinct, outcome.expected))


def in_sample(policy: PolicyClass, choice: Choice) -> Scored:
    rows = choice.rows[:, 0]
    success, expected = _per_problem(policy, rows)
    problems = _problems(policy)
    nothing = np.full(problems, np.nan)
    score = np.column_stack([success.get(r, nothing) for r in rows])
    spent = np.column_stack([expected.get(r, nothing) for r in rows])
    worst = np.where(rows >= 0, policy.worst[rows], np.nan)
    return Scored(score, spent, worst, [policy.label(r) if r >= 0 else "" for r in rows], choice.censored[:, 0])


def held_out(policy: PolicyClass, choice: Choice, views: Views) -> Scored:
    """Each problem scored by the candidates chosen without it, averaged over the seeds.  A
    training set on which nothing fits the budget chooses to draw nothing: no cost, no pass."""
    success, expected = _per_problem(policy, choice.rows[:, 1:])
    problems = _problems(policy)
    zero = np.zeros(problems)
    score = np.zeros((problems, len(choice.rows)))
    spent = np.zeros_like(score)
    by_fold = np.zeros((views.weights.shape[1] - 1, len(choice.rows)))
    for by_seed in views.held_out_by:
        for b, rows in enumerate(choice.rows):
            for column in np.unique(by_seed):
                on = by_seed == column
                row = rows[column]
                score[on, b] += success.get(row, zero)[on]
                spent[on, b] += expected.get(row, zero)[on]
                by_fold[column - 1, b] = success.get(row, zero)[on].mean()
    seeds = len(views.held_out_by)
    fitted = (choice.rows[:, 1:] >= 0).any(axis=1)
    score, spent = score / seeds, spent / seeds
    score[:, ~fitted] = spent[:, ~fitted] = by_fold[:, ~fitted] = np.nan
    picked = choice.rows[:, 1:]
    worst = np.array([policy.worst[r[r >= 0]].max() if (r >= 0).any() else np.nan for r in picked])
    return Scored(score, spent, worst, [_tally(policy, r) for r in picked], choice.censored[:, 1:].any(axis=1),
                  by_fold)


def _problems(policy: PolicyClass) -> int:
    return policy.curves[0].no_stop.shape[0]


def _tally(policy: PolicyClass, rows: np.ndarray, shown: int = 3) -> str:
    """The allocations chosen on the training sets, most often chosen first, with how often (the
    ``shown`` most frequent, then how many others)."""
    counts = Counter(policy.label(r) if r >= 0 else "nothing" for r in rows).most_common()
    if len(counts) == 1:
        return counts[0][0]
    named = [f"{label} ({n}/{len(rows)})" for label, n in counts[:shown]]
    return "; ".join(named + ([f"{len(counts) - shown} others"] if len(counts) > shown else []))
