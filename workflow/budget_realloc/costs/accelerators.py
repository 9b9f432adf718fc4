"""The accelerators the roofline prices samples on (resources/accelerators.yaml), and the
precisions a model may run in.

Each number lives in the YAML only, with its source; this module reads and checks it: peaks per
precision, bandwidth, memory, and the efficiency range an engine achieves there
(costs.efficiency).  To add an accelerator, add an entry to that file: nothing else changes.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from ..errors import UserError
from .efficiency import FACTORS, Efficiency, EfficiencyRange

ACCELERATORS = resources.files("budget_realloc") / "data" / "accelerators.yaml"   # resources/ links here
ACCELERATOR_FIELDS = ("label", "peak_fp8_flops", "peak_bf16_flops", "peak_fp32_flops", "memory_bandwidth",
                      "memory_bytes", "sources", "notes", "efficiency")
ENDS = ("best", "central", "worst")


@dataclass(frozen=True)
class Precision:
    """How many bytes a weight and a cached key or value take, and which peak computes it."""

    name: str
    weight_bytes: int
    kv_bytes: int
    peak_field: str


# fp8 as TensorRT-LLM runs it: fp8 weights and GEMMs and an fp8 KV cache
PRECISIONS = {p.name: p for p in (Precision("fp8", 1, 1, "peak_fp8_flops"), Precision("fp16", 2, 2, "peak_bf16_flops"),
                                  Precision("bf16", 2, 2, "peak_bf16_flops"), Precision("fp32", 4, 4, "peak_fp32_flops"))}


@dataclass(frozen=True)
class Accelerator:
    name: str
    label: str
    peak_flops: float          # FLOP/s at the model's precision
    bandwidth: float           # bytes/s
    memory: float              # bytes
    efficiency: EfficiencyRange


def precision(name: str) -> Precision:
    if name not in PRECISIONS:
        raise UserError(f"precision '{name}': one of {', '.join(PRECISIONS)}")
    return PRECISIONS[name]


def accelerators() -> dict[str, dict]:
    """resources/accelerators.yaml: name -> its entry, every field present."""
    return _read(str(ACCELERATORS), Path(str(ACCELERATORS)).stat().st_mtime_ns)


@functools.lru_cache(maxsize=4)
def _read(path: str, modified: int) -> dict[str, dict]:
    entries = yaml.safe_load(Path(path).read_text()) or {}
    for name, entry in entries.items():
        missing = [f for f in ACCELERATOR_FIELDS if f not in (entry or {})]
        if missing:
            raise UserError(f"{ACCELERATORS}: accelerator '{name}' has no {', '.join(missing)}")
        factors = entry["efficiency"] or {}
        for factor in FACTORS:
            ends = factors.get(factor)
            if not isinstance(ends, dict) or any(end not in ends for end in (*ENDS, "source")):
                raise UserError(f"{ACCELERATORS}: accelerator '{name}': efficiency.{factor} needs "
                                f"{', '.join(ENDS)} and source")
    return entries


def efficiency_range(entry: dict) -> EfficiencyRange:
    factors = entry["efficiency"]
    ends = {end: Efficiency(**{f: factors[f][end] for f in FACTORS}) for end in ENDS}
    return EfficiencyRange(**ends, sources=tuple((f, factors[f]["source"]) for f in FACTORS))


def accelerator_spec(name: str, precision_name: str = "bf16") -> Accelerator:
    """The named accelerator with the FLOP/s ceiling of ``precision_name``."""
    entries = accelerators()
    if name not in entries:
        raise UserError(f"unknown accelerator '{name}' (resources/accelerators.yaml has {', '.join(entries)})")
    entry, chosen = entries[name], precision(precision_name)
    peak = entry[chosen.peak_field]
    if peak is None:
        raise UserError(f"accelerator '{name}' ({entry['label']}) has no {chosen.name} peak "
                        f"(resources/accelerators.yaml: {chosen.peak_field} is null)")
    return Accelerator(name=name, label=entry["label"], peak_flops=float(peak),
                       bandwidth=float(entry["memory_bandwidth"]), memory=float(entry["memory_bytes"]),
                       efficiency=efficiency_range(entry))
