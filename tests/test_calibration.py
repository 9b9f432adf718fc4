"""The roofline's efficiency fitted to measured throughput (costs.calibration)."""

from __future__ import annotations

import json

import pytest

from budget_realloc.costs.accelerators import PRECISIONS, accelerator_spec, accelerators
from budget_realloc.costs.architecture import read_architecture
from budget_realloc.costs.calibration import (FITTED_CPU, FITTED_GPU, MeasuredRow, calibrate, measured_sets,
                                              profile_rows, published_rows, write_calibration)
from budget_realloc.costs.efficiency import Efficiency
from budget_realloc.costs.roofline import static_batch
from conftest import REPO, shared

MODELS = REPO / "resources" / "models"


def synthetic_rows(truth: Efficiency) -> list[MeasuredRow]:
    """Static batches of a multi-head 7B and a grouped-query 70B at short and long contexts, small
    and large batches (so that bandwidth, compute and the K/V read all bind somewhere), timed
    exactly as the roofline says at ``truth``."""
    rows = []
    for name, devices in (("llama2-7b.json", 1), ("llama2-70b.json", 4)):
        arch, acc = read_architecture(MODELS / name), accelerator_spec("a100-80gb", "fp16")
        for batch in (1, 16, 64, 256):
            for prompt, new in ((128, 128), (2048, 128), (128, 2048), (1, 512)):
                seconds = static_batch(arch, acc, batch=batch, input_tokens=prompt, output_tokens=new, devices=devices,
                                       dtype=PRECISIONS["fp16"], efficiency=truth).seconds
                rows.append(MeasuredRow(source="synthetic", group="synthetic", label=f"{name} {batch} {prompt}/{new}",
                                        accelerator="a100-80gb", architecture=str(MODELS / name), devices=devices,
                                        split="tensor", precision="fp16", shapes=((batch, batch, prompt, new),),
                                        seconds=seconds))
    return rows


def test_a_fit_recovers_the_factors_a_synthetic_table_was_made_with():
    truth = Efficiency(bandwidth=0.71, compute=0.47, grouped_kv=0.33)
    fitted = calibrate(synthetic_rows(truth), FITTED_GPU, leave_one_out=False)
    for factor in FITTED_GPU:
        assert getattr(fitted.efficiency, factor) == pytest.approx(getattr(truth, factor), abs=1e-4), factor
    assert max(abs(fitted.errors())) < 1e-6


def test_the_overhead_per_pass_is_recovered_too_and_left_out_rows_are_predicted():
    truth = Efficiency(bandwidth=0.6, compute=0.8, grouped_kv=0.9, step_overhead=0.004)
    fitted = calibrate(synthetic_rows(truth)[:20], FITTED_CPU)
    assert fitted.efficiency.step_overhead == pytest.approx(0.004, rel=1e-3)
    assert max(abs(fitted.errors("left-out"))) < 1e-4          # an exact model predicts what it has not seen


def test_published_rows_are_read_per_device_or_per_group_as_their_header_says():
    path = shared("throughput/measured_throughput.csv")
    rows, skipped = published_rows(path, MODELS)
    by_label = {(r.group, r.label): r for r in rows}
    # TensorRT-LLM 0.6.1, Llama-2 70B on 4 GPUs, batch 1280, 128/128: 670 "out tok/s/GPU" = 2,680 for the group
    row = by_label["TensorRT-LLM 0.6.1", "Llama-2-70B TP4 batch 1280 128/128"]
    assert row.seconds == pytest.approx(1280 * 128 / (670 * 4)) and row.tokens_per_second == pytest.approx(2680)
    # TensorRT-LLM 0.5.0 prints "out tok/s" for the same model: the group's, as its README reads it
    row = by_label["TensorRT-LLM 0.5.0", "Llama-2-70B TP4 batch 64 128/128"]
    assert row.tokens_per_second == pytest.approx(1237)
    assert all("Mixtral" in line or "latency" in line for line in skipped)
    assert len(rows) + len(skipped) == 169


def test_the_calibration_predicts_the_published_rows_and_the_shipped_defaults_are_its_fit(tmp_path):
    sets, skipped = measured_sets(models=MODELS, published=shared("throughput/measured_throughput.csv"))
    report = write_calibration(sets, skipped, tmp_path / "calibration.json", tmp_path / "calibration.csv")
    published = report["sets"][0]
    assert published["fit_median_error"] <= 0.25 and published["left_out_median_error"] <= 0.25
    central = accelerator_spec("a100-80gb", "fp16").efficiency.central
    for factor, value in published["efficiency"].items():        # resources/accelerators.yaml is this fit
        assert getattr(central, factor) == pytest.approx(value, abs=5e-4), factor
    entry = accelerators()["a100-80gb"]["efficiency"]
    for factor in FITTED_GPU:
        fits = [g["efficiency"][factor] for g in published["groups"]]
        if factor != "grouped_kv":                                  # its ends are the kernel's bounds, 1 and 0
            assert (entry[factor]["best"], entry[factor]["worst"]) == pytest.approx((max(fits), min(fits)), abs=5e-4)


def test_profile_rows_are_the_batches_a_walltime_profile_timed(tmp_path):
    profile = {"measured": True, "device": "x86_64 CPU, 2 threads", "samples_per_second_by_batch_size": {"8": 4.0},
               "prompt_tokens_by_batch_size": {"8": 149}, "distinct_prompts_by_batch_size": {"8": 8},
               "new_tokens": 32, "precision": "fp32"}
    path = tmp_path / "tiny-s.walltime.json"
    path.write_text(json.dumps(profile))
    (row,) = profile_rows({"tiny-s": path}, {"tiny-s": str(MODELS / "tiny-s.json")})
    assert row.shapes == ((8, 8, 149.0, 32.0),) and row.seconds == 2.0 and row.accelerator == "cpu"
    not_measured = tmp_path / "gpu.walltime.json"
    not_measured.write_text(json.dumps({"measured": False, "reason": "no GPU"}))
    assert profile_rows({"tiny-m": not_measured}, {"tiny-m": str(MODELS / "tiny-m.json")}) == []
