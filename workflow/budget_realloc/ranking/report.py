"""rank-score@k per ranker with the cost of a ranked sample (Eq. 5-6), as one table.

A ranked sample costs its generation plus its scoring: the generator's per-sample cost and,
in wall-time, the scoring time the ranker job measured per sample; in FLOPs, one forward pass
of the ranker (the same constant the paper charges per generated sample).  Both are in units
of the cheapest model among the generator and the rankers, the models the figure compares.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..io import parquet_metadata, read_json, read_parquet
from ..metrics import normalised_costs
from .scores import rank_score_table

COLUMNS = ["ranker", "k", "rank_score", "time_cost_per_sample", "flops_cost_per_sample"]


def rank_score_report(spec: dict) -> pd.DataFrame:
    """``spec``: generations, executions, generator, nll (ranker -> file), costs (model -> file),
    and optionally verifier {file, nll_weight}: then each ranker is also combined with it."""
    samples = read_parquet(spec["generations"])[["task_id", "sample_id", "finished"]].merge(
        read_parquet(spec["executions"])[["task_id", "sample_id", "passed"]], on=["task_id", "sample_id"])
    costs = {m: read_json(f) for m, f in spec["costs"].items()}
    walltime = {m: c["walltime_per_sample_s"] for m, c in costs.items()}
    time_unit = min(walltime.values()) if None not in walltime.values() else None
    flops = normalised_costs({m: c["flops_per_sample"] for m, c in costs.items()})
    generator = spec["generator"]
    verifier = spec.get("verifier")
    frames = []
    for ranker, path in spec["nll"].items():
        scored = samples.merge(read_parquet(path)[["task_id", "sample_id", "nll"]], on=["task_id", "sample_id"])
        scoring_s = parquet_metadata(path).get("seconds_per_sample", 0.0)
        time_cost = (walltime[generator] + scoring_s) / time_unit if time_unit else np.nan
        flops_cost = flops[generator] + flops[ranker]
        variants = [(ranker, "nll")]
        if verifier:
            scored = scored.merge(read_parquet(verifier["file"])[["task_id", "sample_id", "log_p_correct"]],
                                  on=["task_id", "sample_id"])
            # LEVER: rank by P_LM(y|x)·P_verifier(correct|x, y), in logs; lower is better here
            scored["combined"] = verifier["nll_weight"] * scored["nll"] - scored["log_p_correct"]
            variants = [(f"{ranker}+verifier", "combined")]
        for name, column in variants:
            curve = rank_score_table(scored, column)
            frames.append(pd.DataFrame({"ranker": name, "k": np.arange(1, curve.size + 1), "rank_score": curve,
                                        "time_cost_per_sample": time_cost, "flops_cost_per_sample": flops_cost}))
    return pd.concat(frames, ignore_index=True)[COLUMNS]
