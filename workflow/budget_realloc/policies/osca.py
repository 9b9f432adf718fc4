"""OSCA's setting on its own released counts: a mix of sampling settings chosen on training
problems, scored on held-out ones (Zhang et al. 2024, arXiv 2410.22480; LeiLiLab/OSCA).

``bcb_results.json`` holds, for 10 settings (two models at five temperatures) and 148
BigCodeBench-Hard problems split 70 train / 78 test by upstream, how many of 300 samples pass
(``../shared/data/generations/osca_bigcodebench/README.md``).  Every sample costs the same, so a
budget of k samples is an allocation k_s >= 0 with sum_s k_s = k.  We choose it on the train
split with the same unbiased estimate that scores it on the test split (policies.estimators.mix:
1 - prod_s [1 - pass@k_s]; upstream fits with the plug-in (1 - c/n)^k instead), by exhaustive
search where the allocations are few (k <= 10 here) and otherwise by single-sample exchanges to
a local optimum from the greedy allocation and from each single setting (on this data that
finds the exhaustive optimum at every k <= 10: tests/test_osca.py); beside it, the
single setting with the best pass@k on train, scored on test.  docs/studies/osca_hill_climb.py runs
upstream's own search (a hill climb from a random start) for comparison.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from math import comb
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from .classes import allocations_within
from .estimators import StopCurves, mix, stop_curves

BUDGETS = tuple(2 ** i for i in range(8))          # 1, 2, 4, ..., 128 samples
EXHAUSTIVE_LIMIT = 100_000                          # allocations searched one by one, at most


@dataclass(frozen=True)
class OscaCounts:
    """Passes of ``runs`` samples per setting: ``train`` [settings, 70], ``test`` [settings, 78]."""
    settings: tuple[str, ...]
    runs: np.ndarray
    train: np.ndarray
    test: np.ndarray
    train_ids: tuple[str, ...]
    test_ids: tuple[str, ...]


def read_osca(path: str | Path) -> OscaCounts:
    """``bcb_results.json``, checked: every field present, counts in 0..runs, one per instance."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise InputError(f"{path}: cannot be read as JSON ({error})") from None
    missing = [f for f in ("settings", "training_instances", "testing_instances", "train", "test") if f not in data]
    if missing:
        raise InputError(f"{path}: missing field(s) {', '.join(missing)}")
    settings = data["settings"]
    runs = np.array([s["runs"] for s in settings], dtype=np.int64)
    split = {}
    for name, ids in (("train", "training_instances"), ("test", "testing_instances")):
        rows = []
        for i in range(len(settings)):
            counts = data[name].get(str(i))
            if counts is None or len(counts) != len(data[ids]):
                raise InputError(f"{path}: {name}[{i}] must hold one count per entry of {ids}")
            rows.append(counts)
        split[name] = np.array(rows, dtype=np.int64)
        if np.any((split[name] < 0) | (split[name] > runs[:, None])):
            raise InputError(f"{path}: {name} counts must lie in 0..runs")
    return OscaCounts(tuple(s["name"] for s in settings), runs, split["train"], split["test"],
                      tuple(data["training_instances"]), tuple(data["testing_instances"]))


def setting_curves(runs: np.ndarray, counts: np.ndarray) -> list[StopCurves]:
    return [stop_curves(np.full(counts.shape[1], r), c) for r, c in zip(runs, counts)]


def _mean_success(curves: list[StopCurves], allocations: np.ndarray) -> np.ndarray:
    return mix(curves, allocations).mean(axis=1)


def _greedy(curves: list[StopCurves], k: int) -> np.ndarray:
    """Each of k samples in turn to the setting whose next sample gains most."""
    fails = np.stack([c.no_stop for c in curves])               # [settings, problems, cap + 1]
    settings = len(curves)
    allocation = np.zeros(settings, dtype=np.int64)
    index = np.arange(settings)
    for _ in range(k):
        now = fails[index, :, allocation]                        # [settings, problems]
        others = np.prod(np.where(np.eye(settings, dtype=bool)[:, :, None], 1.0, now[None]), axis=1)
        allowed = allocation < fails.shape[2] - 1
        gain = np.where(allowed, (1 - others * fails[index, :, np.minimum(allocation + 1, fails.shape[2] - 1)]
                                  ).mean(axis=1), -np.inf)
        allocation[int(np.argmax(gain))] += 1
    return allocation


def _exchanges(curves: list[StopCurves], allocation: np.ndarray) -> np.ndarray:
    """The best move of one sample from one setting to another, while any gains."""
    settings, cap = len(curves), min(c.cap for c in curves)
    best = _mean_success(curves, allocation[None])[0]
    while True:
        moves = [(s, t) for s in range(settings) for t in range(settings)
                 if s != t and allocation[s] > 0 and allocation[t] < cap]
        if not moves:
            return allocation
        candidates = np.repeat(allocation[None], len(moves), axis=0)
        for row, (s, t) in enumerate(moves):
            candidates[row, s] -= 1
            candidates[row, t] += 1
        scores = _mean_success(curves, candidates)
        if scores.max() <= best + 1e-12:
            return allocation
        allocation, best = candidates[int(np.argmax(scores))], scores.max()


def choose_allocation(curves: list[StopCurves], k: int, exhaustive_limit: int = EXHAUSTIVE_LIMIT) -> np.ndarray:
    """The allocation of k equal-cost samples over the settings with the highest mean success on
    ``curves``' problems: every allocation where there are at most ``exhaustive_limit`` of them,
    else the best local optimum of exchanges from the greedy and from each single setting."""
    settings = len(curves)
    if comb(k + settings - 1, settings - 1) <= exhaustive_limit:
        every = allocations_within([np.arange(k + 1)] * settings, np.ones(settings), float(k))
        every = every[every.sum(axis=1) == k]
        return every[int(np.argmax(_mean_success(curves, every)))]
    starts = [_greedy(curves, k), *(k * np.eye(settings, dtype=np.int64))]
    candidates = np.stack([_exchanges(curves, start) for start in starts])
    return candidates[int(np.argmax(_mean_success(curves, candidates)))]


def label(settings: tuple[str, ...], allocation: np.ndarray) -> str:
    return " ".join(f"{s}:{k}" for s, k in zip(settings, allocation) if k)


def osca_table(counts: OscaCounts, budgets=BUDGETS, resamples: int = 1000, seed: int = 0) -> pd.DataFrame:
    """Per budget k: our allocation's pass rate on the test split (``heldout``, %), the best
    single setting on train scored on test (``best_single``, %), the allocation, the setting,
    our allocation's train estimate, and the paired bootstrap interval of heldout - best_single
    over the test problems (metrics.paired)."""
    from ..metrics.bootstrap import resample_counts
    from ..metrics.paired import paired_difference

    train, test = setting_curves(counts.runs, counts.train), setting_curves(counts.runs, counts.test)
    draws = resample_counts(counts.test.shape[1], resamples, seed)
    rows = []
    for k in budgets:
        allocation = choose_allocation(train, k)
        single = k * np.eye(len(counts.settings), dtype=np.int64)
        best = int(np.argmax(_mean_success(train, single)))
        ours, theirs = mix(test, allocation[None])[0], mix(test, single[best][None])[0]
        gain = paired_difference(ours, theirs, draws)
        rows.append({"k": k, "heldout": 100 * ours.mean(), "best_single": 100 * theirs.mean(),
                     "allocation": label(counts.settings, allocation), "best_single_setting": counts.settings[best],
                     "train": 100 * _mean_success(train, allocation[None])[0], "gain_low": 100 * gain.low,
                     "gain_high": 100 * gain.high})
    return pd.DataFrame(rows)


def write_policies_osca(path: str, out: str, resamples: int = 1000, seed: int = 0) -> pd.DataFrame:
    """``results/tables/policies-osca.csv`` from ``bcb_results.json``: :func:`osca_table`."""
    from ..io import write_csv

    table = osca_table(read_osca(path), resamples=resamples, seed=seed)
    write_csv(table, out)
    return table
