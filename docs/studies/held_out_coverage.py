"""How often a 95% interval of a held-out mix's gain covers the truth, on pure-noise models.

Three "models" that are one model drawn three times (every problem passes with probability
0.2, 16 samples each): every allocation of K samples has the same true success, so the true
gain of any mix over the best single model is 0.  For each replicate the mix and the best single
model are chosen by k-fold over problems (policies.choose) and their held-out gain gets two
intervals: the paired bootstrap over problems, which keeps each fold's choice fixed
(metrics.paired), and the corrected resampled t interval over folds (policies.held_out_interval).
Printed: the share of intervals that cover 0, per setting, and how often the mix chosen on the
scored problems (in-sample) appears to gain, in one run.

    python -m docs.studies held_out_coverage [--replicates 40]
"""

from __future__ import annotations

import argparse

import numpy as np

from budget_realloc.metrics.bootstrap import resample_counts
from budget_realloc.metrics.paired import paired_difference
from budget_realloc.policies.choose import choose, fold_views, held_out, in_sample
from budget_realloc.policies.classes import family_classes
from budget_realloc.policies.estimators import stop_curves
from budget_realloc.policies.held_out_interval import corrected_interval

BUDGETS = np.array([4.0, 8.0])


def coverage(problems: int, seeds: int, replicates: int, folds: int = 5) -> tuple[float, float, float, float]:
    bootstrap, corrected, flattered = [], [], []
    for replicate in range(replicates):
        rng = np.random.default_rng(100 + replicate)
        curves = [stop_curves(np.full(problems, 16), rng.binomial(16, 0.2, problems)) for _ in range(3)]
        classes = {c.policy: c for c in family_classes(list("abc"), curves, [1.0, 1.0, 1.0], float(BUDGETS.max()))
                   if c.scope == "family"}
        views = fold_views(problems, folds, range(seeds))
        choices = {p: choose(classes[p], views, BUDGETS, "worst") for p in ("mix", "fixed")}
        scored = {p: held_out(classes[p], choices[p], views) for p in choices}
        inside = {p: in_sample(classes[p], choices[p]).score.mean(axis=0) for p in choices}
        flattered += list(inside["mix"] - inside["fixed"])
        gain = scored["mix"].score.mean(axis=0) - scored["fixed"].score.mean(axis=0)
        draws = resample_counts(problems, 500, replicate)
        paired = paired_difference(scored["mix"].score, scored["fixed"].score, draws)
        low, high = corrected_interval(gain, scored["mix"].by_fold - scored["fixed"].by_fold, views.test_share)
        bootstrap += list((paired.low <= 0) & (paired.high >= 0))
        corrected += list((low <= 0) & (high >= 0))
    flattered = np.array(flattered)
    return float(np.mean(bootstrap)), float(np.mean(corrected)), float(np.mean(flattered > 0)), 100 * flattered.mean()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=40)
    args = parser.parse_args()
    print(f"share of 95% intervals covering the true gain 0 ({args.replicates} replicates x {len(BUDGETS)} budgets)")
    print(f"{'problems':>8} {'seeds':>5} {'paired bootstrap':>17} {'corrected t':>12} {'in-sample gain > 0':>19} "
          f"{'mean in-sample gain (points)':>29}")
    for problems, seeds in ((60, 1), (60, 3), (150, 3), (150, 10)):
        bootstrap, corrected, share, mean = coverage(problems, seeds, args.replicates)
        print(f"{problems:>8} {seeds:>5} {bootstrap:17.3f} {corrected:12.3f} {share:19.3f} {mean:29.3f}")


if __name__ == "__main__":
    main()
