"""Out-of-sample checks of metrics.extrapolation: fit on small k, predict a larger k that was
measured, and report how far off the prediction lands.  docs/extrapolation.md shows the tables;
its tests recompute them, so the document cannot drift from the code.

* published: the paper's Tables 2-3 points.  Fitted on k <= 64, predicted at every larger k
  the paper reports, for each model of a family that has such k.  Aggregate points only, so the
  power law and the Beta curve, and no interval.
* samples: real per-sample verdicts.  Fitted on each problem's first samples (sample_id below
  ``fit_samples``), compared with the unbiased pass@k of all of them; and, to tell a law's bias
  from the luck of which samples came first, fitted on each disjoint block of as many samples.
Errors are predicted - measured, in percentage points.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import paper
from ..tables.render import markdown
from .curves import task_counts
from .extrapolation import extrapolate, extrapolate_points, predict
from .pass_at_k import pass_at_k

FIT_K_MAX = 64


def published_backtest(benchmarks=("humaneval", "mbpp"), family: str = "Code Llama",
                       fit_k_max: int = FIT_K_MAX) -> pd.DataFrame:
    """Columns: benchmark, model, method, k, measured, predicted (fractions), error (points)."""
    frames = []
    for benchmark in benchmarks:
        for model in paper.model_names():
            points = paper.published_pass_at_k(benchmark, model)
            held_out = sorted(k for k in points if k > fit_k_max)
            if not model.startswith(family) or not held_out:
                continue
            fitted = sorted(k for k in points if k <= fit_k_max)
            table = extrapolate_points(fitted, [points[k] for k in fitted], held_out)
            frames.append(table.assign(benchmark=benchmark, model=model,
                                       measured=[points[k] for k in table["k"]]))
    frame = pd.concat(frames, ignore_index=True)
    frame["error"] = 100 * (frame["predicted"] - frame["measured"])
    return frame[["benchmark", "model", "method", "k", "measured", "predicted", "error"]]


def _split(verdicts: pd.DataFrame, model: str, fit_samples: int, k: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(counts of the first ``fit_samples`` samples, counts of all), checked for a fair comparison."""
    fitted = task_counts(verdicts[verdicts["sample_id"] < fit_samples])
    everything = task_counts(verdicts)
    if (fitted["n"] != fit_samples).any() or len(fitted) != len(everything):
        raise ValueError(f"{model}: every task needs sample_id 0..{fit_samples - 1}")
    if (everything["n"] < k).any():
        raise ValueError(f"{model}: pass@{k} needs >= {k} samples on every task")
    return fitted, everything


def samples_backtest(executions: dict[str, pd.DataFrame], fit_samples: int = 10, k: int = 50, *,
                     resamples: int = 300, seed: int = 0) -> pd.DataFrame:
    """``executions``: model -> per-sample verdicts (task_id, sample_id, passed).

    Columns: model, method, k, fit_pass_at_n (pass@fit_samples of the fitted samples: the last
    measured point the fit saw), measured, predicted, low, high (fractions), error (points),
    inside (the measured value lies in the bootstrap interval).
    """
    frames = []
    for model, verdicts in executions.items():
        fitted, everything = _split(verdicts, model, fit_samples, k)
        table = extrapolate(fitted.assign(model=model), [k], resamples, seed)
        frames.append(table.assign(
            fit_pass_at_n=pass_at_k(fitted["n"], fitted["c"], fit_samples).mean(),
            measured=pass_at_k(everything["n"], everything["c"], k).mean()))
    frame = pd.concat(frames, ignore_index=True)
    frame["error"] = 100 * (frame["predicted"] - frame["measured"])
    frame["inside"] = (frame["low"] <= frame["measured"]) & (frame["measured"] <= frame["high"])
    return frame[["model", "method", "k", "fit_pass_at_n", "measured", "predicted", "low", "high", "error",
                  "inside"]]


def block_errors(executions: dict[str, pd.DataFrame], fit_samples: int = 10, k: int = 50) -> pd.DataFrame:
    """Point-prediction errors (points) of fits on each disjoint block of ``fit_samples`` samples
    (sample_id 0-9, 10-19, ...; whole blocks only) against pass@k of all samples.
    Columns: model, method, blocks, mean error, sd error, min error, max error."""
    rows = []
    for model, verdicts in executions.items():
        _, everything = _split(verdicts, model, fit_samples, k)
        measured = pass_at_k(everything["n"], everything["c"], k).mean()
        errors: dict[str, list[float]] = {}
        for block in range(int(everything["n"].min()) // fit_samples):
            ids = verdicts["sample_id"] - block * fit_samples
            counts = task_counts(verdicts[(ids >= 0) & (ids < fit_samples)])
            if (counts["n"] != fit_samples).any() or len(counts) != len(everything):
                raise ValueError(f"{model}: block {block} lacks some of its {fit_samples} samples on some task")
            for method, value in predict(counts["n"], counts["c"], [k]).items():
                errors.setdefault(method, []).append(100 * (value[0] - measured))
        rows += [{"model": model, "method": method, "blocks": len(values), "mean error": np.mean(values),
                  "sd error": np.std(values, ddof=1), "min error": min(values), "max error": max(values)}
                 for method, values in errors.items()]
    return pd.DataFrame(rows)


def error_summary(frame: pd.DataFrame, by=("method",)) -> pd.DataFrame:
    """Per group: points, mean error (bias), mean and largest absolute error, in points."""
    groups = frame.assign(abs_error=frame["error"].abs()).groupby(list(by), sort=False)
    return pd.DataFrame({"points": groups.size(), "mean error": groups["error"].mean(),
                         "mean abs error": groups["abs_error"].mean(),
                         "max abs error": groups["abs_error"].max()}).reset_index()


def percent_table(frame: pd.DataFrame, caption: str) -> str:
    """Markdown with fractions as percent (2 decimals), errors signed, booleans yes/no."""
    shown = frame.copy()
    for column in shown.columns:
        values = shown[column]
        if column in ("measured", "predicted", "low", "high", "fit_pass_at_n"):
            shown[column] = [f"{100 * v:.2f}" for v in values]
        elif column in ("error", "mean error", "min error", "max error"):
            shown[column] = [f"{v:+.2f}" for v in values]
        elif column in ("mean abs error", "max abs error", "sd error"):
            shown[column] = [f"{v:.2f}" for v in values]
        elif values.dtype == bool:
            shown[column] = np.where(values, "yes", "no")
    return markdown(shown, caption)
