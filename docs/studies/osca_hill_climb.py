"""OSCA's own allocation search on its released counts, beside ours (policies.osca).

OSCA (Zhang et al. 2024; LeiLiLab/OSCA ``osca.py``) re-implemented from its description: an
allocation of k samples is k setting ids; start from k ids drawn uniformly at random (seeded
here; upstream is unseeded and makes one attempt), then sweep the k positions, trying every other
setting at each and keeping a change only if it raises the train split's plug-in estimate of
the pass rate, 1 - mean_p prod_s (1 - c_s/n_s)^{k_s}; repeat sweeps until one changes nothing.
The result is scored on the test split with the unbiased pass@k product (as upstream scores it).
Also run: the same climb on the unbiased train estimate, to separate the search from the
estimator.  Both beside our choice (exhaustive or greedy + exchanges, unbiased on train) and the
best single setting on train, in one run.

    python -m docs.studies osca_hill_climb [--seeds 10]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from budget_realloc.policies.estimators import mix
from budget_realloc.policies.osca import BUDGETS, osca_table, read_osca, setting_curves

DATA = (Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "generations" / "osca_bigcodebench"
        / "bcb_results.json")


def plug_in(rates: np.ndarray):
    """Upstream's train estimate of an allocation [settings]: with-replacement draws at c/n."""
    return lambda allocation: float(np.mean(1 - np.prod((1 - rates) ** allocation[:, None], axis=0)))


def unbiased(curves):
    return lambda allocation: float(mix(curves, allocation[None]).mean())


def hill_climb(estimate, settings: int, k: int, rng: np.random.Generator) -> np.ndarray:
    ids = rng.integers(0, settings, size=k)
    counts = lambda: np.bincount(ids, minlength=settings)  # noqa: E731
    improved = True
    while improved:
        improved = False
        for i in range(k):
            best = estimate(counts())
            for s in range(settings):
                if s == ids[i]:
                    continue
                kept, ids[i] = ids[i], s
                value = estimate(counts())
                if value > best:
                    best, improved = value, True
                else:
                    ids[i] = kept
    return counts()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DATA))
    parser.add_argument("--seeds", type=int, default=10)
    args = parser.parse_args()
    counts = read_osca(args.data)
    train, test = setting_curves(counts.runs, counts.train), setting_curves(counts.runs, counts.test)
    rates = counts.train / counts.runs[:, None]
    began = time.perf_counter()
    ours = osca_table(counts).set_index("k")
    ours_s = time.perf_counter() - began
    estimates = {"plug-in": plug_in(rates), "unbiased": unbiased(train)}
    print(f"held-out pass rate (%) on {counts.test.shape[1]} test problems; hill climb: mean [min, max] over "
          f"{args.seeds} seeds")
    print(f"{'k':>4} {'ours':>7} {'climb, plug-in':>22} {'climb, unbiased':>22} {'best single':>12}")
    climb_s = 0.0
    for k in BUDGETS:
        cells = []
        for name, estimate in estimates.items():
            began = time.perf_counter()
            held = [100 * mix(test, hill_climb(estimate, len(counts.settings), k, np.random.default_rng(seed))[None])
                    .mean() for seed in range(args.seeds)]
            climb_s += time.perf_counter() - began
            cells.append(f"{np.mean(held):6.2f} [{min(held):5.2f}, {max(held):5.2f}]")
        print(f"{k:>4} {ours.at[k, 'heldout']:7.2f} {cells[0]:>22} {cells[1]:>22} {ours.at[k, 'best_single']:12.2f}")
    print(f"ours: {ours_s:.2f} s for every k; hill climbs: {climb_s:.1f} s for {2 * args.seeds} climbs per k")


if __name__ == "__main__":
    main()
