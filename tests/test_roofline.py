"""The roofline cost model against hand-computed cases.

Most cases use one made-up architecture with round numbers (MODEL_A) on made-up accelerators:
  hidden 1000, 10 heads of 100 (no num_key_value_heads: multi-head), intermediate 3000,
  10 layers, vocab 10,000, untied.
  per layer: q, k, v, o 4 x 1000 x 1000 = 4e6; gate, up, down 3 x 1000 x 3000 = 9e6 -> 13e6
             + 2 norms x 1000 = 13,002,000; x 10 layers = 130,020,000
  params = 130,020,000 + final norm 1,000 + embeddings and lm_head 2 x 1e7 = 150,021,000
  weights held (bf16): 300,042,000 bytes; read per pass (all but the input embedding): 280,042,000
  per token: matmul FLOPs 2 x (10 x 13e6 + lm_head 1e7) = 2.8e8;
             attention 4 x 10 layers x 10 heads x 100 = 40,000 FLOPs per attended position;
             KV cache 2 x 10 layers x 10 heads x 100 x 2 bytes = 40,000 bytes
  prefill of a 100-token prompt: 2 x 130e6 x 100 = 2.6e10 + attention 40,000 x 100 x 101 / 2
             = 2.02e8 + lm_head (last position) 2e7 = 26,222,000,000 FLOPs
  Workload P = 100, N = 101: 100 decode steps, step j attends to 100 + j positions
             (sum over j of 100 + j = 100 x 100 + 5,050 = 15,050); the final cache holds 200
             positions = 8,000,000 bytes per sequence.
ACCEL_X: 1e12 FLOP/s, 1e11 bytes/s, memory as each case needs (usable: 0.9 of it).
"""

from __future__ import annotations

import json

import pytest
import yaml

from budget_realloc.costs import roofline
from budget_realloc.costs.roofline import (Workload, accelerators, batch_seconds, fewest_devices, idealized_cost,
                                           read_architecture)
from budget_realloc.errors import UserError
from conftest import REPO

MODEL_A = {"model_type": "llama", "architectures": ["LlamaForCausalLM"], "hidden_size": 1000,
           "intermediate_size": 3000, "num_hidden_layers": 10, "num_attention_heads": 10,
           "vocab_size": 10000, "tie_word_embeddings": False}
WORK = {"prompt_tokens": 100, "new_tokens": 101}


def made_up(memory: float) -> dict:
    return {"label": f"made-up {memory:g} B", "peak_bf16_flops": 1e12, "peak_fp32_flops": 1e11,
            "memory_bandwidth": 1e11, "memory_bytes": memory, "sources": ["this test"], "notes": ""}


@pytest.fixture
def accelerators_file(tmp_path, monkeypatch):
    path = tmp_path / "accelerators.yaml"
    entries = {"x": made_up(1e10), "x-small": made_up(4e8), "x-half": made_up(2e8), "x-tiny": made_up(1.2e8)}
    path.write_text(yaml.safe_dump(entries))
    monkeypatch.setattr(roofline, "ACCELERATORS", path)
    return path


@pytest.fixture
def model_a(tmp_path):
    path = tmp_path / "model-a.json"
    path.write_text(json.dumps(MODEL_A))
    return path


def test_parameters_of_the_made_up_model(model_a):
    arch = read_architecture(model_a)
    assert arch.kv_heads == 10 and arch.head_dim == 100          # absent: multi-head attention
    assert arch.params == 150_021_000
    assert arch.streamed_params == 140_021_000
    assert arch.token_matmul_flops == 280_000_000
    assert arch.kv_bytes_per_token(2) == 40_000
    assert arch.prompt_flops(100) == 26_222_000_000


def test_code_llama_7b_has_the_parameters_calflops_counts():
    # hidden 4096, intermediate 11008, 32 layers, 32 heads (MHA), vocab 32,016, untied:
    # layer = 4 x 4096^2 (67,108,864) + 3 x 4096 x 11008 (135,266,304) + 2 x 4096 = 202,383,360;
    # x 32 = 6,476,267,520; + final norm 4,096 + 2 x 32,016 x 4096 (262,275,072) = 6,738,546,688:
    # calflops' "params" for the architecture, and the "6.74B" Code Llama 7B is published as.
    assert read_architecture(REPO / "resources" / "models" / "codellama-7b.json").params == 6_738_546_688


def test_grouped_query_attention_biases_and_tied_embeddings_are_counted():
    # Qwen2.5-Coder 0.5B: hidden 896, 14 heads of 64, 2 KV heads (width 128), intermediate 4864,
    # 24 layers, vocab 151,936, tied.  Layer: q, o 2 x 896^2 = 1,605,632; k, v 2 x 896 x 128 =
    # 229,376; MLP 3 x 896 x 4864 = 13,074,432; q/k/v biases 896 + 2 x 128 = 1,152; norms 1,792
    # -> 14,912,384; x 24 = 357,897,216; + 896 + one embedding 151,936 x 896 = 136,134,656
    # -> 494,032,768 (calflops counts the same; Qwen publishes "0.49B").
    arch = read_architecture(REPO / "resources" / "models" / "qwen2.5-coder-0.5b.json")
    assert arch.params == 494_032_768
    assert arch.streamed_params == arch.params                    # the tied table is the lm_head
    assert arch.kv_bytes_per_token(2) == 2 * 24 * 2 * 64 * 2      # 12,288: KV heads, not query heads


def test_batch_of_one_decodes_memory_bound(model_a, accelerators_file):
    # decode, per step: FLOPs 2.8e8 + 40,000 c (about 2.9e-4 s) < bytes 280,042,000 + 40,000 c
    # (about 2.9e-3 s): memory-bound.  Sum over 100 steps:
    # (100 x 280,042,000 + 40,000 x 15,050) / 1e11 = 28,606,200,000 / 1e11 = 0.286062 s.
    # prefill: max(26,222,000,000 / 1e12, 280,042,000 / 1e11) = max(0.026222, 0.0028) = 0.026222 s.
    arch, acc = read_architecture(model_a), roofline.accelerator_spec("x")
    prefill, decode, compute_bound = batch_seconds(arch, acc, 1, 1, Workload(100, 101, 1), 2)
    assert prefill == pytest.approx(0.026222)
    assert decode == pytest.approx(0.286062)
    assert compute_bound == 0

    cost = idealized_cost(model_a, "x", **WORK, samples_per_prompt=1, max_batch=1)
    assert (cost["devices"], cost["batch_size"], cost["bound"]) == (1, 1, "memory")
    assert cost["wall_seconds_per_sample"] == cost["seconds_per_sample"] == pytest.approx(0.312284)
    assert cost["prefill_seconds_per_sample"] == pytest.approx(0.026222)


def test_large_batch_decodes_compute_bound_and_the_best_batch_is_the_knee(model_a, accelerators_file):
    # One prompt, 100 samples, batch 100: a step's compute 100 x (2.8e8 + 40,000 c) / 1e12 beats its
    # memory (280,042,000 + 100 x 40,000 c) / 1e11 at every c in [100.5, 200.5] (0.0284 > 0.0068,
    # 0.0288 > 0.0108).  Decode: 100 x (100 x 2.8e8 + 40,000 x 15,050) / 1e12 = 2.8602 s.
    # Prefill: the one prompt, 0.026222 s.  Per sample (0.026222 + 2.8602) / 100 = 0.02886422 s.
    arch, acc = read_architecture(model_a), roofline.accelerator_spec("x")
    prefill, decode, compute_bound = batch_seconds(arch, acc, 1, 100, Workload(100, 101, 100), 2)
    assert (prefill, decode) == (pytest.approx(0.026222), pytest.approx(2.8602))
    assert compute_bound == pytest.approx(decode)

    # 1e10 B holds (9e9 - 300,042,000) / 8e6 = 1,087 sequences, but no batch beats 100: decode is
    # compute-bound from 14 sequences on (B x 2.8802e-4 >= 2.80042e-3 + B x 8.02e-5 at c = 200.5)
    # and the prefill's share stops falling once a batch holds the whole prompt's 100 samples.
    cost = idealized_cost(model_a, "x", **WORK, samples_per_prompt=100)
    assert (cost["batch_size"], cost["bound"]) == (100, "compute")
    assert cost["seconds_per_sample"] == pytest.approx(0.02886422)


def test_the_best_batch_is_the_largest_that_fits(model_a, accelerators_file):
    # 4e8 B x 0.9 - 300,042,000 B of weights = 59,958,000 B: 7 caches of 8,000,000 B.  Batch 7 is
    # memory-bound (at c = 200.5: compute 7 x 2.8802e-4 = 0.0020 s < memory 0.0034 s).
    # Decode: (100 x 280,042,000 + 7 x 40,000 x 15,050) / 1e11 = 32,218,200,000 / 1e11 = 0.322182 s;
    # prefill of 7 prompts: max(7 x 0.026222, 0.0028) = 0.183554 s; per sample 0.505736 / 7.
    cost = idealized_cost(model_a, "x-small", **WORK, samples_per_prompt=1)
    assert (cost["devices"], cost["batch_size"], cost["bound"]) == (1, 7, "memory")
    assert cost["seconds_per_sample"] == pytest.approx(0.505736 / 7)
    assert idealized_cost(model_a, "x-small", **WORK, samples_per_prompt=1, max_batch=3)["batch_size"] == 3


def test_a_model_bigger_than_a_device_is_split_over_the_fewest_that_hold_it(model_a, accelerators_file):
    # 2e8 B devices: one holds 1.8e8 < 300,042,000 B of weights; two hold 3.6e8, room for 7 caches as
    # above.  Twice the FLOP/s and bandwidth halve the time: wall 0.505736 / 7 / 2 per sample,
    # and two devices are occupied for it: device-seconds 0.505736 / 7.
    cost = idealized_cost(model_a, "x-half", **WORK, samples_per_prompt=1)
    assert (cost["devices"], cost["batch_size"]) == (2, 7)
    assert cost["wall_seconds_per_sample"] == pytest.approx(0.505736 / 14)
    assert cost["seconds_per_sample"] == pytest.approx(0.505736 / 7)
    assert cost["decode_seconds_per_sample"] == pytest.approx(0.322182 / 7)
    seconds = idealized_cost(model_a, "x-half", **WORK, samples_per_prompt=1, count="seconds")
    assert seconds["seconds_per_sample"] == pytest.approx(0.505736 / 14)

    # 1.2e8 B devices: three would hold it (3.24e8 - 300,042,000 = 23,958,000 >= 8e6), but 10 heads
    # split 1, 2, 5 or 10 ways: five.
    arch = read_architecture(model_a)
    assert fewest_devices(arch, roofline.accelerator_spec("x-tiny"), Workload(100, 101, 1), 2) == 5


def test_the_accelerators_file_has_every_field_and_a_source():
    entries = accelerators()
    assert {"a100-40gb", "a100-80gb", "h100-sxm", "h200", "l4", "cpu"} <= set(entries)
    for entry in entries.values():
        assert all(float(entry[f]) > 0 for f in ("peak_bf16_flops", "peak_fp32_flops",
                                                 "memory_bandwidth", "memory_bytes"))
        assert entry["sources"]


def test_errors_name_what_is_wrong(model_a, accelerators_file, tmp_path):
    with pytest.raises(UserError, match="unknown accelerator 'tpu-v9'"):
        idealized_cost(model_a, "tpu-v9", **WORK, samples_per_prompt=1)
    (tmp_path / "model-b").mkdir()
    (tmp_path / "model-b" / "config.json").write_text(json.dumps({k: v for k, v in MODEL_A.items() if k != "intermediate_size"}))
    with pytest.raises(UserError, match="'intermediate_size'"):
        idealized_cost(tmp_path / "model-b", "x", **WORK, samples_per_prompt=1)
    (tmp_path / "model-b" / "config.json").write_text(json.dumps({**MODEL_A, "num_hidden_layers": "10"}))
    with pytest.raises(UserError, match="'num_hidden_layers' is '10', not a positive integer"):
        idealized_cost(tmp_path / "model-b", "x", **WORK, samples_per_prompt=1)
    (tmp_path / "model-b" / "config.json").write_text(json.dumps({**MODEL_A, "model_type": "gpt2"}))
    with pytest.raises(UserError, match="model_type 'gpt2' is not one the roofline counts"):
        idealized_cost(tmp_path / "model-b", "x", **WORK, samples_per_prompt=1)
    with pytest.raises(UserError, match="count 'joules'"):
        idealized_cost(model_a, "x", **WORK, samples_per_prompt=1, count="joules")
    with pytest.raises(UserError, match="dtype_bytes 1"):
        idealized_cost(model_a, "x", **WORK, samples_per_prompt=1, dtype_bytes=1)
    accelerators_file.write_text(yaml.safe_dump({"x": made_up(2e7)}))
    with pytest.raises(UserError, match=r"does not fit on 10 x made-up 2e\+07 B \(x\)"):
        idealized_cost(model_a, "x", **WORK, samples_per_prompt=1)
    accelerators_file.write_text(yaml.safe_dump({"x": {k: v for k, v in made_up(1e10).items()
                                                       if k != "memory_bandwidth"}}))
    with pytest.raises(UserError, match="accelerator 'x' has no memory_bandwidth"):
        idealized_cost(model_a, "x", **WORK, samples_per_prompt=1)
