"""Per-sample costs: the profiles' constant (the paper's way) and what a generation run spent."""

from __future__ import annotations

import pandas as pd
import pytest

from budget_realloc.costs import measured_costs, model_costs
from budget_realloc.errors import InputError
from budget_realloc.io import write_parquet

FLOPS = {"flops": 128e9, "input_length": 128}       # 1 GFLOP per token


def generations(path, metadata):
    frame = pd.DataFrame({"task_id": ["a", "a", "b", "b"], "sample_id": [0, 1, 0, 1],
                          "n_prompt_tokens": [10, 10, 30, 30], "n_new_tokens": [4, 6, 8, 2]})
    write_parquet(frame, path, metadata=metadata)
    return path


def test_measured_costs_charge_what_the_run_spent(tmp_path):
    # new tokens: mean 5; prompts are encoded once per problem and shared by its 2 samples:
    # (10/2 + 10/2 + 30/2 + 30/2) / 4 = 10 prompt tokens per sample -> 15 tokens per sample.
    costs = measured_costs(str(generations(tmp_path / "g.parquet", {"wall_seconds": 8.0})), FLOPS)
    assert costs["tokens_per_sample"] == pytest.approx(15)
    assert costs["flops_per_sample"] == pytest.approx(15e9)
    assert costs["walltime_per_sample_s"] == pytest.approx(2.0)
    assert costs["flops_source"] == costs["walltime_source"] == "measured"


def test_measured_costs_need_the_runs_timing(tmp_path):
    with pytest.raises(InputError, match="no timing"):
        measured_costs(str(generations(tmp_path / "g.parquet", {})), FLOPS)


def test_profile_costs_say_where_the_wall_time_came_from():
    measured = model_costs(FLOPS, {"measured": True, "seconds_per_sample": 0.5}, "Code Llama 7B")
    assert (measured["walltime_per_sample_s"], measured["walltime_source"]) == (0.5, "measured")
    paper = model_costs(FLOPS, {"measured": False}, "Code Llama 7B")
    assert paper["walltime_source"] == "paper" and paper["walltime_per_sample_s"] == pytest.approx(0.395)
    unknown = model_costs(FLOPS, {"measured": False}, None)
    assert unknown["walltime_per_sample_s"] is None
