"""Models and tokenizers loaded with ``from_pretrained`` (hub ids and built directories alike):
what every generation, ranking and wall-time job starts from."""

from __future__ import annotations

import torch

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


def resolve_device(device: str = "auto") -> str:
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("device 'cuda' was asked for but no CUDA device is visible")
    return device


def cpu_has_bf16() -> bool:
    """Does this CPU multiply bf16 natively (AVX512-BF16 or AMX)?  There bf16 matmuls run about
    3x faster than float32 (measured on this project's machines); elsewhere they are emulated."""
    try:
        with open("/proc/cpuinfo") as handle:
            flags = next((line for line in handle if line.startswith("flags")), "").split()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def resolve_dtype(dtype: str, device: str) -> torch.dtype:
    """``auto``: bf16 where the hardware computes in it (a recent GPU, or a CPU with bf16
    instructions), float32 elsewhere."""
    if dtype != "auto":
        return DTYPES[dtype]
    native = torch.cuda.is_bf16_supported() if device == "cuda" else cpu_has_bf16()
    return torch.bfloat16 if native else torch.float32


def load_tokenizer(source: str):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(source)
    tokenizer.padding_side = "left"
    if tokenizer.pad_token_id is None:  # Llama tokenizers ship none; padded slots are masked anyway
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def _load(auto_class, source: str, dtype: str, device: str):
    device = resolve_device(device)
    kwargs = {"dtype": resolve_dtype(dtype, device)}
    if device == "cuda" and torch.cuda.device_count() > 1:
        kwargs["device_map"] = "auto"          # a 70B model spans the node's GPUs
    model = auto_class.from_pretrained(source, **kwargs)
    if "device_map" not in kwargs:
        model.to(device)
    model.eval()
    return model, next(model.parameters()).device


def load_causal_lm(source: str, dtype: str = "auto", device: str = "auto"):
    """(model in eval mode, the device its inputs go to)."""
    from transformers import AutoModelForCausalLM

    return _load(AutoModelForCausalLM, source, dtype, device)


def load_classifier(source: str, dtype: str = "auto", device: str = "auto"):
    from transformers import AutoModelForSequenceClassification

    return _load(AutoModelForSequenceClassification, source, dtype, device)
