"""Generation: reproducible per-sample sampling, stop sequences, finished vs truncated."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from budget_realloc.benchmarks import Problem
from budget_realloc.generation.backend import Request, Sampling
from budget_realloc.generation.generate import generate_shard
from budget_realloc.generation.hf import HFBackend
from budget_realloc.generation.sampling import next_tokens, row_uniforms
from budget_realloc.io import write_parquet


@pytest.fixture(scope="module")
def problems_file(tmp_path_factory):
    problems = [Problem(task_id=f"T/{i}", prompt=f"def f{i}(x):\n    \"\"\"Return x + {i}.\"\"\"\n",
                        mode="assert", head="", stop=("\ndef",)) for i in range(3)]
    path = tmp_path_factory.mktemp("gen") / "problems.parquet"
    write_parquet(pd.DataFrame([p.to_row() for p in problems]), path)
    return path


def run(problems_file, tiny_model, out, **overrides):
    kwargs = dict(problems_path=str(problems_file), shard=0, shard_size=3, out=str(out), model="tiny-s",
                  source=str(tiny_model), benchmark="unit", n=5, sampling=Sampling(0.8, 0.95, 24), seed=0,
                  device="cpu", batch_size=8)
    kwargs.update(overrides)
    return generate_shard(**kwargs)


def test_a_shard_is_reproduced_exactly(problems_file, tiny_model, tmp_path):
    a = run(problems_file, tiny_model, tmp_path / "a.parquet")
    b = run(problems_file, tiny_model, tmp_path / "b.parquet")
    assert len(a) == 15 and sorted(a["sample_id"].unique()) == list(range(5))
    pd.testing.assert_frame_equal(a.drop(columns="seconds"), b.drop(columns="seconds"))
    assert a["completion"].nunique() > 1                  # samples of one problem differ
    other = run(problems_file, tiny_model, tmp_path / "c.parquet", seed=1)
    assert not other["completion"].equals(a["completion"])


def test_random_model_hits_the_token_limit(problems_file, tiny_model, tmp_path):
    frame = run(problems_file, tiny_model, tmp_path / "a.parquet", n=2, sampling=Sampling(0.8, 0.95, 12))
    truncated = frame[frame["stop_reason"] == "length"]
    assert len(truncated) > 0
    assert (~truncated["finished"]).all() and (truncated["n_new_tokens"] == 12).all()


def test_greedy_is_argmax_and_independent_of_seed(problems_file, tiny_model, tmp_path):
    greedy = Sampling(0.0, 1.0, 12)
    a = run(problems_file, tiny_model, tmp_path / "a.parquet", n=1, sampling=greedy)
    b = run(problems_file, tiny_model, tmp_path / "b.parquet", n=1, sampling=greedy, seed=7)
    assert a["completion"].tolist() == b["completion"].tolist()


class Scripted(torch.nn.Module):
    """The tiny model with its next-token choice forced to a script: a model that writes ``text``."""

    def __init__(self, model, script: list[int], filler: int):
        super().__init__()
        self.model, self.script, self.filler = model, script, filler
        self.generation_config = model.generation_config

    def forward(self, input_ids, attention_mask, position_ids, past_key_values=None, **kwargs):
        out = self.model(input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids,
                         past_key_values=past_key_values, **kwargs)
        self.step = 0 if past_key_values is None else self.step + 1       # the prefill picks token 0
        token = self.script[self.step] if self.step < len(self.script) else self.filler
        logits = torch.full_like(out.logits, -1e9)
        logits[..., token] = 0.0
        out.logits = logits
        return out


def scripted_backend(tiny_model, text: str, eos: bool = False):
    backend = HFBackend(str(tiny_model), device="cpu", batch_size=4)
    script = backend.tokenizer(text, add_special_tokens=False)["input_ids"]
    if eos:
        script.append(backend.tokenizer.eos_token_id)
    filler = backend.tokenizer(" x", add_special_tokens=False)["input_ids"][0]
    backend.model = Scripted(backend.model, script, filler)
    return backend, script


@pytest.mark.parametrize("text,stop,expected,reason", [
    ("    return x + 1\n\ndef other():\n    pass\n", ("\nclass", "\ndef", "\n#", "\nif", "\nprint"),
     "    return x + 1\n", "stop"),
    ("def f(x):\n    return x\n[DONE]\n\nYou are", ("[DONE]",), "def f(x):\n    return x\n", "stop"),
])
def test_completion_is_cut_at_the_benchmark_stop_sequence(tiny_model, text, stop, expected, reason):
    backend, script = scripted_backend(tiny_model, text)
    [result] = backend.generate([Request("T/0", 0, "def f(x):\n", 1, stop)], Sampling(0.8, 0.95, 64))
    assert result.completion == expected
    assert result.finished and result.stop_reason == reason
    assert result.n_new_tokens < len(script)              # decoding stopped when the stop appeared


def test_eos_finishes_and_the_limit_truncates(tiny_model):
    backend, script = scripted_backend(tiny_model, "    return x", eos=True)
    [done] = backend.generate([Request("T/0", 0, "def f(x):\n", 1, ("\ndef",))], Sampling(0.8, 0.95, 64))
    assert done.completion == "    return x" and done.finished and done.stop_reason == "eos"
    [cut] = backend.generate([Request("T/0", 0, "def f(x):\n", 1, ("\ndef",))], Sampling(0.8, 0.95, 2))
    assert not cut.finished and cut.stop_reason == "length" and cut.n_new_tokens == 2


def test_nucleus_sampling_draws_from_the_top_p_set():
    logits = torch.log(torch.tensor([[0.5, 0.3, 0.15, 0.05]]).repeat(4000, 1))
    seeds = np.arange(4000, dtype=np.uint64)
    tokens = next_tokens(logits, Sampling(1.0, 0.8, 1), row_uniforms(seeds, 0)).numpy()
    counts = np.bincount(tokens, minlength=4) / len(tokens)
    assert counts[2] == counts[3] == 0                   # outside the 0.8 nucleus
    assert counts[0] == pytest.approx(0.5 / 0.8, abs=0.03) and counts[1] == pytest.approx(0.3 / 0.8, abs=0.03)
    u = row_uniforms(seeds, 3)
    assert 0 <= u.min() and u.max() < 1 and abs(u.mean() - 0.5) < 0.02


def test_vllm_backend_says_how_to_get_it(tiny_model):
    try:
        import vllm  # noqa: F401
    except ImportError:
        from budget_realloc.errors import UserError
        from budget_realloc.generation.backend import make_backend

        with pytest.raises(UserError, match=r"pip install 'budget-realloc\[vllm\]'"):
            make_backend("vllm", str(tiny_model), "auto", "cpu", 8)
    else:
        pytest.skip("vllm is installed here; this test is about machines without it")


@pytest.fixture(scope="module")
def tiny_gqa_model(tmp_path_factory, tokenizer_dir):
    from budget_realloc.tiny_models import build_model
    from conftest import REPO

    out = tmp_path_factory.mktemp("models") / "tiny-gqa-s"
    build_model(REPO / "resources" / "models" / "tiny-gqa-s.json", tokenizer_dir, out, seed=0, name="tiny-gqa-s")
    return out


def test_decoding_reads_grouped_keys_and_values_and_the_mask_changes_no_token(tiny_gqa_model, monkeypatch):
    """Every decode step hands SDPA the cache's KV heads, not copies expanded to every query head
    (repeat_kv): with no mask (a batch of one prompt's samples has no padding to hide), with the
    mask passed anyway, and with padding — and the mask changes no token."""
    kv_heads_seen = []
    sdpa = torch.nn.functional.scaled_dot_product_attention

    def recording(query, key, value, *args, **kwargs):
        if query.shape[-2] == 1 or kwargs.get("enable_gqa"):        # a decode step (pack_gqa folds heads)
            kv_heads_seen.append(key.shape[1])
        return sdpa(query, key, value, *args, **kwargs)

    monkeypatch.setattr(torch.nn.functional, "scaled_dot_product_attention", recording)
    requests = [Request("T/0", i, "def add(a, b):\n    \"\"\"Add.\"\"\"\n", 100 + i, ()) for i in range(6)]
    padded = [Request("T/1", 0, "x = 1\n", 1, ()), Request("T/2", 0, "def longer_prompt(a):\n", 2, ())]
    outputs = {}
    for masked in (False, True):
        backend = HFBackend(str(tiny_gqa_model), dtype="float32", device="cpu", batch_size=6, mask_unpadded=masked)
        config = backend.model.config
        assert config.num_key_value_heads < config.num_attention_heads
        kv_heads_seen.clear()
        outputs[masked] = [r.completion for r in backend.generate(requests, Sampling(0.8, 0.95, 24, ignore_eos=True))]
        backend.generate(padded, Sampling(0.8, 0.95, 4, ignore_eos=True))
        assert kv_heads_seen and set(kv_heads_seen) == {config.num_key_value_heads}
    assert outputs[False] == outputs[True]
