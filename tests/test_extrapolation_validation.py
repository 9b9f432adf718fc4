"""docs/extrapolation.md states measured errors of the extrapolations; these tests recompute
every table it shows (from the shipped paper CSV, and from the per-sample verdicts of the
released WizardCoder samples, as the released run judges them, where ../shared has them) and
compare each number, so the document cannot drift from the code."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from budget_realloc import paper
from budget_realloc.metrics.backtest import (
    block_errors,
    error_summary,
    percent_table,
    published_backtest,
    samples_backtest,
)
from budget_realloc.metrics.extrapolation import fit_beta_curve, fit_power_law

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "extrapolation.md"
MODELS = ("7B", "13B", "34B")

PUBLISHED = "Paper Tables 2-3, fitted on k <= 64: predicted vs published pass@k (%)"
PUBLISHED_SUMMARY = "Paper Tables 2-3: error summary (points)"
SAMPLES = ("WizardCoder-Python on HumanEval, fitted on samples 0-9: "
           "pass@50 predicted vs measured from 100 samples (%)")
BLOCKS = "WizardCoder-Python on HumanEval: pass@50 errors of fits on each disjoint block of 10 samples (points)"


def doc_table(caption: str) -> pd.DataFrame:
    """The Markdown table under **caption** in the document, as strings."""
    lines = DOC.read_text().splitlines()
    start = lines.index(f"**{caption}**") + 2
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return pd.DataFrame(rows[2:], columns=rows[0])


def assert_doc_shows(frame: pd.DataFrame, caption: str) -> None:
    """Every cell of the rendered table equals the document's; numbers within 0.01 of a point,
    so a last-digit rounding flip on another platform is not drift."""
    expected = doc_table_from(percent_table(frame, caption))
    shown = doc_table(caption)
    message = f"docs/extrapolation.md is out of date; the table should read:\n{percent_table(frame, caption)}"
    assert list(shown.columns) == list(expected.columns) and len(shown) == len(expected), message
    for column in expected.columns:
        for got, want in zip(shown[column], expected[column]):
            try:
                assert abs(float(got) - float(want)) <= 0.0100001, message
            except ValueError:
                assert got == want, message


def doc_table_from(markdown_text: str) -> pd.DataFrame:
    rows = [[cell.strip() for cell in line.strip("|").split("|")]
            for line in markdown_text.splitlines() if line.startswith("|")]
    return pd.DataFrame(rows[2:], columns=rows[0])


def test_published_backtest_reads_every_held_out_point_of_the_shipped_csv():
    """Independently of metrics.backtest: the Code Llama HumanEval/MBPP rows with k > 64, read
    with the csv module, are exactly the points predicted."""
    with open(paper.PASS_AT_K) as handle:
        held_out = {(row["benchmark"], row["model"], int(row["k"])): float(row["pass_at_k"])
                    for row in csv.DictReader(handle)
                    if row["benchmark"] in ("humaneval", "mbpp") and row["model"].startswith("Code Llama")
                    and int(row["k"]) > 64}
    table = published_backtest()
    for method, rows in table.groupby("method"):
        assert {(b, m, k): 100 * v for b, m, k, v in rows[["benchmark", "model", "k", "measured"]].itertuples(
            index=False)} == pytest.approx(held_out)
    # one error recomputed from the fits directly: HumanEval Code Llama 7B at k = 1000
    points = {1: 0.282, 2: 0.385, 4: 0.489, 16: 0.687, 64: 0.839}
    law = fit_power_law(list(points), list(points.values()))
    predicted = np.exp(law.a * 1000.0 ** law.b)
    row = table[(table["model"] == "Code Llama 7B") & (table["benchmark"] == "humaneval")
                & (table["k"] == 1000) & (table["method"] == "power-law")].iloc[0]
    assert row["error"] == pytest.approx(100 * (predicted - 0.963), abs=1e-9)
    assert fit_beta_curve(list(points), list(points.values())).alpha > 0


def test_doc_states_the_published_backtest():
    table = published_backtest()
    assert_doc_shows(table, PUBLISHED)
    assert_doc_shows(error_summary(table, ("benchmark", "method")), PUBLISHED_SUMMARY)


@pytest.fixture(scope="module")
def executions(released) -> dict[str, pd.DataFrame]:
    """Per-sample verdicts of WizardCoder-Python 7B/13B/34B on HumanEval, 100 samples per problem."""
    return {model: pd.read_parquet(released / "results" / "humaneval" / f"wizardcoder-python-{model.lower()}" /
                                   "sampled" / "executions.parquet")[["task_id", "sample_id", "passed"]]
            for model in MODELS}


def test_doc_states_the_samples_backtest(executions):
    table = samples_backtest(executions, fit_samples=10, k=50, resamples=300, seed=0)
    assert_doc_shows(table, SAMPLES)
    blocks = block_errors(executions, fit_samples=10, k=50)
    assert_doc_shows(blocks, BLOCKS)
    # block 0 is the fit on samples 0-9 above: one computation, two tables
    first = table.set_index(["model", "method"])["error"]
    assert (blocks["blocks"] == 10).all()
    for (model, method), error in first.items():
        values = blocks[(blocks["model"] == model) & (blocks["method"] == method)].iloc[0]
        assert values["min error"] - 1e-9 <= error <= values["max error"] + 1e-9


def synthetic_executions(seed: int, tasks: int = 40, samples: int = 30) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    p = rng.beta(0.4, 0.6, tasks)
    return pd.DataFrame([{"task_id": f"T/{t:02d}", "sample_id": s, "passed": bool(rng.random() < p[t])}
                         for t in range(tasks) for s in range(samples)])


def test_backtests_on_synthetic_verdicts_without_the_real_ones():
    """Runs wherever the real verdicts are absent: the measured value is the unbiased pass@k of
    all samples (against exact binomials), and block 0 is the fit on the first samples."""
    executions = {"m": synthetic_executions(0)}
    table = samples_backtest(executions, fit_samples=5, k=12, resamples=40, seed=1)
    verdicts = executions["m"]
    c = verdicts.groupby("task_id")["passed"].sum()
    measured = np.mean([1 - math.comb(30 - int(ci), 12) / math.comb(30, 12) for ci in c])
    assert table["measured"].tolist() == pytest.approx([measured] * 2, abs=1e-14)
    first = verdicts[verdicts["sample_id"] < 5].groupby("task_id")["passed"].sum()
    assert table["fit_pass_at_n"].iloc[0] == pytest.approx(np.mean(first > 0), abs=1e-14)
    blocks = block_errors(executions, fit_samples=5, k=12).set_index("method")
    assert (blocks["blocks"] == 6).all()
    for method, error in table.set_index("method")["error"].items():
        assert blocks.loc[method, "min error"] - 1e-9 <= error <= blocks.loc[method, "max error"] + 1e-9
    with pytest.raises(ValueError, match="sample_id 0..4"):
        samples_backtest({"m": verdicts[verdicts["sample_id"] != 3]}, fit_samples=5, k=12, resamples=5)
    with pytest.raises(ValueError, match="needs >= 40 samples"):
        samples_backtest(executions, fit_samples=5, k=40, resamples=5)
