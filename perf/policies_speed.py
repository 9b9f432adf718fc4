"""Every policy of a 3-size family on 164 problems over the budget grid: ours against a per-problem
Python loop.

Family: WizardCoder-Python 7B/13B/34B, per-problem counts from resources/released/humaneval-counts.csv
(100 samples per problem), costs per sample normalised from the calflops FLOPs of
resources/models/codellama-{7b,13b,34b}.json (computed here, at the workflow's 128 input tokens)
and the authors' measured time of config/released.yaml.  Ours: policies.policies_table, every
class (fixed, first-pass, escalate, mix), both budget types, both constraints, in-sample and
held out (5 folds x 4 seeds), 1000 bootstrap resamples.  Baseline: the same in-sample choice —
each candidate's mean success and expected cost over the problems, then the best affordable one
at each budget — written as loops over candidates and problems with the estimators' formulas in
plain Python floats, as a first implementation would be.  Both are timed in this run; ours is
also timed on the baseline's share of the work, and the answers are compared.

    python -m perf run policies_speed [--quick]     (--quick: the first 41 problems)
    python -m perf.policies_speed [--problems N]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from budget_realloc.costs import Costs, normalised
from budget_realloc.costs.flops import count_flops
from budget_realloc.metrics.grid import log2_budget_grid
from budget_realloc.policies import policies_table
from budget_realloc.policies.choose import choose, fold_views, in_sample
from budget_realloc.policies.classes import family_classes
from budget_realloc.policies.table import family_curves

REPO = Path(__file__).resolve().parents[1]
MODELS = {"wizardcoder-python-7b": "codellama-7b", "wizardcoder-python-13b": "codellama-13b",
          "wizardcoder-python-34b": "codellama-34b"}
COUNTS = REPO / "resources" / "released" / "humaneval-counts.csv"


def family_costs() -> dict[str, Costs]:
    stated = yaml.safe_load((REPO / "config" / "released.yaml").read_text())["models"]
    out = {}
    for model, architecture in MODELS.items():
        flops = count_flops(str(REPO / "resources" / "models" / f"{architecture}.json"), 128)["flops"]
        time_cost = stated[model]["costs"]
        out[model] = Costs(flops=flops, seconds=time_cost["seconds_per_sample"] * time_cost["devices"])
    return out


def no_stop_table(n: int, c: int, cap: int) -> list[float]:
    """C(n-c, k) / C(n, k) for k = 0..cap, as a running product of plain floats."""
    out, value = [1.0], 1.0
    for j in range(cap):
        value *= max(n - c - j, 0) / (n - j)
        out.append(value)
    return out


def baseline(counts: dict[str, pd.DataFrame], policy, budgets, constraint: str) -> list[float]:
    """The in-sample best mean success at each budget, one candidate and one problem at a time."""
    models = policy.models
    tables = [[no_stop_table(int(n), int(c), curve.cap) for n, c in zip(counts[m]["n"], counts[m]["c"])]
              for m, curve in zip(models, policy.curves)]
    prices = [float(p) for p in policy.unit_costs]
    problems = len(tables[0])
    scores, costs = [], []
    for setting in policy.settings.tolist():
        total_success = total_cost = 0.0
        for p in range(problems):
            reach, success, cost = 1.0, 0.0, 0.0
            for m, k in enumerate(setting):
                table = tables[m][p]
                if policy.stops_early:
                    cost += prices[m] * reach * sum(table[:k])
                reach *= table[k]
            success = 1.0 - reach
            total_success += success
            total_cost += cost if policy.stops_early else sum(k * w for k, w in zip(setting, prices))
        worst = sum(k * w for k, w in zip(setting, prices))
        scores.append(total_success / problems)
        costs.append(total_cost / problems if constraint == "expected" else worst)
    best = []
    for budget in budgets:
        fitting = [s for s, c in zip(scores, costs) if c <= budget * (1 + 1e-9)]
        best.append(max(fitting) if fitting else float("nan"))
    return best


def compare(counts_csv: str, problems: int | None) -> dict:
    frame = pd.read_csv(counts_csv)
    frame = frame[frame["decoding"] == "sampled"]
    counts = {m: frame[frame["model"] == m][["task_id", "n", "c"]].sort_values("task_id").reset_index(drop=True)
              .iloc[:problems] for m in MODELS}
    costs = family_costs()
    for budget_type in ("flops", "time"):
        unit = normalised(costs, budget_type)
        print(f"normalised {budget_type} per sample: " + ", ".join(f"{m.split('-')[-1]} {unit[m]:.3f}" for m in MODELS))
    grid = log2_budget_grid(0, 8, 4)
    models = list(MODELS)

    began = time.perf_counter()
    table = policies_table(counts, costs, models, grid, folds=5, seeds=[0, 1, 2, 3], resamples=1000, seed=0)
    full_s = time.perf_counter() - began

    curves, _ = family_curves(counts, models, None)
    unit = normalised(costs, "flops")
    classes = [c for c in family_classes(models, curves, [unit[m] for m in models], float(grid.max()))
               if c.scope == "family"]
    views = fold_views(len(counts[models[0]]), 5, [0])
    began = time.perf_counter()
    ours = {(c.policy, k): in_sample(c, choose(c, views, grid, k)).score.mean(axis=0)
            for c in classes for k in ("expected", "worst")}
    ours_s = time.perf_counter() - began
    began = time.perf_counter()
    theirs = {(c.policy, k): np.array(baseline(counts, c, grid, k)) for c in classes for k in ("expected", "worst")}
    baseline_s = time.perf_counter() - began
    difference = float(max(np.nanmax(np.abs(ours[key] - theirs[key])) for key in ours))

    size = len(counts[models[0]])
    candidates = {c.policy: len(c.settings) for c in classes}
    print(f"candidates on FLOPs ({', '.join(f'{k} {v}' for k, v in candidates.items())}); {len(grid)} budgets, "
          f"{size} problems")
    print(f"policies.policies_table, everything ({len(table)} rows)     : {full_s:8.2f} s")
    print(f"ours, in-sample choice of every class on FLOPs     : {ours_s:8.2f} s")
    print(f"per-problem Python loop, the same choice            : {baseline_s:8.2f} s")
    print(f"speed-up on the same work: {baseline_s / ours_s:.0f}x;  max |difference|: {difference:.2e}")
    return {"ours": ours_s, "baseline": baseline_s, "ratio": baseline_s / ours_s, "units": "s",
            "whole_table_s": full_s, "whole_table_rows": len(table), "problems": size, "budgets": len(grid),
            "candidates": candidates, "max_difference": difference}


def measure(quick: bool) -> dict:
    return compare(str(COUNTS), 41 if quick else None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", dest="counts_csv", default=str(COUNTS))
    parser.add_argument("--problems", type=int, help="only the first N problems")
    compare(**vars(parser.parse_args()))

if __name__ == "__main__":
    main()
