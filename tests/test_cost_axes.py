"""A run's budget axes (costs.axes): idealized time, other accelerators, dollars."""

from __future__ import annotations

import pandas as pd
import pytest

from budget_realloc.costs import Costs
from budget_realloc.costs.axes import CHARS_PER_TOKEN, run_costs, run_lengths
from budget_realloc.costs.roofline import idealized_cost
from conftest import REPO

CODELLAMA_7B = str(REPO / "resources" / "models" / "codellama-7b.json")
CODEGEN = str(REPO / "resources" / "models" / "codegen-mono-16b.json")
BASE = Costs(flops=1.69e12, flops_source="calflops", seconds=1.5, seconds_source="stated")


def test_lengths_come_from_the_run_where_it_counted_them():
    problems = pd.DataFrame({"prompt": ["x" * 296, "x" * 592]})
    generations = pd.DataFrame({"n_prompt_tokens": pd.array([None, None], dtype="Int64"),
                                "n_new_tokens": pd.array([100, 300], dtype="Int64")})
    assert run_lengths(problems, generations, 512) == pytest.approx((444 / CHARS_PER_TOKEN, 200.0))
    assert run_lengths(problems, None, 512) == pytest.approx((444 / CHARS_PER_TOKEN, 512.0))
    counted = generations.assign(n_prompt_tokens=pd.array([10, 30], dtype="Int64"))
    assert run_lengths(problems, counted, 512) == (20.0, 200.0)


def test_dollars_are_device_seconds_at_the_price():
    costs = run_costs(BASE, architecture=None, lengths=None, samples_per_prompt=100, time_accelerator=None,
                      accelerators=[], usd_per_device_hour=3.6, time_unit="device-seconds")
    assert costs.extra == {"usd": pytest.approx(1.5 * 3.6 / 3600)} and costs.seconds == 1.5


def test_idealized_time_replaces_time_and_extra_accelerators_add_axes():
    lengths = (150.0, 200.0)
    costs = run_costs(BASE, architecture=CODELLAMA_7B, lengths=lengths, samples_per_prompt=100,
                      time_accelerator="a100-80gb", accelerators=["h200"], usd_per_device_hour=2.0,
                      time_unit="device-seconds")
    a100 = idealized_cost(CODELLAMA_7B, "a100-80gb", prompt_tokens=150, new_tokens=200, samples_per_prompt=100)
    h200 = idealized_cost(CODELLAMA_7B, "h200", prompt_tokens=150, new_tokens=200, samples_per_prompt=100)
    assert costs.seconds == pytest.approx(a100["seconds_per_sample"]) and costs.seconds_source.startswith("idealized")
    assert costs.extra["time@h200"] == pytest.approx(h200["seconds_per_sample"])
    assert costs.extra["usd"] == pytest.approx(a100["seconds_per_sample"] * 2.0 / 3600)
    assert costs.flops == BASE.flops


def test_a_model_the_roofline_does_not_read_gets_no_idealized_axis():
    costs = run_costs(BASE, architecture=CODEGEN, lengths=(150.0, 200.0), samples_per_prompt=100,
                      time_accelerator=None, accelerators=["h200"], usd_per_device_hour=None, time_unit="device-seconds")
    assert "time@h200" not in costs.extra and "no idealized time" in costs.seconds_source
    with pytest.raises(ValueError, match="needs the run's prompts"):
        run_costs(BASE, architecture=CODELLAMA_7B, lengths=None, samples_per_prompt=1, time_accelerator="h200",
                  accelerators=[], usd_per_device_hour=None, time_unit="device-seconds")
