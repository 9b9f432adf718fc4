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


def measured_costs(generations_path: str, flops: dict) -> dict:
    """Per-sample costs as a generation run actually spent them (``cost_model: measured``).

    Wall-time: the run's generation time over its samples (from the shards' provenance).
    FLOPs: the profiled forward pass's FLOPs per token times the tokens a sample really cost —
    its new tokens plus its share of the prompt, computed once for the problem's n samples.
    """
    from ..errors import InputError
    from ..io import parquet_metadata, read_parquet

    meta = parquet_metadata(generations_path)
    if "wall_seconds" not in meta:
        raise InputError(f"{generations_path}: no timing in its provenance (made by another tool?)")
    frame = read_parquet(generations_path)
    samples_per_task = frame.groupby("task_id").size()
    prompt_share = (frame["n_prompt_tokens"] / frame["task_id"].map(samples_per_task)).mean()
    tokens = float(frame["n_new_tokens"].mean() + prompt_share)
    return {"flops_per_sample": flops["flops"] / flops["input_length"] * tokens, "flops_source": "measured",
            "walltime_per_sample_s": meta["wall_seconds"] / len(frame), "walltime_source": "measured",
            "tokens_per_sample": tokens}
