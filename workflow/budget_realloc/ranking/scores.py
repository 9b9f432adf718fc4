"""Rankings of a model's samples and their rank-score@k (Eq. 4).

A ranking orders each problem's samples by a score, best first, ties broken by sample id so
the order never depends on row order.  Generations that did not finish (the token limit, no
EOS or stop sequence) are discarded, as in the paper: they go last and never count as the
selected answer, so among any k samples the best-ranked finished one is chosen, and a set of
k unfinished samples selects nothing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..metrics import rank_score_curve
from ..metrics.curves import reported_k_max


def ranked_passes(samples: pd.DataFrame, score: str) -> dict[str, np.ndarray]:
    """Per task, the verdicts in ranking order (lowest ``score`` first); unfinished ones count 0.

    ``samples`` has columns task_id, sample_id, passed, finished and ``score``.
    """
    ordered = samples.assign(_unscored=~samples["finished"] | samples[score].isna()) \
        .sort_values(["task_id", "_unscored", score, "sample_id"], na_position="last")
    passes = ordered["passed"].to_numpy(bool) & ~ordered["_unscored"].to_numpy(bool)
    out, tasks = {}, ordered["task_id"].to_numpy()
    for task in pd.unique(tasks):
        out[task] = passes[tasks == task].astype(float)
    return out


def rank_score_table(samples: pd.DataFrame, score: str) -> np.ndarray:
    """Mean rank-score@k over problems for k = 1..n/2."""
    ranked = ranked_passes(samples, score)
    sizes = {len(v) for v in ranked.values()}
    if len(sizes) != 1:
        raise ValueError(f"every task needs the same number of samples; got {sorted(sizes)}")
    n = sizes.pop()
    return rank_score_curve(np.stack(list(ranked.values())), reported_k_max(n)).mean(axis=0)
