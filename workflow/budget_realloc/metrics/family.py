"""One family on one benchmark: its budget curves, every (smaller, larger) comparison, and what
each smaller model spends to match each larger one.

All three come from the runs' per-problem counts and costs, with one set of bootstrap resamples
of the benchmark's problems (metrics.bootstrap: the benchmark's seed), so every interval of the
family is drawn from the same problems.
"""

from __future__ import annotations

import pandas as pd

from ..costs import Costs
from .bootstrap import resample_counts
from .budget import log2_budget_grid
from .comparisons import family_pairs, pairs_table, problem_curves
from .curves import budget_curves
from .match import cost_to_match


def read_task_counts(path: str) -> dict[str, pd.DataFrame]:
    """A run's ``task_counts.csv`` (metrics.curves.write_pass_at_k): decoding -> its counts
    (task_id, n, c) in task order."""
    frame = pd.read_csv(path)
    return {d: g.drop(columns="decoding").sort_values("task_id", kind="stable").reset_index(drop=True)
            for d, g in frame.groupby("decoding")}


def compare_family(spec: dict) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(budget curves, pairs, cost to match) of the family in ``spec`` (specs.budget_curves)."""
    models = spec["models"]
    tables = {m: pd.read_csv(spec["pass_at_k"][m]) for m in models}
    costs = {m: Costs.read(spec["costs"][m]) for m in models}
    counts = {m: read_task_counts(spec["counts"][m]) for m in models}
    grid = log2_budget_grid(spec["log2_min"], spec["log2_max"], spec["steps_per_octave"])
    tasks = counts[models[0]]["sampled"]["task_id"]
    if any(not c["sampled"]["task_id"].equals(tasks) for c in counts.values()):
        raise ValueError("the models of a family must be scored on the same problems")
    draws = resample_counts(len(tasks), spec["bootstrap"]["resamples"], spec["bootstrap"]["seed"])
    curves = budget_curves(tables, costs, grid)
    pairs = pairs_table({m: problem_curves(counts[m]["sampled"]) for m in models}, costs, grid, draws)
    matches = [cost_to_match(counts[smaller]["sampled"], counts[larger]["sampled"], smaller_cost=unit[smaller],
                             larger_cost=unit[larger], draws=draws, larger_greedy=counts[larger].get("greedy"))
               .assign(budget_type=budget_type, smaller=smaller, larger=larger)
               for budget_type, unit, smaller, larger in family_pairs(costs, models)]
    match = pd.concat(matches, ignore_index=True) if matches else pd.DataFrame()
    if len(match):
        match = match[["budget_type", "smaller", "larger", *[c for c in match.columns
                                                            if c not in ("budget_type", "smaller", "larger")]]]
    return curves, pairs, match


def write_family(spec: dict, curves_out: str, pairs_out: str, match_out: str) -> None:
    from ..io import write_csv

    curves, pairs, match = compare_family(spec)
    write_csv(curves, curves_out)
    write_csv(pairs, pairs_out)
    write_csv(match, match_out)
