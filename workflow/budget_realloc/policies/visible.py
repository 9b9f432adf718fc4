"""Visible against hidden verdicts: how often a program passes the tests its prompt shows and
fails the ones it is judged by, and the per-problem counts the visible policies start from.

Per problem, each sample is in one of four classes by (visible, hidden) verdict; the stopping
policies need only n, the samples that pass the visible tests (``visible``), those passing both
(``both``) and the hidden passes (``c``) — policies.estimators.stop_curves; ``shown`` is how
many tests the prompt shows (0: every sample passes them).
"""

from __future__ import annotations

import pandas as pd

from ..errors import InputError

COUNT_COLUMNS = ["task_id", "n", "c", "visible", "both", "shown"]


def visible_counts(hidden: pd.DataFrame, visible: pd.DataFrame) -> pd.DataFrame:
    """Per-problem counts from a run's verdicts on its benchmark's tests (executions.parquet) and
    on its prompts' tests (execution.visible): columns COUNT_COLUMNS, in task order."""
    keys = ["task_id", "sample_id"]
    joined = hidden[keys + ["passed"]].merge(visible[keys + ["passed"]], on=keys, how="outer",
                                             suffixes=("_hidden", "_visible"), indicator=True)
    if (joined["_merge"] != "both").any():
        lost = joined.loc[joined["_merge"] != "both", keys].iloc[0].tolist()
        raise InputError(f"visible and hidden verdicts are not of the same samples (first unmatched: {lost})")
    joined["both"] = joined["passed_hidden"] & joined["passed_visible"]
    grouped = joined.groupby("task_id", sort=True)
    return pd.DataFrame({"n": grouped.size(), "c": grouped["passed_hidden"].sum(),
                         "visible": grouped["passed_visible"].sum(), "both": grouped["both"].sum(),
                         "shown": visible.groupby("task_id", sort=True)["visible_tests"].first()}
                        ).astype(int).reset_index()[COUNT_COLUMNS]


def false_positives(counts: pd.DataFrame) -> dict[str, float]:
    """How far the visible tests are from the judge's, over the samples of a run's problems that
    show tests (a problem that shows none accepts every sample): the share that pass the visible
    tests and fail the hidden ones, that share among the visible passes, and the hidden passes
    the visible tests reject."""
    counts = counts[counts["shown"] > 0]
    samples, passes_visible = counts["n"].sum(), counts["visible"].sum()
    fooled = passes_visible - counts["both"].sum()
    return {"problems": len(counts), "samples": int(samples), "passes_visible": int(passes_visible),
            "passes_hidden": int(counts["c"].sum()),
            "visible_not_hidden": fooled / samples,
            "visible_not_hidden_of_visible": fooled / passes_visible if passes_visible else float("nan"),
            "hidden_not_visible": (counts["c"].sum() - counts["both"].sum()) / samples}


def write_visible_counts(hidden: str, visible: str, out: str) -> pd.DataFrame:
    """``results/<benchmark>/<model>/visible_counts.csv`` from the two verdict files."""
    from ..io import read_parquet, write_csv

    counts = visible_counts(read_parquet(hidden), read_parquet(visible))
    write_csv(counts, out)
    return counts
