"""Rankings of a model's samples and their rank-score@k (Eq. 4).

A ranking orders each problem's samples by a selector's key (ranking.selectors: the NLL
ranker, NLL with a verifier, the oracle...), best first, ties broken by sample id so the
order never depends on row order.  Generations that did not finish (the token limit, no
EOS or stop sequence) are handled one of two ways (``ranking.unfinished`` in the config):

- ``discard`` (the default, the paper's Section 5.2: "we discard any generation that fails to
  complete"): they leave the pool; each problem is ranked over its finished samples, with its
  own n, and k stops at n/2 of the problem with the fewest (one with none scores 0);
- ``last``: they stay in the pool, ranked after every finished one and never counted as the
  selected answer, so a set of k unfinished samples selects nothing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..metrics import rank_score_curve
from ..metrics.curves import reported_k_max
from .selectors import UNFINISHED, Evidence, Selector, ranking




def ranked_passes(samples: pd.DataFrame, chosen: Selector, unfinished: str = "discard") -> dict[str, np.ndarray]:
    """Per task, the verdicts in ``chosen``'s order (selectors.ranking: best key first, ties by
    sample id); a sample it cannot score goes last and counts 0, as does an unfinished one where
    ``unfinished`` is ``last``.

    ``samples`` has columns task_id, sample_id, passed, finished and the scores the selector
    reads (``nll``, ``log_p_correct``...).
    """
    if unfinished not in UNFINISHED:
        raise ValueError(f"unfinished generations are discarded or ranked last, not {unfinished!r}")
    scores = [c for c in samples.columns if c not in ("task_id", "sample_id", "passed", "finished")]
    out = {}
    for task, group in samples.sort_values("sample_id", kind="stable").groupby("task_id", sort=False):
        if unfinished == "discard":
            group = group[group["finished"].to_numpy(bool)]
        evidence = Evidence(passed=group["passed"].to_numpy(bool), finished=group["finished"].to_numpy(bool),
                            scores={c: group[c].to_numpy(float) for c in scores})
        ranked, pickable = ranking(chosen, evidence) if len(group) else (np.zeros(0, int), np.zeros(0, bool))
        out[task] = (evidence.passed[ranked] & pickable).astype(float)
    return {task: out[task] for task in pd.unique(samples["task_id"])}


def rank_score_table(samples: pd.DataFrame, chosen: Selector, unfinished: str = "discard") -> np.ndarray:
    """Mean rank-score@k over problems for k = 1..n/2 of the problem with the fewest samples
    ranked (each problem's own n in its weights, metrics.rank_score)."""
    ranked = ranked_passes(samples, chosen, unfinished)
    # with nothing finished anywhere, every k-subset selects nothing: 0 up to n/2 of the drawn
    sizes = [len(v) for v in ranked.values() if len(v)] or [int(samples.groupby("task_id").size().min())]
    k_max = reported_k_max(min(sizes))
    return np.mean([rank_score_curve(v, k_max) if len(v) else np.zeros(k_max) for v in ranked.values()], axis=0)
