"""Idealized runtime per sample from the architecture and the accelerator alone (a roofline).

Why: FLOPs (calflops) say nothing of memory traffic, and decoding is bound by it — each step
reads every weight once for the whole batch and every sequence's own KV cache — so the paper's
measured wall-times (Table 1: 1.00 / 1.69 / 7.58 / 14.19 for Code Llama 7B-70B) do not follow
its FLOPs (1.00 / 1.95 / 5.08 / 10.41).  A roofline (Narayanan et al., NeurIPS 2023, "idealized
runtime"; Sadhukhan et al., "Kinetics", NeurIPS 2025) charges each phase the larger of its
compute time and its memory time on a given accelerator (resources/accelerators.yaml), at the
batch size that fits the accelerator's memory best.

The work is that of our HF backend (generation/hf.py): a batch's distinct prompts are
prefilled together in one forward pass (logits of the last position only) and each prompt's KV
cache is copied to its samples; the prefill's logits give each sample's first token, so a sample
of N new tokens costs N - 1 decode steps of one token each.  What is left out, on purpose: the
elementwise work (norms, activations, softmax, biases: well under 1% of the FLOPs), activation
traffic, kernel launch and framework overhead, and, on several devices, all communication —
so the result is a lower bound, and the gap to a measurement is the system's inefficiency.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from ..errors import UserError

ACCELERATORS = resources.files("budget_realloc") / "data" / "accelerators.yaml"   # resources/ links here
ACCELERATOR_FIELDS = ("label", "peak_bf16_flops", "peak_fp32_flops", "memory_bandwidth", "memory_bytes",
                      "sources", "notes")
PEAK_FIELD = {2: "peak_bf16_flops", 4: "peak_fp32_flops"}   # bytes per weight -> its FLOP/s ceiling
COUNTS = ("device-seconds", "seconds")

# Share of a device's memory left for weights and KV caches: the rest holds activations, the
# CUDA context and allocator fragmentation.  vLLM's default ``gpu_memory_utilization`` is 0.9.
USABLE_MEMORY = 0.9

# The best batch is the smallest one within this relative distance of the best time per sample
# (the time per sample stops falling once the batch is compute-bound; floats are not exact).
BEST_BATCH_TOLERANCE = 1e-9

# The Llama-family model types whose parameters read_architecture counts.  They differ only in
# biases: llama's ``attention_bias`` (q, k, v, o) and ``mlp_bias`` are config flags; Qwen2
# always has q, k, v biases and nothing else.
MODEL_TYPES = ("llama", "qwen2")


@dataclass(frozen=True)
class Architecture:
    """A Llama-family decoder: only what its parameters, FLOPs and KV cache depend on."""

    hidden: int
    intermediate: int
    layers: int
    heads: int
    kv_heads: int
    head_dim: int
    vocab: int
    tied: bool
    layer_biases: int          # bias parameters per layer (q/k/v/o and MLP projections)

    @property
    def layer_matmul_params(self) -> int:
        """Weights of one layer's projections: q, k, v, o and gate, up, down."""
        q_width, kv_width = self.heads * self.head_dim, self.kv_heads * self.head_dim
        return self.hidden * (2 * q_width + 2 * kv_width) + 3 * self.hidden * self.intermediate

    @property
    def params(self) -> int:
        """Every parameter: embeddings, layers (projections, biases, 2 RMSNorms), final norm, lm_head."""
        layer = self.layer_matmul_params + self.layer_biases + 2 * self.hidden
        embeddings = self.vocab * self.hidden * (1 if self.tied else 2)
        return self.layers * layer + self.hidden + embeddings

    @property
    def streamed_params(self) -> int:
        """Parameters a forward pass reads in full: all but an untied input embedding, of which
        it gathers only the batch's rows (a tied one is read whole as the lm_head)."""
        return self.params - (0 if self.tied else self.vocab * self.hidden)

    @property
    def token_matmul_flops(self) -> int:
        """FLOPs of one token through every projection and the lm_head: 2 per multiply-add."""
        return 2 * (self.layers * self.layer_matmul_params + self.vocab * self.hidden)

    @property
    def attention_flops_per_position(self) -> int:
        """FLOPs of one token's attention per position it attends to: QK^T and AV, each
        2 x heads x head_dim per layer (query heads: grouped-query attention saves bytes, not FLOPs)."""
        return 4 * self.layers * self.heads * self.head_dim

    def prompt_flops(self, tokens: float) -> float:
        """FLOPs of prefilling one prompt: causal attention (token t attends to t positions,
        summing to P(P+1)/2) and the lm_head for the last position only (``logits_to_keep=1``)."""
        layers = 2 * self.layers * self.layer_matmul_params * tokens
        attention = self.attention_flops_per_position * tokens * (tokens + 1) / 2
        return layers + attention + 2 * self.vocab * self.hidden

    def kv_bytes_per_token(self, dtype_bytes: int) -> int:
        """One position's keys and values in every layer: grouped-query attention shrinks it."""
        return 2 * self.layers * self.kv_heads * self.head_dim * dtype_bytes


@dataclass(frozen=True)
class Accelerator:
    name: str
    label: str
    peak_flops: float          # FLOP/s at the weights' precision
    bandwidth: float           # bytes/s
    memory: float              # bytes


def read_architecture(architecture: str | Path) -> Architecture:
    """An Architecture from a config.json (or a model directory holding one)."""
    path = Path(architecture)
    if path.is_dir():
        path = path / "config.json"
    try:
        config = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise UserError(f"architecture {path}: cannot read it as a config.json ({error})") from None
    if not isinstance(config, dict):
        raise UserError(f"architecture {path}: not a config.json (a JSON object)")

    def field(name: str, default: int | None = None) -> int:
        value = config.get(name)
        if value is None:
            value = default
        if value is None:
            raise UserError(f"architecture {path}: no '{name}' (the roofline needs it)")
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise UserError(f"architecture {path}: '{name}' is {value!r}, not a positive integer")
        return value

    model_type = config.get("model_type")
    if model_type not in MODEL_TYPES:
        raise UserError(f"architecture {path}: model_type {model_type!r} is not one the roofline "
                        f"counts ({', '.join(MODEL_TYPES)})")
    for name in config.get("architectures") or []:
        if not name.endswith("ForCausalLM"):
            raise UserError(f"architecture {path}: {name} does not generate (the roofline costs a causal LM)")
    hidden, heads, intermediate = field("hidden_size"), field("num_attention_heads"), field("intermediate_size")
    kv_heads = field("num_key_value_heads", heads)                       # absent: multi-head attention
    head_dim = field("head_dim", hidden // heads)
    q_width, kv_width = heads * head_dim, kv_heads * head_dim
    if model_type == "qwen2":
        biases = q_width + 2 * kv_width
    else:
        biases = ((q_width + 2 * kv_width + hidden) * bool(config.get("attention_bias"))
                  + (2 * intermediate + hidden) * bool(config.get("mlp_bias")))
    return Architecture(hidden=hidden, intermediate=intermediate, layers=field("num_hidden_layers"),
                        heads=heads, kv_heads=kv_heads, head_dim=head_dim, vocab=field("vocab_size"),
                        tied=bool(config.get("tie_word_embeddings", False)), layer_biases=biases)


def accelerators() -> dict[str, dict]:
    """resources/accelerators.yaml: name -> its entry (label, peaks, bandwidth, memory, sources)."""
    entries = yaml.safe_load(ACCELERATORS.read_text()) or {}
    for name, entry in entries.items():
        missing = [f for f in ACCELERATOR_FIELDS if f not in (entry or {})]
        if missing:
            raise UserError(f"{ACCELERATORS}: accelerator '{name}' has no {', '.join(missing)}")
    return entries


def accelerator_spec(name: str, dtype_bytes: int = 2) -> Accelerator:
    """The named accelerator with the FLOP/s ceiling of ``dtype_bytes``-byte weights."""
    entries = accelerators()
    if name not in entries:
        raise UserError(f"unknown accelerator '{name}' (resources/accelerators.yaml has "
                        f"{', '.join(entries)})")
    if dtype_bytes not in PEAK_FIELD:
        raise UserError(f"dtype_bytes {dtype_bytes}: the accelerators list peaks for 2 (bf16/fp16) "
                        f"and 4 (fp32) bytes per weight")
    entry = entries[name]
    return Accelerator(name=name, label=entry["label"], peak_flops=float(entry[PEAK_FIELD[dtype_bytes]]),
                       bandwidth=float(entry["memory_bandwidth"]), memory=float(entry["memory_bytes"]))


@dataclass(frozen=True)
class Workload:
    """One sample set: prompts of ``prompt`` tokens, ``samples`` samples of ``new`` tokens each."""

    prompt: float
    new: float
    samples: int

    @property
    def decode_steps(self) -> float:
        return max(self.new - 1, 0.0)

    @property
    def final_context(self) -> float:
        """Positions in a sequence's KV cache after its last decode step."""
        return self.prompt + self.decode_steps


def batch_seconds(arch: Architecture, acc: Accelerator, devices: int, batch: int, work: Workload,
                  dtype_bytes: int) -> tuple[float, float, float]:
    """(prefill, decode, decode time spent compute-bound) in seconds for one batch of ``batch``
    sequences on ``devices`` tensor-parallel devices (FLOP/s and bandwidth add up; communication
    is ignored).

    Prefill: the batch holds batch / samples prompts (at least one: a prompt whose samples span
    several batches is prefilled in each), one forward pass that reads the weights once.
    Decode: step j (j = 1 .. N - 1) attends to P + j positions; its FLOPs are batch x (token
    matmuls + attention over P + j positions), its bytes the weights once plus each sequence's
    P + j cached positions.  Both are affine in the context, so the sum over steps is an
    integral over [P + 1/2, P + N - 1/2] of the larger of the two times: exact while one of
    them is the larger throughout; where they cross, above the sum by less than one step's time.
    """
    flops, bandwidth = devices * acc.peak_flops, devices * acc.bandwidth
    weight_bytes = arch.streamed_params * dtype_bytes
    prompts = max(batch / work.samples, 1.0)
    prefill = max(prompts * arch.prompt_flops(work.prompt) / flops, weight_bytes / bandwidth)

    kv = arch.kv_bytes_per_token(dtype_bytes)
    compute = (batch * arch.token_matmul_flops / flops, batch * arch.attention_flops_per_position / flops)
    memory = (weight_bytes / bandwidth, batch * kv / bandwidth)
    decode, compute_bound = _integral_of_max(compute, memory, work.prompt + 0.5,
                                             work.prompt + work.decode_steps + 0.5)
    return prefill, decode, compute_bound


def _integral_of_max(first: tuple[float, float], second: tuple[float, float], low: float,
                     high: float) -> tuple[float, float]:
    """(integral over [low, high] of max(first, second), the part where first is the larger) for
    affine functions given as (intercept, slope); they cross at most once, so split there."""
    points = [low, high]
    if first[1] != second[1]:
        crossing = (second[0] - first[0]) / (first[1] - second[1])
        if low < crossing < high:
            points.insert(1, crossing)
    total = first_part = 0.0
    for a, b in zip(points, points[1:]):
        middle = (a + b) / 2
        one, two = first[0] + first[1] * middle, second[0] + second[1] * middle
        total += (b - a) * max(one, two)
        first_part += (b - a) * one if one > two else 0.0
    return total, first_part


def max_batch_size(arch: Architecture, acc: Accelerator, devices: int, work: Workload,
                   dtype_bytes: int) -> int:
    """Most sequences whose KV caches at their final length fit beside the weights in the usable
    memory of ``devices`` devices (0: not even one)."""
    free = devices * acc.memory * USABLE_MEMORY - arch.params * dtype_bytes
    per_sequence = arch.kv_bytes_per_token(dtype_bytes) * work.final_context
    return max(math.floor(free / per_sequence), 0)


def fewest_devices(arch: Architecture, acc: Accelerator, work: Workload, dtype_bytes: int) -> int:
    """The fewest devices that hold the weights and one sequence's KV cache.  Tensor parallelism
    splits attention heads, so the count must divide the query and the key/value head counts."""
    split = math.gcd(arch.heads, arch.kv_heads)
    for devices in (d for d in range(1, split + 1) if split % d == 0):
        if max_batch_size(arch, acc, devices, work, dtype_bytes) >= 1:
            return devices
    raise UserError(f"the architecture does not fit on {split} x {acc.label} ({acc.name}) even one "
                    f"sequence at a time (weights {arch.params * dtype_bytes / 1e9:.1f} GB)")


def idealized_cost(architecture: str | Path, accelerator: str, *, prompt_tokens: float, new_tokens: float,
                   samples_per_prompt: int, dtype_bytes: int = 2, count: str = "device-seconds",
                   max_batch: int | None = None) -> dict:
    """Idealized cost of one sample at the best batch size on the fewest devices that hold the model.

    The time per sample falls (or stays) as the batch grows — the weights' read is shared by
    more sequences, nothing per sequence grows — so the best batch is the largest that fits
    (capped by ``max_batch``); the one reported is the smallest with the same time.  ``count``:
    "device-seconds" charges devices x seconds (what the hardware is occupied for), "seconds"
    the wall time.  The prefill/decode parts are in the charged unit and add up to it.
    """
    if count not in COUNTS:
        raise UserError(f"count '{count}': one of {', '.join(COUNTS)}")
    if prompt_tokens < 1 or new_tokens < 1 or samples_per_prompt < 1 or (max_batch is not None and max_batch < 1):
        raise UserError(f"prompt_tokens {prompt_tokens}, new_tokens {new_tokens}, samples_per_prompt "
                        f"{samples_per_prompt}, max_batch {max_batch}: each must be at least 1")
    acc = accelerator_spec(accelerator, dtype_bytes)
    arch = read_architecture(architecture)
    work = Workload(prompt=prompt_tokens, new=new_tokens, samples=samples_per_prompt)
    devices = fewest_devices(arch, acc, work, dtype_bytes)
    largest = max_batch_size(arch, acc, devices, work, dtype_bytes)
    if max_batch is not None:
        largest = min(largest, max_batch)

    def per_sample(batch: int) -> float:
        prefill, decode, _ = batch_seconds(arch, acc, devices, batch, work, dtype_bytes)
        return (prefill + decode) / batch

    best, low, high = per_sample(largest), 1, largest
    while low < high:                        # smallest batch as fast as the largest
        middle = (low + high) // 2
        if per_sample(middle) <= best * (1 + BEST_BATCH_TOLERANCE):
            high = middle
        else:
            low = middle + 1
    prefill, decode, compute_bound = batch_seconds(arch, acc, devices, low, work, dtype_bytes)
    charge = devices if count == "device-seconds" else 1
    return {"accelerator": acc.name, "accelerator_label": acc.label, "count": count,
            "devices": devices, "batch_size": low, "params": arch.params,
            "bound": "compute" if compute_bound > decode / 2 else "memory",
            "wall_seconds_per_sample": (prefill + decode) / low,
            "seconds_per_sample": charge * (prefill + decode) / low,
            "prefill_seconds_per_sample": charge * prefill / low,
            "decode_seconds_per_sample": charge * decode / low}
