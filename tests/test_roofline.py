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

from budget_realloc.costs import accelerators as accelerators_module
from budget_realloc.costs.accelerators import PRECISIONS, accelerator_spec, accelerators
from budget_realloc.costs.architecture import read_architecture
from budget_realloc.costs.efficiency import IDEAL, Efficiency
from budget_realloc.costs.roofline import Workload, batch_seconds, fewest_devices, idealized_cost
from budget_realloc.errors import UserError
from conftest import REPO

MODEL_A = {"model_type": "llama", "architectures": ["LlamaForCausalLM"], "hidden_size": 1000,
           "intermediate_size": 3000, "num_hidden_layers": 10, "num_attention_heads": 10,
           "vocab_size": 10000, "tie_word_embeddings": False}
WORK = {"prompt_tokens": 100, "new_tokens": 101}


BF16 = PRECISIONS["bf16"]


def made_up(memory: float) -> dict:
    ideal = {f: {"best": getattr(IDEAL, f), "central": getattr(IDEAL, f), "worst": getattr(IDEAL, f), "source": "test"}
             for f in IDEAL.__dataclass_fields__}
    return {"label": f"made-up {memory:g} B", "peak_fp8_flops": None, "peak_bf16_flops": 1e12, "peak_fp32_flops": 1e11,
            "memory_bandwidth": 1e11, "memory_bytes": memory, "sources": ["this test"], "notes": "",
            "efficiency": ideal}


@pytest.fixture
def accelerators_file(tmp_path, monkeypatch):
    path = tmp_path / "accelerators.yaml"
    entries = {"x": made_up(1e10), "x-small": made_up(4e8), "x-half": made_up(2e8), "x-tiny": made_up(1.2e8)}
    path.write_text(yaml.safe_dump(entries))
    monkeypatch.setattr(accelerators_module, "ACCELERATORS", path)
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
    arch, acc = read_architecture(model_a), accelerator_spec("x")
    prefill, decode, compute_bound, overhead = batch_seconds(arch, acc, 1, 1, Workload.of(100, 101, 1), BF16)
    assert prefill == pytest.approx(0.026222)
    assert decode == pytest.approx(0.286062)
    assert compute_bound == 0 and overhead == 0

    cost = idealized_cost(model_a, "x", **WORK, samples_per_prompt=1, efficiency=Efficiency(max_batch=1))
    assert (cost.devices, cost.batch_size, cost.bound) == (1, 1, "memory")
    assert cost.wall_seconds_per_sample == cost.seconds_per_sample == pytest.approx(0.312284)
    assert cost.prefill_seconds_per_sample == pytest.approx(0.026222)


def test_large_batch_decodes_compute_bound_and_the_best_batch_is_the_knee(model_a, accelerators_file):
    # One prompt, 100 samples, batch 100: a step's compute 100 x (2.8e8 + 40,000 c) / 1e12 beats its
    # memory (280,042,000 + 100 x 40,000 c) / 1e11 at every c in [100.5, 200.5] (0.0284 > 0.0068,
    # 0.0288 > 0.0108).  Decode: 100 x (100 x 2.8e8 + 40,000 x 15,050) / 1e12 = 2.8602 s.
    # Prefill: the one prompt, 0.026222 s.  Per sample (0.026222 + 2.8602) / 100 = 0.02886422 s.
    arch, acc = read_architecture(model_a), accelerator_spec("x")
    prefill, decode, compute_bound, _ = batch_seconds(arch, acc, 1, 100, Workload.of(100, 101, 100), BF16)
    assert (prefill, decode) == (pytest.approx(0.026222), pytest.approx(2.8602))
    assert compute_bound == pytest.approx(decode)

    # 1e10 B holds (9e9 - 300,042,000) / 8e6 = 1,087 sequences, but no batch beats 100: decode is
    # compute-bound from 14 sequences on (B x 2.8802e-4 >= 2.80042e-3 + B x 8.02e-5 at c = 200.5)
    # and the prefill's share stops falling once a batch holds the whole prompt's 100 samples.
    cost = idealized_cost(model_a, "x", **WORK, samples_per_prompt=100)
    assert (cost.batch_size, cost.bound) == (100, "compute")
    assert cost.seconds_per_sample == pytest.approx(0.02886422)


def test_the_best_batch_is_the_largest_that_fits(model_a, accelerators_file):
    # 4e8 B x 0.9 - 300,042,000 B of weights = 59,958,000 B: 7 caches of 8,000,000 B.  Batch 7 is
    # memory-bound (at c = 200.5: compute 7 x 2.8802e-4 = 0.0020 s < memory 0.0034 s).
    # Decode: (100 x 280,042,000 + 7 x 40,000 x 15,050) / 1e11 = 32,218,200,000 / 1e11 = 0.322182 s;
    # prefill of 7 prompts: max(7 x 0.026222, 0.0028) = 0.183554 s; per sample 0.505736 / 7.
    cost = idealized_cost(model_a, "x-small", **WORK, samples_per_prompt=1)
    assert (cost.devices, cost.batch_size, cost.bound) == (1, 7, "memory")
    assert cost.seconds_per_sample == pytest.approx(0.505736 / 7)
    assert idealized_cost(model_a, "x-small", **WORK, samples_per_prompt=1,
                          efficiency=Efficiency(max_batch=3)).batch_size == 3


def test_a_model_bigger_than_a_device_is_split_over_the_fewest_that_hold_it(model_a, accelerators_file):
    # 2e8 B devices: one holds 1.8e8 < 300,042,000 B of weights; two hold 3.6e8, room for 7 caches as
    # above.  Twice the FLOP/s and bandwidth halve the time: wall 0.505736 / 7 / 2 per sample,
    # and two devices are occupied for it: device-seconds 0.505736 / 7.
    cost = idealized_cost(model_a, "x-half", **WORK, samples_per_prompt=1)
    assert (cost.devices, cost.batch_size) == (2, 7)
    assert cost.wall_seconds_per_sample == pytest.approx(0.505736 / 14)
    assert cost.seconds_per_sample == pytest.approx(0.505736 / 7)
    assert cost.decode_seconds_per_sample == pytest.approx(0.322182 / 7)
    seconds = idealized_cost(model_a, "x-half", **WORK, samples_per_prompt=1, count="seconds")
    assert seconds.seconds_per_sample == pytest.approx(0.505736 / 14)

    # 1.2e8 B devices: three would hold it (3.24e8 - 300,042,000 = 23,958,000 >= 8e6), but 10 heads
    # split 1, 2, 5 or 10 ways: five.
    arch = read_architecture(model_a)
    assert fewest_devices(arch, accelerator_spec("x-tiny"), Workload.of(100, 101, 1), BF16) == 5


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
    with pytest.raises(UserError, match="precision 'int3'"):
        idealized_cost(model_a, "x", **WORK, samples_per_prompt=1, dtype="int3")
    with pytest.raises(UserError, match="accelerator 'x' .* has no fp8 peak"):
        idealized_cost(model_a, "x", **WORK, samples_per_prompt=1, dtype="fp8")
    accelerators_file.write_text(yaml.safe_dump({"x": made_up(2e7)}))
    with pytest.raises(UserError, match=r"does not fit on 10 x made-up 2e\+07 B \(x\)"):
        idealized_cost(model_a, "x", **WORK, samples_per_prompt=1)
    accelerators_file.write_text(yaml.safe_dump({"x": {k: v for k, v in made_up(1e10).items()
                                                       if k != "memory_bandwidth"}}))
    with pytest.raises(UserError, match="accelerator 'x' has no memory_bandwidth"):
        idealized_cost(model_a, "x", **WORK, samples_per_prompt=1)


# A grouped-query variant of MODEL_A: 2 KV heads of 100 for its 10 query heads.
#   per layer: q, o 2 x 1000 x 1000 = 2e6; k, v 2 x 1000 x 200 = 4e5; MLP 9e6; norms 2,000 -> 11,402,000
#   params 10 x 11,402,000 + 1,000 + 2e7 = 134,021,000; read per pass 124,021,000 -> 248,042,000 bytes (bf16)
#   per token: matmul FLOPs 2 x (10 x 11.4e6 + 1e7) = 2.48e8; attention 40,000 per position (query heads)
#   KV per position: grouped 2 x 10 x 2 x 100 x 2 = 8,000 bytes; at query width 40,000 bytes
MODEL_G = {**MODEL_A, "num_key_value_heads": 2}


@pytest.fixture
def model_g(tmp_path):
    path = tmp_path / "model-g.json"
    path.write_text(json.dumps(MODEL_G))
    return path


def test_the_ideal_efficiency_is_the_plain_roofline():
    assert (IDEAL.bandwidth, IDEAL.compute, IDEAL.grouped_kv, IDEAL.max_batch, IDEAL.step_overhead) == (1, 1, 1, None, 0)
    assert IDEAL.usable_memory == 0.9          # the share the plain roofline always left (vLLM's default)


def test_grouped_keys_and_values_are_read_once_per_kv_head_or_at_query_width(model_g, accelerators_file):
    # batch 1, P = 100, N = 101, memory-bound (compute about 2.5e-4 s per step, memory 2.5e-3 s):
    # decode = (100 steps x 248,042,000 + KV read per position x 15,050) / 1e11
    arch, acc = read_architecture(model_g), accelerator_spec("x")
    assert arch.params == 134_021_000 and arch.kv_bytes_per_token(2) == 8_000
    work = Workload.of(100, 101, 1)
    for grouped, kv_read in ((1.0, 8_000), (0.0, 40_000), (0.5, 24_000)):
        _, decode, _, _ = batch_seconds(arch, acc, 1, 1, work, BF16, Efficiency(grouped_kv=grouped))
        assert decode == pytest.approx((100 * 248_042_000 + kv_read * 15_050) / 1e11)


def test_achieved_fractions_of_peak_scale_the_phases_they_bound(model_a, accelerators_file):
    arch, acc = read_architecture(model_a), accelerator_spec("x")
    # memory-bound decode of one sequence (0.286062 s at the ideal) takes twice as long at half the bandwidth
    _, decode, _, _ = batch_seconds(arch, acc, 1, 1, Workload.of(100, 101, 1), BF16, Efficiency(bandwidth=0.5))
    assert decode == pytest.approx(2 * 0.286062)
    # compute-bound prefill (0.026222 s) and decode of 100 sequences (2.8602 s) at half the compute
    prefill, decode, compute_bound, _ = batch_seconds(arch, acc, 1, 100, Workload.of(100, 101, 100), BF16,
                                                      Efficiency(compute=0.5))
    assert (prefill, decode, compute_bound) == (pytest.approx(0.052444), pytest.approx(5.7204), pytest.approx(5.7204))


def test_an_overhead_per_forward_pass_is_added_to_the_prefill_and_every_decode_step(model_a, accelerators_file):
    arch, acc = read_architecture(model_a), accelerator_spec("x")
    prefill, decode, _, overhead = batch_seconds(arch, acc, 1, 1, Workload.of(100, 101, 1), BF16,
                                                 Efficiency(step_overhead=0.001))
    assert prefill == pytest.approx(0.026222 + 0.001)
    assert (decode, overhead) == (pytest.approx(0.286062 + 100 * 0.001), pytest.approx(0.1))
    cost = idealized_cost(model_a, "x", **WORK, samples_per_prompt=1, efficiency=Efficiency(step_overhead=1, max_batch=1))
    assert cost.bound == "overhead"


def test_the_usable_memory_decides_how_many_caches_fit(model_a, accelerators_file):
    # 4e8 B x 0.95 - 300,042,000 B = 79,958,000 B: 9 caches of 8,000,000 B (7 at 0.9, as above)
    cost = idealized_cost(model_a, "x-small", **WORK, samples_per_prompt=1, efficiency=Efficiency(usable_memory=0.95))
    assert cost.batch_size == 9


def test_every_sample_is_charged_its_own_length(model_a, accelerators_file):
    # one sequence at a time: N = 101 costs 0.026222 + 0.286062 = 0.312284 s (as above); N = 51 costs
    # 0.026222 + (50 x 280,042,000 + 40,000 x (50 x 100 + 1,275)) / 1e11 = 0.026222 + 0.142531 = 0.168753 s
    cost = idealized_cost(model_a, "x", prompt_tokens=[100, 100, 100], new_tokens=[101, 51, 51], samples_per_prompt=1,
                          efficiency=Efficiency(max_batch=1))
    assert cost.seconds_per_sample == pytest.approx((0.312284 + 2 * 0.168753) / 3)
    work = Workload.of([100, 100, 100], [101, 51, 51])
    assert list(work.new) == [51, 101] and list(work.weight) == pytest.approx([2 / 3, 1 / 3])


def test_a_static_batch_is_priced_from_prefill_to_its_last_token(model_a, accelerators_file):
    # one sequence, 100 prompt tokens, 101 generated: 0.312284 s (as above) -> 101 / 0.312284 tokens/s
    from budget_realloc.costs.roofline import predict_throughput

    out = predict_throughput(model_a, "x", batch=1, input_tokens=100, output_tokens=101, devices=1)
    assert out["tokens_per_second"] == pytest.approx(101 / 0.312284)
    assert out["seconds"] == pytest.approx(0.312284) and out["bound"] == "memory" and out["fits_memory"]
    two = predict_throughput(model_a, "x", batch=1, input_tokens=100, output_tokens=101, devices=2)
    assert two["tokens_per_second"] == pytest.approx(2 * 101 / 0.312284)       # tensor parallel: rates add up
    assert two["tokens_per_second_per_device"] == pytest.approx(101 / 0.312284)


def test_predict_throughput_works_for_every_accelerator_and_architecture():
    from budget_realloc.costs.roofline import predict_throughput

    readable = []
    for path in sorted((REPO / "resources" / "models").glob("*.json")):
        try:
            read_architecture(path)
        except UserError:
            continue                   # a verifier, or CodeGen (not a family the roofline reads)
        readable.append(path)
    assert len(readable) >= 20
    for name, entry in accelerators().items():
        for path in readable:
            for calibrated in (False, True):
                out = predict_throughput(path, name, batch=8, input_tokens=128, output_tokens=128, devices=8,
                                         dtype="bf16" if name != "cpu" else "fp32", calibrated=calibrated)
                assert out["tokens_per_second"] > 0 and out["bound"] in ("prefill", "memory", "compute", "overhead")
        if entry["peak_fp8_flops"]:
            fp8 = predict_throughput(readable[0], name, batch=1, input_tokens=1, output_tokens=64, devices=1, dtype="fp8")
            bf16 = predict_throughput(readable[0], name, batch=1, input_tokens=1, output_tokens=64, devices=1)
            assert fp8["tokens_per_second"] == pytest.approx(2 * bf16["tokens_per_second"], rel=0.01)  # half the bytes


def test_every_shipped_architecture_has_the_parameters_transformers_builds():
    torch = pytest.importorskip("torch")
    from transformers import AutoConfig, AutoModelForCausalLM

    for path in sorted((REPO / "resources" / "models").glob("*.json")):
        try:
            arch = read_architecture(path)
        except UserError:
            continue
        config = AutoConfig.for_model(**json.loads(path.read_text()))
        with torch.device("meta"):
            model = AutoModelForCausalLM.from_config(config)
        assert arch.params == sum(p.numel() for p in model.parameters()), path.name


def test_starcoder2_is_counted_like_transformers_and_its_published_total(tmp_path):
    # StarCoder2-3B (../shared/data/generations/livecodebench_counts/architectures.csv): biases on every
    # projection, a 2-matrix GELU MLP, LayerNorms with biases, tied embeddings; 3,030,371,328 parameters
    torch = pytest.importorskip("torch")
    from transformers import AutoConfig, AutoModelForCausalLM

    config = {"model_type": "starcoder2", "architectures": ["Starcoder2ForCausalLM"], "hidden_size": 3072,
              "intermediate_size": 12288, "num_hidden_layers": 30, "num_attention_heads": 24,
              "num_key_value_heads": 2, "vocab_size": 49152, "tie_word_embeddings": True, "use_bias": True}
    path = tmp_path / "starcoder2-3b.json"
    path.write_text(json.dumps(config))
    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(AutoConfig.for_model(**config))
    assert read_architecture(path).params == sum(p.numel() for p in model.parameters()) == 3_030_371_328


def test_every_accelerator_states_its_efficiency_range_with_sources():
    for name, entry in accelerators().items():
        spec = accelerator_spec(name, "bf16" if name != "cpu" else "fp32")
        box = spec.efficiency
        for factor in ("bandwidth", "compute", "grouped_kv", "usable_memory"):
            ends = [getattr(e, factor) for e in (box.worst, box.central, box.best)]
            assert ends == sorted(ends), (name, factor)                  # worst <= central <= best
        assert all(source and source != "placeholder" for _, source in box.sources), name
        assert len(box.scenarios()) >= 2 or name == "cpu"
