"""Per-sample costs: the profiles' constant (the paper's way), what a generation run spent, and
the time stated for generations made elsewhere; one normalisation for every budget axis."""

from __future__ import annotations

import pandas as pd
import pytest

from budget_realloc.costs import Costs, measured_costs, model_costs, normalised, unit
from budget_realloc.errors import InputError
from budget_realloc.io import write_parquet

FLOPS = {"flops": 128e9, "input_length": 128}       # 1 GFLOP per token


def generations(path, metadata, prompt_tokens=(10, 10, 30, 30)):
    frame = pd.DataFrame({"task_id": ["a", "a", "b", "b"], "sample_id": [0, 1, 0, 1],
                          "n_prompt_tokens": pd.array(prompt_tokens, dtype="Int64"), "n_new_tokens": [4, 6, 8, 2]})
    write_parquet(frame, path, metadata=metadata)
    return path


def test_measured_costs_charge_what_the_run_spent(tmp_path):
    # new tokens: mean 5; prompts are encoded once per problem and shared by its 2 samples:
    # (10/2 + 10/2 + 30/2 + 30/2) / 4 = 10 prompt tokens per sample -> 15 tokens per sample.
    costs = measured_costs(str(generations(tmp_path / "g.parquet", {"wall_seconds": 8.0})), FLOPS)
    assert costs.tokens == pytest.approx(15)
    assert costs.flops == pytest.approx(15e9)
    assert costs.seconds == pytest.approx(2.0)
    assert costs.flops_source.startswith("measured") and costs.seconds_source.startswith("measured")


def test_measured_costs_of_samples_made_elsewhere(tmp_path):
    # no prompt lengths (the files have none): new tokens only, 5 per sample -> 5 GFLOPs; time
    # as stated: 0.25 s on 4 devices = 1 device-second per sample
    path = generations(tmp_path / "g.parquet", {}, prompt_tokens=(None,) * 4)
    costs = measured_costs(str(path), FLOPS, stated={"seconds_per_sample": 0.25, "devices": 4, "source": "table"})
    assert costs.flops == pytest.approx(5e9) and "prompt lengths unknown" in costs.flops_source
    assert costs.seconds == pytest.approx(1.0) and "table" in costs.seconds_source


def test_measured_costs_need_the_runs_timing(tmp_path):
    with pytest.raises(InputError, match="no timing"):
        measured_costs(str(generations(tmp_path / "g.parquet", {})), FLOPS)


def test_profile_costs_say_where_the_wall_time_came_from():
    profile = {"measured": True, "seconds_per_sample": 0.5, "samples": 64, "device": "cpu", "batch_size": 8}
    measured = model_costs(FLOPS, profile, "Code Llama 7B")
    assert measured.seconds == 0.5 and measured.seconds_source.startswith("measured: 64 samples on cpu")
    paper = model_costs(FLOPS, {"measured": False, "reason": "no GPU"}, "Code Llama 7B")
    # Table 1: 395 s for ~1000 samples
    assert paper.seconds == pytest.approx(0.395) and paper.seconds_source.startswith("paper: Table 1")
    assert "no GPU" in paper.seconds_source
    unknown = model_costs(FLOPS, {"measured": False, "reason": "no GPU"}, None)
    assert unknown.seconds is None and "no GPU" in unknown.seconds_source


def test_stated_time_is_charged_in_device_seconds():
    stated = model_costs(FLOPS, stated={"seconds_per_sample": 0.7269, "devices": 2, "source": "their table"})
    assert stated.seconds == pytest.approx(1.4538) and stated.seconds_source.startswith("stated")
    assert stated.flops == 128e9


def test_normalised_costs_are_in_units_of_the_cheapest_model(tmp_path):
    costs = {"small": Costs(flops=1.69e12, seconds=0.4), "large": Costs(flops=3.29e12, seconds=None)}
    assert unit(costs, "flops") == 1.69e12
    assert normalised(costs, "flops") == {"small": 1.0, "large": pytest.approx(3.29 / 1.69)}
    assert unit(costs, "time") is None and normalised(costs, "time") is None
    costs["small"].write(tmp_path / "c.json")
    assert Costs.read(tmp_path / "c.json") == costs["small"]
