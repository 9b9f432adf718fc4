"""What a real engine loses against the roofline, and the range of it a cost must survive.

Why: the roofline (costs.roofline) alone is a lower bound — every byte at peak bandwidth, every
FLOP at peak compute, grouped keys/values read once per KV head, all memory for KV caches, any
batch — and measured engines reach a fraction of it that differs by model: TensorRT-LLM's
published A100 rows put multi-head Llama-2 7B near 75% of its roofline and grouped-query 70B far
lower.  Which model size is cheaper per sample depends on those factors, so each is explicit
here, with a central value and a best / worst end per accelerator (resources/accelerators.yaml,
each with its source), and a cost is priced at every corner of that box: a verdict that holds at
all of them is robust, one that flips depends on efficiency.
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass

FACTORS = ("bandwidth", "compute", "grouped_kv", "usable_memory", "max_batch", "step_overhead")
CENTRAL = "central"
# what an engine is known to fix (config costs.engine): calibrated = the accelerator's range as it
# is; efficient = a fused GQA kernel (K/V read once per KV head); as-written = K/V expanded to
# query width, as transformers' repeat_kv does
ENGINES = {"calibrated": {}, "efficient": {"grouped_kv": 1.0}, "as-written": {"grouped_kv": 0.0}}


@dataclass(frozen=True)
class Efficiency:
    """The share of the roofline an engine achieves.

    bandwidth, compute: achieved fractions of peak memory bandwidth and of peak FLOP/s;
    grouped_kv: 1 reads a grouped-query model's keys/values once per KV head (a fused GQA kernel),
      0 reads them at query width (an engine that expands them, as transformers' ``repeat_kv``);
    usable_memory: the share of device memory for weights and KV caches (the rest holds
      activations, workspace, the CUDA context);
    max_batch: the most sequences the engine batches (None: what memory holds);
    step_overhead: seconds per forward pass no roofline term explains (launches, framework).
    The defaults are the ideal, which reproduces the plain roofline.
    """

    bandwidth: float = 1.0
    compute: float = 1.0
    grouped_kv: float = 1.0
    usable_memory: float = 0.9
    max_batch: int | None = None
    step_overhead: float = 0.0


IDEAL = Efficiency()


@dataclass(frozen=True)
class EfficiencyRange:
    """An accelerator's efficiency: central, and the best (cheapest) and worst end of each factor."""

    best: Efficiency
    central: Efficiency
    worst: Efficiency
    sources: tuple[tuple[str, str], ...] = ()      # (factor, where its values come from)

    def pinned(self, **factors) -> "EfficiencyRange":
        """The same range with some factors fixed at one value (an engine's known behaviour)."""
        return EfficiencyRange(*(dataclasses.replace(e, **factors) for e in (self.best, self.central, self.worst)),
                               sources=self.sources)

    def scenarios(self) -> dict[str, Efficiency]:
        """The central efficiency, then every distinct corner of the box: each factor at its best
        or worst end, named ``corner:`` + one letter per factor of FACTORS (b or w)."""
        out = {CENTRAL: self.central}
        seen = set()
        for ends in itertools.product("bw", repeat=len(FACTORS)):
            values = {f: getattr(self.best if end == "b" else self.worst, f) for f, end in zip(FACTORS, ends)}
            corner = Efficiency(**values)
            if corner not in seen:
                seen.add(corner)
                out["corner:" + "".join(ends)] = corner
        return out
