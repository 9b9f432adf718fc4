"""A run's budget axes (costs.axes): modelled time, other accelerators with their efficiency range, dollars."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from budget_realloc.costs import Costs, normalised, shared_scenarios
from budget_realloc.costs.accelerators import accelerator_spec
from budget_realloc.costs.axes import CHARS_PER_TOKEN, run_costs, run_lengths
from budget_realloc.costs.efficiency import CENTRAL
from budget_realloc.costs.roofline import idealized_cost
from budget_realloc.errors import UserError
from conftest import REPO

CODELLAMA_7B = str(REPO / "resources" / "models" / "codellama-7b.json")
CODELLAMA_34B = str(REPO / "resources" / "models" / "codellama-34b.json")
CODEGEN = str(REPO / "resources" / "models" / "codegen-mono-16b.json")
BASE = Costs(flops=1.69e12, flops_source="calflops", seconds=1.5, seconds_source="stated")
LENGTHS = (np.array([150.0, 150.0, 300.0]), np.array([100.0, 300.0, 200.0]))


def test_lengths_are_each_samples_own_where_the_run_counted_them():
    problems = pd.DataFrame({"task_id": ["a", "b"], "prompt": ["x" * 296, "x" * 592]})
    generations = pd.DataFrame({"task_id": ["a", "a", "b"], "n_prompt_tokens": pd.array([None] * 3, dtype="Int64"),
                                "n_new_tokens": pd.array([100, 300, 200], dtype="Int64")})
    prompt, new = run_lengths(problems, generations, 512)
    assert list(prompt) == pytest.approx([296 / CHARS_PER_TOKEN] * 2 + [592 / CHARS_PER_TOKEN]) and list(new) == [100, 300, 200]
    prompt, new = run_lengths(problems, None, 512)                     # no generations: each problem at the limit
    assert list(prompt) == pytest.approx([296 / CHARS_PER_TOKEN, 592 / CHARS_PER_TOKEN]) and list(new) == [512, 512]
    counted = generations.assign(n_prompt_tokens=pd.array([10, 10, 30], dtype="Int64"))
    assert list(run_lengths(problems, counted, 512)[0]) == [10, 10, 30]


def test_dollars_are_device_seconds_at_the_price():
    costs = run_costs(BASE, architecture=None, lengths=None, samples_per_prompt=100, time_accelerator=None,
                      accelerators=[], usd_per_device_hour=3.6, time_unit="device-seconds")
    assert costs.extra == {"usd": pytest.approx(1.5 * 3.6 / 3600)} and costs.seconds == 1.5 and costs.scenarios == {}


def test_idealized_time_replaces_time_and_accelerator_axes_carry_their_efficiency_range():
    costs = run_costs(BASE, architecture=CODELLAMA_7B, lengths=LENGTHS, samples_per_prompt=100,
                      time_accelerator="a100-80gb", accelerators=["h200"], usd_per_device_hour=2.0,
                      time_unit="device-seconds", calibrated=False)
    kwargs = dict(prompt_tokens=LENGTHS[0], new_tokens=LENGTHS[1], samples_per_prompt=100)
    a100 = idealized_cost(CODELLAMA_7B, "a100-80gb", **kwargs)
    h200 = accelerator_spec("h200").efficiency
    assert costs.seconds == pytest.approx(a100.seconds_per_sample) and costs.seconds_source.startswith("idealized")
    assert "time" not in costs.scenarios                              # the ideal has no range
    assert costs.extra["time@h200"] == pytest.approx(idealized_cost(CODELLAMA_7B, "h200", **kwargs,
                                                                    efficiency=h200.central).seconds_per_sample)
    corners = costs.scenarios["time@h200"]
    assert len(corners) == len(h200.scenarios()) and corners[CENTRAL] == costs.extra["time@h200"]
    best_corner = "corner:" + "b" * 6
    assert corners[best_corner] == pytest.approx(idealized_cost(CODELLAMA_7B, "h200", **kwargs,
                                                                efficiency=h200.best).seconds_per_sample)
    assert min(corners.values()) <= corners[CENTRAL] <= max(corners.values())
    assert costs.extra["usd"] == pytest.approx(a100.seconds_per_sample * 2.0 / 3600)
    assert costs.flops == BASE.flops


def test_calibrated_time_has_its_range_and_dollars_follow_it():
    costs = run_costs(BASE, architecture=CODELLAMA_7B, lengths=LENGTHS, samples_per_prompt=100,
                      time_accelerator="a100-80gb", accelerators=[], usd_per_device_hour=3.6,
                      time_unit="device-seconds", calibrated=True)
    assert costs.seconds_source.startswith("calibrated") and len(costs.scenarios["time"]) > 1
    assert costs.scenarios["usd"] == pytest.approx({k: v * 3.6 / 3600 for k, v in costs.scenarios["time"].items()})


def test_engines_pin_how_grouped_keys_and_values_are_read():
    def cost(engine):
        return run_costs(BASE, architecture=CODELLAMA_34B, lengths=LENGTHS, samples_per_prompt=100,
                         time_accelerator=None, accelerators=["a100-80gb"], usd_per_device_hour=None,
                         time_unit="device-seconds", engine=engine)
    efficient, calibrated, expanding = cost("efficient"), cost("calibrated"), cost("as-written")
    assert efficient.extra["time@a100-80gb"] < calibrated.extra["time@a100-80gb"] < expanding.extra["time@a100-80gb"]
    assert len(efficient.scenarios["time@a100-80gb"]) < len(calibrated.scenarios["time@a100-80gb"])   # a factor fixed


def test_each_scenario_is_normalised_to_its_own_cheapest_model():
    seven = Costs(flops=1.0, extra={"time@x": 1.0}, scenarios={"time@x": {CENTRAL: 1.0, "corner:a": 2.0}})
    big = Costs(flops=5.0, extra={"time@x": 3.0}, scenarios={"time@x": {CENTRAL: 3.0, "corner:a": 3.0}})
    assert shared_scenarios([seven, big], "time@x") == [CENTRAL, "corner:a"]
    assert normalised({"7b": seven, "34b": big}, "time@x") == {"7b": 1.0, "34b": 3.0}
    assert normalised({"7b": seven, "34b": big}, "time@x", "corner:a") == {"7b": 1.0, "34b": 1.5}
    assert shared_scenarios([seven, big], "flops") == [CENTRAL]


def test_a_model_the_roofline_does_not_read_gets_no_modelled_axis():
    costs = run_costs(BASE, architecture=CODEGEN, lengths=LENGTHS, samples_per_prompt=100,
                      time_accelerator=None, accelerators=["h200"], usd_per_device_hour=None, time_unit="device-seconds")
    assert "time@h200" not in costs.extra and "no modelled time" in costs.seconds_source
    with pytest.raises(UserError, match="needs the run's prompts"):
        run_costs(BASE, architecture=CODELLAMA_7B, lengths=None, samples_per_prompt=1, time_accelerator="h200",
                  accelerators=[], usd_per_device_hour=None, time_unit="device-seconds")
