"""Selection without the benchmark's tests, under the same budget: what each test-free way of
picking an answer reaches at each cost, for one family on one benchmark.

The options: a selector (CodeT, MBR-exec, random; ranking.selectors) run on k samples of the
family's smallest model and k of its own test blocks; a self-test cascade over the family
(ranking.cascade) for each threshold θ and plan of k; or one sample (or the greedy decode) of
any size.  Each is charged everything it spends, in the family's normalised units per budget
type: its programs (the model's cost per sample), its test blocks (the same cost per token, times
the block's tokens: the released counts where the files give them), and its executions of
programs against tests (the CPU seconds measured here per run, on the time axis only — FLOPs of
a CPU are not a model's FLOPs).  Accuracy is the honest subset estimate: the selector sees only
its k samples and k blocks.  The Pareto frontier marks what no cheaper option beats; the curves
with the benchmark's tests (pass@k) are kept beside them for reference.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from ..costs import Costs, normalised
from ..errors import InputError
from ..io import parquet_metadata, read_parquet
from .cascade import cascade, cascade_cost
from .generated_tests import from_json
from .selectors import Evidence, rank_score, selector
from .subsets import subset_estimate

COLUMNS = ["budget_type", "kind", "method", "model", "k", "cost", "accuracy", "error", "frontier"]
TEST_FREE = ("selector", "cascade", "single", "greedy")


def evidence_of(run: dict) -> dict[str, Evidence]:
    """task -> Evidence of one model's samples: verdicts, finished flags, probe results."""
    samples = read_parquet(run["generations"])[["task_id", "sample_id", "finished"]] \
        .merge(read_parquet(run["executions"])[["task_id", "sample_id", "passed"]]) \
        .merge(read_parquet(run["probes"])[["task_id", "sample_id", "tests", "outputs"]]) \
        .sort_values(["task_id", "sample_id"])
    tests = from_json(json.loads(open(run["tests"]).read())["problems"])
    out = {}
    for task, group in samples.groupby("task_id", sort=True):
        shape = {"tests": (len(group), len(tests[task].tests)), "outputs": (len(group), len(tests[task].inputs))}
        wrong = [c for c in shape if any(len(row) != shape[c][1] for row in group[c])]
        if wrong:
            raise InputError(f"{run['probes']}: {task}: a row's {' and '.join(wrong)} do not match "
                             f"{run['tests']} (were the probes made from other tests?)")
        out[task] = Evidence(passed=group["passed"].to_numpy(), finished=group["finished"].to_numpy(),
                             test_passed=np.array([list(t) for t in group["tests"]], dtype=bool).reshape(shape["tests"]),
                             outputs=np.array([list(o) for o in group["outputs"]], dtype=object).reshape(shape["outputs"]),
                             tests=tests[task])
    return out


def unit_costs(runs: dict[str, dict], costs: dict[str, Costs], budget_type: str) -> dict[str, dict[str, float]] | None:
    """Per model, what a program, a test block and one execution cost in the family's units."""
    unit = normalised(costs, budget_type)
    if unit is None:
        return None
    out = {}
    for model, run in runs.items():
        tokens = json.loads(open(run["tests"]).read())["tokens"]
        probes = parquet_metadata(run["probes"])
        seconds = read_parquet(run["probes"])["cpu_seconds"].sum() / max(1, probes.get("test_and_call_runs", 1))
        per_second = unit[model] / costs[model].seconds if budget_type == "time" and costs[model].seconds else 0.0
        out[model] = {"programs": unit[model], "test_blocks": unit[model] * tokens["block"] / tokens["program"],
                      "executions": seconds * per_second}
    return out


def select(job) -> pd.DataFrame:
    """The table of a jobs.ranking.Select job: one row per option and budget type (COLUMNS)."""
    models = list(job.models)
    runs = {m: job.run_files(m) for m in models}
    costs = {m: Costs.read(runs[m]["costs"]) for m in models}
    evidence = {m: evidence_of(runs[m]) for m in models}
    smallest = models[0]
    rng = np.random.default_rng(job.seed)
    blocks = min(e.n_blocks for e in evidence[smallest].values())
    n = min(e.n for e in evidence[smallest].values())
    ks = [k for k in job.ks if k <= min(n // 2, blocks)]
    found = []
    for name in job.selectors:
        chosen = selector(name, rng=rng) if name == "random" else selector(name)
        accuracy, error = subset_estimate(chosen, list(evidence[smallest].values()), ks, job.draws, rng)
        found += [{"kind": "selector", "method": name, "model": smallest, "k": k, "accuracy": a, "error": e,
                   "tests": chosen.uses_tests} for k, a, e in zip(ks, accuracy, error)]
        ordered = rank_score(chosen, list(evidence[smallest].values()), max(ks))
        found += [{"kind": "global order", "method": name, "model": smallest, "k": k, "accuracy": ordered[k - 1],
                   "error": np.nan, "tests": chosen.uses_tests} for k in ks]
    plans = cascade({m: evidence[m] for m in models}, list(job.thetas), list(job.cascade_ks), job.draws, rng,
                    job.confidence)
    counts = {m: pd.read_csv(runs[m]["counts"]) for m in models}
    rows = []
    for budget_type in ("flops", "time"):
        units = unit_costs(runs, costs, budget_type)
        if units is None:
            continue
        small = units[smallest]
        for option in found:
            k = option["k"]
            executions = k * k * _tests_per_block(evidence[smallest]) if option["tests"] else 0.0
            cost = k * small["programs"] + (k * small["test_blocks"] + executions * small["executions"]
                                            if option["tests"] else 0.0)
            rows.append({**{c: option[c] for c in ("kind", "method", "model", "k", "accuracy", "error")},
                         "budget_type": budget_type, "cost": cost})
        spent = cascade_cost(plans.resources, units).merge(plans.accuracy, on=["theta", "plan"])
        rows += [{"budget_type": budget_type, "kind": "cascade", "method": f"cascade theta={r.theta:g}",
                  "model": "/".join(models), "k": r.plan, "cost": r.cost, "accuracy": r.accuracy,
                  "error": r.standard_error} for r in spent.itertuples()]
        for model in models:
            for decoding, kind in (("sampled", "single"), ("greedy", "greedy")):
                rows_of = counts[model][counts[model]["decoding"] == decoding]
                if len(rows_of):
                    rows.append({"budget_type": budget_type, "kind": kind, "method": kind, "model": model, "k": 1,
                                 "cost": units[model]["programs"], "error": np.nan,
                                 "accuracy": float((rows_of["c"] / rows_of["n"]).mean())})
            table = pd.read_csv(runs[model]["pass_at_k"])
            sampled = table[table["decoding"] == "sampled"]
            sampled = sampled[sampled["k"] <= int(sampled["n"].iloc[0]) // 2]
            rows += [{"budget_type": budget_type, "kind": "with tests", "method": "pass@k", "model": model,
                      "k": int(r.k), "cost": r.k * units[model]["programs"], "accuracy": r.pass_at_k, "error": np.nan}
                     for r in sampled.itertuples()]
    frame = pd.DataFrame(rows)
    frame["k"] = frame["k"].astype(str)
    frame["frontier"] = False
    for budget_type, group in frame[frame["kind"].isin(TEST_FREE)].groupby("budget_type"):
        best = -1.0
        for index, row in group.sort_values(["cost", "accuracy"], ascending=[True, False]).iterrows():
            if row["accuracy"] > best:
                frame.loc[index, "frontier"] = True
                best = row["accuracy"]
    return frame[COLUMNS]


def _tests_per_block(evidence: dict[str, Evidence]) -> float:
    """Mean usable tests a generated block contributes (the executions a selector pays per program
    and block in hand, repeats counted once more than they run: an upper bound)."""
    sizes = [len(block.tests) for e in evidence.values() for block in e.tests.blocks]
    return float(np.mean(sizes)) if sizes else 0.0


def write_selection(job) -> pd.DataFrame:
    from ..io import write_csv

    frame = select(job)
    write_csv(frame, job.out)
    return frame
