"""The policy numbers of docs/policies.md, from a released run: WizardCoder-Python 7B/13B/34B on
HumanEval.

Counts: resources/released/humaneval-counts.csv (the run's own counts, shipped).  Costs: the
run's results/costs/<model>.costs.json (calflops FLOPs; the authors' measured seconds per sample
x devices).  Visible tests: every sample of the run (results/humaneval/<model>/sampled/
generations.parquet) executed against its prompt's tests in the sandbox, cached under
``--visible`` (about a minute per model on 2 cores), and compared with the run's verdicts.
Printed: the issue's quoted numbers recomputed, each model's visible-vs-hidden rates, the best
policy per budget (held out, both constraints, FLOPs and time) with its interval against the
best single model, and the held-out mixes at the issue's two budgets.

    python -m docs.studies policies_released --released RUN [--visible DIR]

``RUN``: a directory where config/released.yaml ran (its results/ hold the verdicts and costs).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from budget_realloc import layout
from budget_realloc.costs import Costs, normalised
from budget_realloc.execution.job import Limits, TimePolicy
from budget_realloc.execution.visible import write_visible_verdicts
from budget_realloc.io import read_parquet
from budget_realloc.metrics.grid import log2_budget_grid
from budget_realloc.policies import best_policies, policies_table
from budget_realloc.policies.estimators import escalate, stop_curves
from budget_realloc.policies.visible import false_positives, visible_counts

REPO = Path(__file__).resolve().parents[2]
MODELS = ["wizardcoder-python-7b", "wizardcoder-python-13b", "wizardcoder-python-34b"]


def first_pass(n, stop, good, cap: int) -> tuple[float, float]:
    out = escalate([stop_curves(n, stop, good)], [1.0], [[cap]])
    return 100 * out.success.mean(), out.expected.mean()


def visible_of(run: Path, cache: Path, model: str) -> pd.DataFrame:
    """Per-problem visible/hidden counts of one model, executing its samples if not cached."""
    out = cache / f"{model}.parquet"
    path = lambda template: run / template.format(benchmark="humaneval", model=model, decoding="sampled")  # noqa: E731
    if not out.exists():
        write_visible_verdicts(problems_path=str(path(layout.PROBLEMS)), generations_path=str(path(layout.GENERATIONS)),
                               out=str(out), limits=Limits(timeout_s=10), policy=TimePolicy(), workers=2)
    return visible_counts(read_parquet(path(layout.EXECUTIONS)), read_parquet(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--released", required=True, type=Path)
    parser.add_argument("--visible", type=Path, default=Path("/tmp/policies-visible"))
    args = parser.parse_args()
    args.visible.mkdir(parents=True, exist_ok=True)
    frame = pd.read_csv(REPO / "resources" / "released" / "humaneval-counts.csv")
    frame = frame[frame["decoding"] == "sampled"]
    counts = {m: frame[frame["model"] == m][["task_id", "n", "c"]] for m in MODELS}
    costs = {m: Costs.read(args.released / layout.COSTS.format(model=m)) for m in MODELS}
    flops, seconds = normalised(costs, "flops"), normalised(costs, "time")
    print("normalised costs per sample (FLOPs, time):",
          {m.split("-")[-1]: (round(flops[m], 3), round(seconds[m], 3)) for m in MODELS})

    print("\nthe issue's numbers, recomputed (first-pass stopping on the benchmark's tests)")
    seven = counts[MODELS[0]]
    for cap in (50, 5):
        accuracy, samples = first_pass(seven["n"], seven["c"], None, cap)
        print(f"  7B, at most {cap}: {accuracy:.2f}% at an expected {samples:.3f} samples (worst case {cap})")
    big = counts[MODELS[2]]
    print(f"  34B, one sample: {100 * (big['c'] / big['n']).mean():.2f}% at {flops[MODELS[2]]:.3f}")
    at = policies_table(counts, costs, MODELS, np.array([flops[MODELS[2]], 11.06]), folds=5, seeds=[0, 1, 2, 3],
                        resamples=1000, seed=0)
    rows = at[(at["budget_type"] == "flops") & (at["constraint"] == "worst") & (at["scope"] == "family")
              & at["policy"].isin(["fixed", "mix"])]
    for row in rows.itertuples():
        print(f"  FLOPs {row.budget:.2f}, {row.split:>9} {row.policy:>5}: {row.accuracy:.2f}% "
              f"[{row.allocation}], gain {row.gain:+.2f} [{row.gain_low:+.2f}, {row.gain_high:+.2f}]")

    print("\nvisible tests against the benchmark's (problems that show tests)")
    visible = {m: visible_of(args.released, args.visible, m) for m in MODELS}
    for model, table in visible.items():
        rates = false_positives(table)
        fp50 = first_pass(table["n"], table["visible"], table["both"], 50)
        print(f"  {model}: {rates['problems']} problems; passes visible, fails hidden: "
              f"{100 * rates['visible_not_hidden']:.2f}% of samples, "
              f"{100 * rates['visible_not_hidden_of_visible']:.2f}% of visible passes; "
              f"fails visible, passes hidden: {100 * rates['hidden_not_visible']:.2f}%; "
              f"first-pass-visible at most 50: {fp50[0]:.2f}% at {fp50[1]:.3f} samples")

    grid = log2_budget_grid(0, 8, 4)
    table = policies_table(counts, costs, MODELS, grid, folds=5, seeds=[0, 1, 2, 3], resamples=1000, seed=0,
                           visible=visible)
    shown = [2.0 ** i for i in range(9)]
    for constraint in ("expected", "worst"):
        best = best_policies(table, "held-out", constraint)
        best = best[best["budget"].isin(shown)]
        print(f"\nbest policy per budget, held out, budget caps the {constraint} cost")
        for row in best.itertuples():
            marks = [mark for mark, on in (("significant", row.best_policy_significant),
                                           ("censored", row.best_policy_censored),
                                           ("undetermined", not row.best_policy_determined)) if on]
            print(f"  {row.budget_type:>5} {row.budget:>5g}: {row.best_policy_accuracy:6.2f}% "
                  f"{row.best_policy[:70]:<70} gain {row.best_policy_gain:+6.2f} "
                  f"[{row.best_policy_gain_low:+6.2f}, {row.best_policy_gain_high:+6.2f}] {' '.join(marks)}")
    print("\nvisible-stopped classes, held out, expected cost")
    rows = table[(table["scope"] == "family") & (table["split"] == "held-out") & (table["constraint"] == "expected")
                 & table["budget"].isin(shown) & table["policy"].str.endswith("visible")]
    for row in rows.itertuples():
        print(f"  {row.budget_type:>5} {row.budget:>5g} {row.policy:>18}: {row.accuracy:6.2f}% "
              f"at {row.expected_cost:6.2f}, gain {row.gain:+6.2f} [{row.gain_low:+6.2f}, {row.gain_high:+6.2f}]")


if __name__ == "__main__":
    main()
