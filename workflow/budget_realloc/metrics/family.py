"""One family on one benchmark: its budget curves, every (smaller, larger) comparison, and what
each smaller model spends to match each larger one.

All three come from the runs' per-problem counts and costs, with one set of bootstrap resamples
of the benchmark's problems (metrics.bootstrap: the benchmark's seed), so every interval of the
family is drawn from the same problems.
"""

from __future__ import annotations

import pandas as pd

from ..costs import Costs
from ..errors import InputError
from .bootstrap import resample_counts
from .comparisons import family_pairs, pairs_table, problem_curves
from .curves import budget_curves, read_task_counts
from .match import cost_to_match


def compare_family(job) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(budget curves, pairs, cost to match) of a jobs.metrics.BudgetCurves job's family."""
    models = list(job.models)
    tables = {m: pd.read_csv(job.pass_at_k[m]) for m in models}
    costs = {m: Costs.read(job.costs[m]) for m in models}
    counts = {m: read_task_counts(job.counts[m]) for m in models}
    grid = job.grid.values()
    tasks = counts[models[0]]["sampled"]["task_id"]
    if any(not c["sampled"]["task_id"].equals(tasks) for c in counts.values()):
        raise InputError(f"the models of a family must be scored on the same problems ({', '.join(models)})")
    draws = resample_counts(len(tasks), job.resamples, job.seed)
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


def write_family(job) -> None:
    from ..io import write_csv

    curves, pairs, match = compare_family(job)
    write_csv(curves, job.out)
    write_csv(pairs, job.pairs_out)
    write_csv(match, job.match_out)
