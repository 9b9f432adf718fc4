"""Nucleus sampling where each sample owns its randomness.

A batch normally shares one random stream, so a sample's tokens depend on which other samples
shared its batch.  Here the uniform that picks a sample's t-th token is a hash of (the
sample's seed, t) — splitmix64, a counter-based generator — so re-running any shard, in any
batch layout, draws the same tokens on the same backend and hardware.  The token is then
chosen by inverting the cumulative distribution of the top-p nucleus at that uniform.
"""

from __future__ import annotations

import numpy as np
import torch

from .backend import Sampling

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


def row_uniforms(seeds: np.ndarray, step: int) -> np.ndarray:
    """One uniform in [0, 1) per row for token ``step``: splitmix64 of (seed, step)."""
    with np.errstate(over="ignore"):
        z = seeds.astype(np.uint64) + np.uint64(step + 1) * _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * _MIX1
        z = (z ^ (z >> np.uint64(27))) * _MIX2
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))


def next_tokens(logits: torch.Tensor, sampling: Sampling, uniforms: np.ndarray | None) -> torch.Tensor:
    """Pick one token per row from ``logits`` [rows, vocab]."""
    if sampling.greedy:
        return logits.argmax(dim=-1)
    probs = torch.softmax(logits.float() / sampling.temperature, dim=-1)
    sorted_probs, order = _sort_descending(probs)
    cumulative = sorted_probs.cumsum(dim=-1)
    # the nucleus: the most likely tokens until their mass reaches top_p (at least one token)
    outside = (cumulative - sorted_probs) >= sampling.top_p
    outside[:, 0] = False
    kept = sorted_probs.masked_fill(outside, 0.0).cumsum(dim=-1)
    u = torch.as_tensor(uniforms, dtype=kept.dtype, device=kept.device)
    target = u * kept[:, -1]
    index = torch.searchsorted(kept, target[:, None], right=True)
    index = torch.minimum(index, (~outside).sum(dim=-1, keepdim=True) - 1)
    return order.gather(-1, index).squeeze(-1)


def _sort_descending(probs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(sorted probs, order) per row.  On the CPU numpy's quicksort is about 5x faster than
    torch's sort at vocabulary width (the largest cost of a sampling step on small models);
    on a GPU torch's sort is the fast one.  Both are deterministic, so shards still reproduce."""
    if probs.device.type != "cpu":
        return probs.sort(dim=-1, descending=True)
    order = torch.from_numpy(np.argsort(-probs.numpy(), axis=-1, kind="quicksort"))
    return probs.gather(-1, order), order
