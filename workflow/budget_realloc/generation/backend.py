"""What every generation backend takes and gives back, and how one is chosen."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sampling:
    """How to pick tokens: temperature 0 means greedy (argmax)."""

    temperature: float
    top_p: float
    max_new_tokens: int
    ignore_eos: bool = False      # wall-time profiles generate a fixed number of tokens

    @property
    def greedy(self) -> bool:
        return self.temperature == 0


@dataclass(frozen=True)
class Request:
    task_id: str
    sample_id: int
    prompt: str
    seed: int
    stop: tuple[str, ...]


@dataclass
class Result:
    completion: str
    n_prompt_tokens: int
    n_new_tokens: int
    finished: bool         # EOS or a stop sequence, not the token limit
    stop_reason: str       # "eos", "stop" or "length"
    seconds: float         # this row's share of its batch's wall time


BACKENDS = ("hf", "vllm")          # config generation.backend


def make_backend(backend: str, source: str, dtype: str, device: str, batch_size: int):
    if backend == "hf":
        from .hf import HFBackend

        return HFBackend(source, dtype=dtype, device=device, batch_size=batch_size)
    if backend == "vllm":
        from .vllm import VLLMBackend

        return VLLMBackend(source, dtype=dtype)
    raise ValueError(f"unknown generation backend {backend!r} (hf or vllm)")
