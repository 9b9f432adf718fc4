"""Costs per sample: FLOPs (calflops at input length 128) and wall-time (best batch size), Table 1."""

from __future__ import annotations

from ..paper import paper_costs

PAPER_WALLTIME_SAMPLES = 1000     # Table 1 times "a subset of ~1k examples"


def model_costs(flops: dict, walltime: dict, paper_name: str | None) -> dict:
    """One model's per-sample costs and where each came from.

    Wall-time is the profile measured here when there is one; otherwise the paper's published
    Table 1 time stands in (so budgets in wall-time can still be drawn), marked as such; a model
    with neither has no wall-time cost.
    """
    costs = {"flops_per_sample": flops["flops"], "flops_source": "calflops",
             "walltime_per_sample_s": None, "walltime_source": None}
    if walltime.get("measured"):
        costs.update(walltime_per_sample_s=walltime["seconds_per_sample"], walltime_source="measured")
    elif paper_name and (row := paper_costs(paper_name)):
        costs.update(walltime_per_sample_s=float(row["walltime_s"]) / PAPER_WALLTIME_SAMPLES,
                     walltime_source="paper")
    return costs
