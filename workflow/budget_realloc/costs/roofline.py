"""Runtime per sample from the architecture, the accelerator and an engine's efficiency (a roofline).

Why: FLOPs (calflops) say nothing of memory traffic, and decoding is bound by it — each step
reads every weight once for the whole batch and every sequence's own KV cache — so the paper's
measured wall-times (Table 1: 1.00 / 1.69 / 7.58 / 14.19 for Code Llama 7B-70B) do not follow
its FLOPs (1.00 / 1.95 / 5.08 / 10.41).  A roofline (Narayanan et al., NeurIPS 2023, "idealized
runtime"; Sadhukhan et al., "Kinetics", NeurIPS 2025) charges each phase the larger of its
compute time and its memory time on a given accelerator (resources/accelerators.yaml), at the
batch size that fits the accelerator's memory best.  An Efficiency (costs.efficiency) scales it
to what an engine achieves; at costs.efficiency.IDEAL it is the plain roofline, a lower bound.

The work is that of our HF backend (generation/hf.py): a batch's distinct prompts are
prefilled together in one forward pass (logits of the last position only) and each prompt's KV
cache is copied to its samples; the prefill's logits give each sample's first token, so a sample
of N new tokens costs N - 1 decode steps of one token each.  Every sample is charged its own
length: the KV term grows with the context, so the cost of the mean length is not the mean cost.
What is left out, on purpose: the elementwise work (norms, activations, softmax, biases: well
under 1% of the FLOPs), activation traffic, and, on several devices, all communication.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import UserError
from . import TIME_UNITS
from .accelerators import Accelerator, Precision, accelerator_spec, precision
from .architecture import Architecture, read_architecture
from .efficiency import IDEAL, Efficiency

# tensor: devices add their FLOP/s and bandwidth (tensor parallelism); sequential: layers split
# over devices that work one at a time (transformers' device_map="auto"): one device's speed,
# all of their memory
SPLITS = ("tensor", "sequential")

# The best batch is the smallest one within this relative distance of the best time per sample
# (the time per sample stops falling once the batch is compute-bound; floats are not exact).
BEST_BATCH_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Workload:
    """Samples to price: each distinct (prompt tokens, new tokens) pair with the share of samples
    that have it, and how many samples each prompt has."""

    prompt: np.ndarray
    new: np.ndarray
    weight: np.ndarray
    samples: int

    @classmethod
    def of(cls, prompt, new, samples: int = 1) -> "Workload":
        """From per-sample lengths (arrays of the same length, or scalars)."""
        prompt, new = np.broadcast_arrays(np.atleast_1d(np.asarray(prompt, dtype=np.float64)),
                                          np.atleast_1d(np.asarray(new, dtype=np.float64)))
        pairs, counts = np.unique(np.stack([prompt, new], axis=1), axis=0, return_counts=True)
        return cls(prompt=pairs[:, 0], new=pairs[:, 1], weight=counts / counts.sum(), samples=samples)

    @property
    def decode_steps(self) -> np.ndarray:
        return np.maximum(self.new - 1, 0.0)

    @property
    def final_context(self) -> np.ndarray:
        """Positions in a sequence's KV cache after its last decode step."""
        return self.prompt + self.decode_steps

    def mean(self, values: np.ndarray) -> float:
        return float(np.dot(self.weight, values))


@dataclass(frozen=True)
class SampleCost:
    """What one sample costs at the best batch on the fewest devices that hold the model."""

    accelerator: str
    accelerator_label: str
    count: str
    devices: int
    batch_size: int
    params: int
    bound: str                         # what bounds the decode time: memory, compute or overhead
    wall_seconds_per_sample: float
    seconds_per_sample: float          # in ``count``: device-seconds or seconds
    prefill_seconds_per_sample: float
    decode_seconds_per_sample: float


@dataclass(frozen=True)
class ForwardCost:
    """What a forward pass of a model costs per token at a precision: numbers, or arrays with one
    value per model (the calibration prices many measured rows at once)."""

    weight_bytes: object        # weights one pass reads (Architecture.streamed_params)
    layer_flops: object         # per token through the layers' projections
    head_flops: object          # per token through the lm_head
    attention_flops: object     # per token and attended position
    kv_grouped: object          # cached bytes per position, read once per KV head
    kv_expanded: object         # the same read at query width

    @classmethod
    def of(cls, arch: Architecture, dtype: Precision) -> "ForwardCost":
        return cls(weight_bytes=arch.streamed_params * dtype.weight_bytes,
                   layer_flops=2 * arch.layers * arch.layer_matmul_params, head_flops=2 * arch.vocab * arch.hidden,
                   attention_flops=arch.attention_flops_per_position,
                   kv_grouped=arch.kv_bytes_per_token(dtype.kv_bytes),
                   kv_expanded=arch.kv_bytes_per_token(dtype.kv_bytes, heads=arch.heads))

    def kv_read(self, grouped_kv: float):
        """Bytes a decode step reads per cached position (costs.efficiency.Efficiency.grouped_kv)."""
        return self.kv_expanded - grouped_kv * (self.kv_expanded - self.kv_grouped)


def phase_seconds(cost: ForwardCost, *, flops, bandwidth, batch, prompts, prompt, new, efficiency: Efficiency):
    """(prefill, decode, decode time spent compute-bound, decode time spent on overhead) in seconds
    of ``batch`` sequences, ``prompts`` distinct prompts of ``prompt`` tokens among them, each
    generating ``new`` tokens, at ``flops`` FLOP/s and ``bandwidth`` bytes/s (after efficiency).
    Every argument may be an array; they broadcast.

    Prefill: one forward pass over the distinct prompts (causal attention: token t attends to t
    positions, summing to P(P+1)/2; the lm_head for the last position only) that reads the
    weights once.  Decode: step j (j = 1 .. N - 1) attends to P + j positions; its FLOPs are
    batch x (token matmuls + attention over P + j positions), its bytes the weights once plus
    each sequence's P + j cached positions.  Both are affine in the context, so the sum over
    steps is an integral over [P + 1/2, P + N - 1/2] of the larger of the two times: exact while
    one of them is the larger throughout; where they cross, above the sum by less than one
    step's time.  Every forward pass adds ``efficiency.step_overhead``.
    """
    prompt_flops = cost.layer_flops * prompt + cost.attention_flops * prompt * (prompt + 1) / 2 + cost.head_flops
    prefill = np.maximum(prompts * prompt_flops / flops, cost.weight_bytes / bandwidth) + efficiency.step_overhead
    steps = np.maximum(new - 1, 0.0)
    compute = (batch * (cost.layer_flops + cost.head_flops) / flops, batch * cost.attention_flops / flops)
    memory = (cost.weight_bytes / bandwidth, batch * cost.kv_read(efficiency.grouped_kv) / bandwidth)
    decode, compute_bound = _integral_of_max(compute, memory, prompt + 0.5, prompt + steps + 0.5)
    overhead = steps * efficiency.step_overhead
    return prefill, decode + overhead, compute_bound, overhead


def rates(acc: Accelerator, devices, split: str, efficiency: Efficiency):
    """(FLOP/s, bytes/s) the devices achieve together."""
    working = devices if split == "tensor" else 1
    return working * acc.peak_flops * efficiency.compute, working * acc.bandwidth * efficiency.bandwidth


def batch_seconds(arch: Architecture, acc: Accelerator, devices: int, batch: int, work: Workload,
                  dtype: Precision, efficiency: Efficiency = IDEAL, split: str = "tensor"):
    """:func:`phase_seconds` of one batch of ``batch`` sequences of each of the workload's lengths
    (arrays, one value per length pair).  The batch holds batch / samples prompts (at least one:
    a prompt whose samples span several batches is prefilled in each)."""
    flops, bandwidth = rates(acc, devices, split, efficiency)
    return phase_seconds(ForwardCost.of(arch, dtype), flops=flops, bandwidth=bandwidth, batch=batch,
                         prompts=max(batch / work.samples, 1.0), prompt=work.prompt, new=work.new,
                         efficiency=efficiency)


def _integral_of_max(first, second, low, high):
    """(integral over [low, high] of max(first, second), the part where first is the larger) for
    affine functions given as (intercept, slope) — numbers or arrays; they cross at most once, so
    split there."""
    slope = np.asarray(first[1] - second[1], dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        crossing = np.where(slope != 0, (second[0] - first[0]) / np.where(slope != 0, slope, 1.0), low)
    crossing = np.clip(crossing, low, high)
    total = first_part = 0.0
    for a, b in ((low, crossing), (crossing, high)):
        middle = (a + b) / 2
        one, two = first[0] + first[1] * middle, second[0] + second[1] * middle
        total = total + (b - a) * np.maximum(one, two)
        first_part = first_part + np.where(one > two, (b - a) * one, 0.0)
    return total, first_part


def max_batch_size(arch: Architecture, acc: Accelerator, devices: int, work: Workload, dtype: Precision,
                   efficiency: Efficiency = IDEAL) -> int:
    """Most sequences whose KV caches at their final length (the workload's mean) fit beside the
    weights in the usable memory of ``devices`` devices, at most ``efficiency.max_batch``
    (0: not even one)."""
    free = devices * acc.memory * efficiency.usable_memory - arch.params * dtype.weight_bytes
    per_sequence = arch.kv_bytes_per_token(dtype.kv_bytes) * work.mean(work.final_context)
    fits = max(math.floor(free / per_sequence), 0)
    return fits if efficiency.max_batch is None else min(fits, efficiency.max_batch)


def fewest_devices(arch: Architecture, acc: Accelerator, work: Workload, dtype: Precision,
                   efficiency: Efficiency = IDEAL) -> int:
    """The fewest devices that hold the weights and one sequence's KV cache.  Tensor parallelism
    splits attention heads, so the count must divide the query and the key/value head counts."""
    split = math.gcd(arch.heads, arch.kv_heads)
    for devices in (d for d in range(1, split + 1) if split % d == 0):
        if max_batch_size(arch, acc, devices, work, dtype, efficiency) >= 1:
            return devices
    raise UserError(f"the architecture does not fit on {split} x {acc.label} ({acc.name}) even one "
                    f"sequence at a time (weights {arch.params * dtype.weight_bytes / 1e9:.1f} GB)")


def sample_cost(arch: Architecture, acc: Accelerator, work: Workload, *, dtype: Precision,
                efficiency: Efficiency = IDEAL, count: str = "device-seconds", devices: int | None = None,
                split: str = "tensor") -> SampleCost:
    """The mean cost of the workload's samples at the best batch size on the fewest devices that
    hold the model (or ``devices``).

    The time per sample falls (or stays) as the batch grows — the weights' read and the step
    overhead are shared by more sequences, nothing per sequence grows — so the best batch is the
    largest that fits; the one reported is the smallest with the same time.  ``count``:
    "device-seconds" charges devices x seconds (what the hardware is occupied for), "seconds"
    the wall time.  The prefill/decode parts are in the charged unit and add up to it.
    """
    if count not in TIME_UNITS:
        raise UserError(f"count '{count}': one of {', '.join(TIME_UNITS)}")
    if split not in SPLITS:
        raise UserError(f"split '{split}': one of {', '.join(SPLITS)}")
    devices = devices or fewest_devices(arch, acc, work, dtype, efficiency)
    largest = max_batch_size(arch, acc, devices, work, dtype, efficiency)
    if largest < 1:
        raise UserError(f"the architecture does not fit on {devices} x {acc.label} ({acc.name}) even one "
                        f"sequence at a time")

    def per_sample(batch: int) -> float:
        prefill, decode, _, _ = batch_seconds(arch, acc, devices, batch, work, dtype, efficiency, split)
        return work.mean(prefill + decode) / batch

    best, low, high = per_sample(largest), 1, largest
    while low < high:                        # smallest batch as fast as the largest
        middle = (low + high) // 2
        if per_sample(middle) <= best * (1 + BEST_BATCH_TOLERANCE):
            high = middle
        else:
            low = middle + 1
    prefill, decode, compute_bound, overhead = (work.mean(part) for part in batch_seconds(
        arch, acc, devices, low, work, dtype, efficiency, split))
    charge = devices if count == "device-seconds" else 1
    bound = "overhead" if overhead > decode / 2 else "compute" if compute_bound > decode / 2 else "memory"
    return SampleCost(accelerator=acc.name, accelerator_label=acc.label, count=count, devices=devices,
                      batch_size=low, params=arch.params, bound=bound,
                      wall_seconds_per_sample=(prefill + decode) / low,
                      seconds_per_sample=charge * (prefill + decode) / low,
                      prefill_seconds_per_sample=charge * prefill / low,
                      decode_seconds_per_sample=charge * decode / low)


def idealized_cost(architecture: str | Path, accelerator: str, *, prompt_tokens, new_tokens,
                   samples_per_prompt: int, dtype: str = "bf16", count: str = "device-seconds",
                   efficiency: Efficiency = IDEAL) -> SampleCost:
    """:func:`sample_cost` of samples of these lengths (scalars, or one value per sample)."""
    if np.any(np.asarray(prompt_tokens) < 1) or np.any(np.asarray(new_tokens) < 1) or samples_per_prompt < 1:
        raise UserError(f"prompt_tokens, new_tokens, samples_per_prompt {samples_per_prompt}: each must be at least 1")
    chosen = precision(dtype)
    return sample_cost(read_architecture(architecture), accelerator_spec(accelerator, dtype),
                       Workload.of(prompt_tokens, new_tokens, samples_per_prompt), dtype=chosen,
                       efficiency=efficiency, count=count)


@dataclass(frozen=True)
class Throughput:
    """A static batch from prefill to its last token, as published throughput tables measure it."""

    tokens_per_second: float           # generated tokens per second of the whole device set
    tokens_per_second_per_device: float
    seconds: float                     # the batch's wall time
    prefill_seconds: float
    bound: str                         # prefill, memory, compute or overhead: the largest part of the time
    fits: bool                         # do the weights and the batch's KV caches fit the devices' memory?


def static_batch(arch: Architecture, acc: Accelerator, *, batch: int, input_tokens: float, output_tokens: float,
                 devices: int, dtype: Precision, efficiency: Efficiency = IDEAL, split: str = "tensor") -> Throughput:
    """``batch`` sequences of ``input_tokens`` prompt tokens (each its own prompt), each generating
    ``output_tokens`` tokens (the first from the prefill's logits), all in one batch throughout."""
    work = Workload.of(input_tokens, output_tokens, 1)
    prefill, decode, compute_bound, overhead = (float(np.asarray(part).flat[0]) for part in batch_seconds(
        arch, acc, devices, batch, work, dtype, efficiency, split))
    seconds = prefill + decode
    parts = {"prefill": prefill, "compute": compute_bound, "overhead": overhead,
             "memory": decode - compute_bound - overhead}
    tokens = batch * output_tokens / seconds
    need = arch.params * dtype.weight_bytes + batch * arch.kv_bytes_per_token(dtype.kv_bytes) * work.final_context[0]
    return Throughput(tokens_per_second=tokens, tokens_per_second_per_device=tokens / devices, seconds=seconds,
                      prefill_seconds=prefill, bound=max(parts, key=parts.get),
                      fits=bool(need <= devices * acc.memory * efficiency.usable_memory))


def predict_throughput(architecture: str | Path, accelerator: str, *, batch: int, input_tokens: float,
                       output_tokens: float, devices: int, dtype: str = "bf16", calibrated: bool = False,
                       engine: dict | None = None) -> dict:
    """What the roofline predicts for a static batch — to hold against a measurement of one's own:
    generated tokens per second of the device set and per device, the batch's seconds, and
    which term bounds it; at the ideal, or (``calibrated``) at the accelerator's central
    efficiency (resources/accelerators.yaml); ``engine`` pins factors (costs.axes.ENGINES)."""
    if min(batch, input_tokens, output_tokens, devices) < 1:
        raise UserError(f"batch {batch}, input tokens {input_tokens}, output tokens {output_tokens}, devices "
                        f"{devices}: each must be at least 1")
    acc, arch = accelerator_spec(accelerator, dtype), read_architecture(architecture)
    efficiency = acc.efficiency.pinned(**(engine or {})).central if calibrated else IDEAL
    result = static_batch(arch, acc, batch=batch, input_tokens=input_tokens, output_tokens=output_tokens,
                          devices=devices, dtype=precision(dtype), efficiency=efficiency)
    return {"architecture": str(architecture), "accelerator": acc.name, "accelerator_label": acc.label,
            "devices": devices, "batch": batch, "input_tokens": input_tokens, "output_tokens": output_tokens,
            "dtype": dtype, "efficiency": "calibrated" if calibrated else "ideal",
            "factors": {f: getattr(efficiency, f) for f in efficiency.__dataclass_fields__},
            "tokens_per_second": result.tokens_per_second,
            "tokens_per_second_per_device": result.tokens_per_second_per_device,
            "seconds": result.seconds, "prefill_seconds": result.prefill_seconds, "bound": result.bound,
            "fits_memory": result.fits}
