"""rank-score@k per ranker with the cost of a ranked sample (Eq. 5-6), as one table.

A ranked sample costs its generation plus its scoring: the generator's per-sample cost and,
in wall-time, the scoring time the ranker job measured per sample; in FLOPs, one forward pass
of the ranker (the same constant the paper charges per generated sample).  With a verifier,
its own measured scoring time and forward pass are added too.  Both are in units of the
cheapest model among the generator and the rankers, the models the figure compares.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..costs import Costs, unit
from ..io import parquet_metadata, read_json, read_parquet
from .rankings import rank_score_table
from .selectors import nll, nll_verifier

COLUMNS = ["ranker", "k", "rank_score", "time_cost_per_sample", "flops_cost_per_sample"]


def rank_score_report(job) -> pd.DataFrame:
    """A jobs.ranking.RankScore job's table: each ranker's rank-score@k (combined with the
    verifier where the job has its scores) and the cost of a ranked sample."""
    samples = read_parquet(job.generations)[["task_id", "sample_id", "finished"]].merge(
        read_parquet(job.executions)[["task_id", "sample_id", "passed"]], on=["task_id", "sample_id"])
    costs = {m: Costs.read(f) for m, f in job.costs.items()}
    time_unit, flops_unit = unit(costs, "time"), unit(costs, "flops")
    generator = job.generator
    verifier = job.verifier_scores
    verifier_s = parquet_metadata(verifier).get("seconds_per_sample", 0.0) if verifier else 0.0
    verifier_flops = read_json(job.verifier_flops)["flops"] if verifier else 0.0
    frames = []
    for ranker, path in job.nll.items():
        scored = samples.merge(read_parquet(path)[["task_id", "sample_id", "nll"]], on=["task_id", "sample_id"])
        scoring_s = parquet_metadata(path).get("seconds_per_sample", 0.0)
        time_cost = (costs[generator].seconds + scoring_s + verifier_s) / time_unit if time_unit else np.nan
        flops_cost = (costs[generator].flops + costs[ranker].flops + verifier_flops) / flops_unit
        name, chosen = ranker, nll()
        if verifier:
            scored = scored.merge(read_parquet(verifier)[["task_id", "sample_id", "log_p_correct"]],
                                  on=["task_id", "sample_id"])
            name, chosen = f"{ranker}+verifier", nll_verifier(job.nll_weight)
        curve = rank_score_table(scored, chosen, job.unfinished)
        frames.append(pd.DataFrame({"ranker": name, "k": np.arange(1, curve.size + 1), "rank_score": curve,
                                    "time_cost_per_sample": time_cost, "flops_cost_per_sample": flops_cost}))
    return pd.concat(frames, ignore_index=True)[COLUMNS]
