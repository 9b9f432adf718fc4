"""The policies of a family at every budget: ``results/<benchmark>/policies-<family>.csv``.

One row per policy class, budget type, constraint (what the budget caps: the ``expected`` cost
or the ``worst`` case), budget and split: the class's best candidate there (``scope`` family),
and for reference each model's own fixed-k and first-pass curves (``scope`` the model,
in-sample).  Every row is compared with the best single model at the same budget — the
``fixed`` row of the same split: in-sample on the same bootstrap resamples of the problems
(metrics.paired), held out fold by fold (policies.held_out_interval), so ``gain_low,
gain_high`` is the interval of the difference.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..costs import Costs, budget_types, normalised
from ..errors import InputError
from ..metrics.bootstrap import percentile_band, resample_counts, resampled_means
from ..metrics.paired import paired_difference
from .choose import CONSTRAINTS, choose, fold_views, held_out, in_sample
from .classes import family_classes
from .estimators import StopCurves, stop_curves
from .held_out_interval import corrected_interval

COLUMNS = ["policy", "scope", "allocation", "budget_type", "constraint", "budget", "expected_cost", "worst_cost",
           "accuracy", "accuracy_low", "accuracy_high", "split", "censored", "determined", "best", "gain",
           "gain_low", "gain_high", "significant"]


def _aligned(frames: dict[str, pd.DataFrame], models: list[str], what: str) -> dict[str, pd.DataFrame]:
    ordered = {m: frames[m].sort_values("task_id", kind="stable").reset_index(drop=True) for m in models}
    tasks = ordered[models[0]]["task_id"]
    for model, frame in ordered.items():
        if not frame["task_id"].equals(tasks):
            raise InputError(f"policies: {what} of {model} cover other problems than those of {models[0]}; "
                             "a family's models must be scored on the same problems")
    return ordered


def family_curves(counts: dict[str, pd.DataFrame], models: list[str], visible: dict[str, pd.DataFrame] | None
                  ) -> tuple[list[StopCurves], list[StopCurves | None] | None]:
    """Each model's terms when the benchmark's tests decide stopping, and when the visible tests
    do (None for a model without visible verdicts, e.g. one known by its counts alone; None
    for all where no model has them)."""
    counts = _aligned(counts, models, "counts")
    curves = [stop_curves(counts[m]["n"], counts[m]["c"]) for m in models]
    if not visible:
        return curves, None
    seen = []
    for model, curve in zip(models, curves):
        if model not in visible:
            seen.append(None)
            continue
        shown = _aligned(visible, [model], "visible verdicts")[model]
        if not shown["task_id"].equals(counts[model]["task_id"]) or \
                not (shown[["n", "c"]].to_numpy() == counts[model][["n", "c"]].to_numpy()).all():
            raise InputError(f"policies: the visible verdicts of {model} are not of the samples its counts are")
        seen.append(stop_curves(shown["n"], shown["visible"], shown["both"], cap=curve.cap))
    return curves, seen


def policies_table(counts: dict[str, pd.DataFrame], costs: dict[str, Costs], models: list[str], grid, *,
                   folds: int, seeds, resamples: int, seed: int,
                   visible: dict[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """Every policy class of the family ``models`` (smallest first) at every budget of ``grid``
    (in units of the family's cheapest model), on every budget type all models have a cost for.

    ``counts``: model -> per-problem counts (task_id, n, c); ``visible``: model -> per-problem
    counts of samples passing the visible tests (``visible``) and both (``both``), beside n and c
    (policies.visible.visible_counts): a model without them gets no visible rows, and the
    family-wide visible classes need every model's.  Held-out choice:
    ``folds`` over problems for each of ``seeds``; bands and intervals: ``resamples`` bootstrap
    draws from ``seed``.  Columns: COLUMNS, accuracy and gains in percent.
    """
    grid = np.asarray(grid, dtype=np.float64)
    curves, visible_curves = family_curves(counts, models, visible)
    problems = curves[0].no_stop.shape[0]
    views = fold_views(problems, folds, seeds)
    draws = resample_counts(problems, resamples, seed)
    frames = []
    for budget_type in budget_types(costs.values()):
        unit = normalised({m: costs[m] for m in models}, budget_type)
        if unit is None:
            continue
        scored = []
        for policy in family_classes(models, curves, [unit[m] for m in models], float(grid.max()), visible_curves):
            choices = {}
            for constraint in CONSTRAINTS:
                # a fixed allocation's expected cost is its worst case: one choice serves both
                key = constraint if policy.stops_early else "worst"
                if key not in choices:
                    choices[key] = choose(policy, views, grid, key)
                scored.append((policy, constraint, "in-sample", in_sample(policy, choices[key])))
                if policy.scope == "family":
                    scored.append((policy, constraint, "held-out", held_out(policy, choices[key], views)))
        frames.append(_rows(scored, grid, draws, views.test_share).assign(budget_type=budget_type))
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
    return _mark_best(table)[COLUMNS]


def _rows(scored: list[tuple], grid: np.ndarray, draws: np.ndarray, test_share: float) -> pd.DataFrame:
    """Rows of one budget type: bands, and gains over the fixed row of the same split and
    constraint — in-sample from the bootstrap over problems, held out from the folds
    (policies.held_out_interval: the bootstrap is too narrow there)."""
    reference = {(c, split): s for p, c, split, s in scored if p.policy == "fixed" and p.scope == "family"}
    frames = []
    for policy, constraint, split, s in scored:
        best_single = reference[(constraint, split)]
        accuracy, gain = s.score.mean(axis=0), s.score.mean(axis=0) - best_single.score.mean(axis=0)
        if s.by_fold is None:
            low, high = percentile_band(resampled_means(s.score, draws))
            paired = paired_difference(s.score, best_single.score, draws)
            gain_low, gain_high = paired.low, paired.high
        else:
            low, high = np.clip(corrected_interval(accuracy, s.by_fold, test_share), 0.0, 1.0)
            gain_low, gain_high = corrected_interval(gain, s.by_fold - best_single.by_fold, test_share)
        decided = np.where(gain > 0, ~best_single.censored, ~s.censored)
        frames.append(pd.DataFrame({
            "policy": policy.policy, "scope": policy.scope, "allocation": s.allocation, "constraint": constraint,
            "budget": grid, "expected_cost": s.expected.mean(axis=0), "worst_cost": s.worst,
            "accuracy": 100 * accuracy, "accuracy_low": 100 * low, "accuracy_high": 100 * high,
            "split": split, "censored": s.censored, "gain": 100 * gain, "gain_low": 100 * gain_low,
            "gain_high": 100 * gain_high, "significant": ((gain_low > 0) | (gain_high < 0)) & decided}))
    return pd.concat(frames, ignore_index=True)


def _mark_best(table: pd.DataFrame) -> pd.DataFrame:
    """``best``: the family-wide class with the highest accuracy at its budget, split and
    constraint (an exact tie goes to the class listed first: fixed before the richer ones);
    ``determined``: no censored class — whose true score may be higher — trails it there."""
    table = table.assign(best=False, determined=True)
    family = table[(table["scope"] == "family") & table["accuracy"].notna()]
    for _, group in family.groupby(["budget_type", "constraint", "split", "budget"], sort=False):
        winner = group["accuracy"].idxmax()
        others = group.drop(index=winner)
        hidden = (others["censored"] & (others["accuracy"] <= group.at[winner, "accuracy"])).any()
        table.loc[winner, "best"] = True
        table.loc[group.index, "determined"] = not hidden
    return table


def best_policies(table: pd.DataFrame, split: str = "held-out", constraint: str = "expected") -> pd.DataFrame:
    """The best policy at each budget type and budget (e.g. a ``best policy`` column of
    crossover.csv): ``budget_type, budget, best_policy`` (policy and allocation), its accuracy,
    gain over the best single model with the interval, and the marks."""
    best = table[table["best"] & (table["split"] == split) & (table["constraint"] == constraint)]
    best = best.sort_values(["budget_type", "budget"], kind="stable")
    return pd.DataFrame({"budget_type": best["budget_type"], "budget": best["budget"],
                         "best_policy": best["policy"] + " " + best["allocation"],
                         **{f"best_policy_{c}": best[c] for c in ("accuracy", "gain", "gain_low", "gain_high",
                                                                    "significant", "censored", "determined")}}
                        ).reset_index(drop=True)


def write_policies(*, counts: dict[str, str], costs: dict[str, str], models: list[str], grid, folds: int,
                   seeds, resamples: int, seed: int, out: str, visible: dict[str, str] | None = None) -> pd.DataFrame:
    """``results/<benchmark>/policies-<family>.csv`` from files: ``counts`` model -> its
    task_counts.csv (metrics.curves.write_pass_at_k; the sampled rows are used), ``costs`` model ->
    its costs JSON (costs.Costs), ``visible`` model -> its visible counts CSV
    (policies.visible.write_visible_counts) where it has verdicts.  See :func:`policies_table`."""
    from ..io import write_csv
    from ..metrics.curves import read_task_counts

    table = policies_table({m: read_task_counts(counts[m])["sampled"] for m in models},
                           {m: Costs.read(costs[m]) for m in models}, models, grid, folds=folds, seeds=seeds,
                           resamples=resamples, seed=seed,
                           visible={m: pd.read_csv(p) for m, p in (visible or {}).items()})
    write_csv(table, out)
    return table
