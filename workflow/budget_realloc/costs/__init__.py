"""What one sample costs a model, in every budget type, and where each number came from.

:class:`Costs` is the one form a cost takes between stages (``results/costs/<model>.costs.json``,
``measured_costs.json``): FLOPs (calflops at the configured input length, Table 1), time (a
wall-time profile measured here, a time stated in the config for generations made elsewhere,
or the paper's Table 1), and tokens where they are known.  Time is charged in device-seconds:
a model that occupies d accelerators for s seconds per sample costs d·s, so models spread over
several devices are compared on what they hold.  Budgets compare models in units of the
cheapest one (:func:`normalised`).  A cost modelled for hardware (costs.axes) also carries its
value under every efficiency scenario (costs.efficiency), so a budget can be priced at each.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..paper import paper_costs

from .efficiency import CENTRAL

BUDGET_TYPES = ("flops", "time")      # every model has these axes; Costs.extra adds others
# measured: a profile or a generation run timed here; stated: a measured time the config gives
# for generations made elsewhere; paper: the paper's Table 1 standing in; modelled: the roofline
SECONDS_KINDS = ("measured", "stated", "paper", "modelled")
# what a sample's time charges a model spread over several devices (config costs.time_unit)
TIME_UNITS = ("device-seconds", "seconds")
PAPER_WALLTIME_SAMPLES = 1000     # Table 1 times "a subset of ~1k examples"


@dataclass(frozen=True)
class Costs:
    flops: float | None = None          # FLOPs per sample
    flops_source: str = ""
    seconds: float | None = None        # device-seconds per sample
    seconds_source: str = ""
    seconds_kind: str = ""              # what the seconds are: one of SECONDS_KINDS ("" where there are none)
    tokens: float | None = None         # tokens a sample cost (generated + its share of the prompt)
    # more budget axes: "usd" (dollars at the configured price per device-hour) and
    # "time@<accelerator>" (idealized device-seconds on that accelerator, costs.roofline)
    extra: dict[str, float] = field(default_factory=dict)
    # budget type -> efficiency scenario -> cost of one sample (costs.efficiency.EfficiencyRange.scenarios):
    # modelled hardware costs, priced at the central efficiency and every corner of its range
    scenarios: dict[str, dict[str, float]] = field(default_factory=dict)

    def of(self, budget_type: str, scenario: str = CENTRAL) -> float | None:
        """The cost of one sample in ``budget_type`` (flops, time or an extra axis) under an
        efficiency scenario (the central one unless the axis has others), None where unknown."""
        if scenario != CENTRAL:
            return self.scenarios.get(budget_type, {}).get(scenario)
        if budget_type in BUDGET_TYPES:
            return self.flops if budget_type == "flops" else self.seconds
        return self.extra.get(budget_type)

    def write(self, path: str | Path) -> None:
        from ..io import write_json

        write_json(asdict(self), path)

    @classmethod
    def read(cls, path: str | Path) -> "Costs":
        return cls(**json.loads(Path(path).read_text()))


def budget_types(costs) -> list[str]:
    """The budget axes of some models' costs: FLOPs, time, then every extra axis any of them has
    (an axis that some model lacks is left out of its family's comparisons: :func:`unit`)."""
    return [*BUDGET_TYPES, *sorted({key for c in costs for key in c.extra})]


def shared_scenarios(costs, budget_type: str) -> list[str]:
    """The efficiency scenarios every one of these models is priced under on a budget axis:
    the central one first, then those all of them have (none but the central one on FLOPs or
    on a measured time)."""
    shared = [set(c.scenarios.get(budget_type, {})) for c in costs]
    common = set.intersection(*shared) if shared else set()
    return [CENTRAL, *sorted(common - {CENTRAL})]


def unit(costs: dict[str, Costs], budget_type: str, scenario: str = CENTRAL) -> float | None:
    """The unit of a budget axis: the cheapest model's cost of one sample (the paper's 'norm.'
    columns divide by it), or None where some model's cost of this type is unknown (then no
    budget of that type is drawn for these models)."""
    raw = [c.of(budget_type, scenario) for c in costs.values()]
    if not raw or any(v is None for v in raw):
        return None
    if any(not v > 0 for v in raw):
        raise ValueError(f"costs per sample must be positive: {dict(zip(costs, raw))}")
    return min(raw)


def normalised(costs: dict[str, Costs], budget_type: str, scenario: str = CENTRAL) -> dict[str, float] | None:
    """Each model's cost per sample in :func:`unit`s (of the same scenario), or None where the
    unit is unknown."""
    scale = unit(costs, budget_type, scenario)
    return None if scale is None else {model: c.of(budget_type, scenario) / scale for model, c in costs.items()}


def model_costs(flops: dict, walltime: dict | None = None, paper_name: str | None = None,
                stated: dict | None = None, time_unit: str = "device-seconds") -> Costs:
    """One model's constant per-sample costs (``cost_model: paper``).

    Time, first found: a wall-time profile measured here; a time ``stated`` in the config for
    generations made elsewhere (seconds per sample on ``devices`` accelerators, and its source);
    the paper's Table 1 time of ``paper_name``, marked as such.  A model with none has no time
    cost, and no wall-time budget is drawn for its family.
    """
    seconds, source, kind = None, "not measured", ""
    if walltime and not walltime.get("measured"):
        source = f"not measured here: {walltime.get('reason', 'no profile')}"
    if walltime and walltime.get("measured"):
        seconds, kind = walltime["seconds_per_sample"], "measured"
        source = (f"measured: {walltime['samples']} samples on {walltime['device']}, "
                  f"batch {walltime['batch_size']}")
    elif stated:
        devices = stated.get("devices", 1)
        seconds, kind = stated["seconds_per_sample"] * (devices if time_unit == "device-seconds" else 1), "stated"
        source = (f"stated: {stated['seconds_per_sample']:g} s on {devices} device(s), charged in {time_unit} "
                  f"({stated.get('source', 'config')})")
    elif paper_name and (row := paper_costs(paper_name)):
        seconds, kind = float(row["walltime_s"]) / PAPER_WALLTIME_SAMPLES, "paper"
        source = f"paper: Table 1, {paper_name} ({source})"
    return Costs(flops=float(flops["flops"]), flops_source=f"calflops: {flops['input_length']} input tokens",
                 seconds=seconds, seconds_source=source, seconds_kind=kind)


def measured_costs(generations_path: str, flops: dict, stated: dict | None = None,
                   time_unit: str = "device-seconds") -> Costs:
    """Per-sample costs as a generation run actually spent them (``cost_model: measured``).

    FLOPs: the profiled forward pass's FLOPs per token times the tokens a sample really cost —
    its new tokens plus its share of the prompt, computed once for the problem's n samples (a
    file made elsewhere may not give prompt lengths: then new tokens only, and the source says
    so).  Time: the run's generation time over its samples, from the shards' provenance, or for
    generations made elsewhere the time ``stated`` in the config.
    """
    from ..errors import InputError
    from ..io import parquet_metadata, read_parquet

    meta = parquet_metadata(generations_path)
    frame = read_parquet(generations_path)
    if frame["n_new_tokens"].isna().any():
        raise InputError(f"{generations_path}: some samples have no token count, so what they cost cannot be "
                         "measured (use cost_model: paper)")
    samples_per_task = frame.groupby("task_id").size()
    prompts_known = bool(frame["n_prompt_tokens"].notna().all())
    prompt_share = (frame["n_prompt_tokens"] / frame["task_id"].map(samples_per_task)).mean() if prompts_known else 0.0
    counted = "new and prompt tokens" if prompts_known else "new tokens (prompt lengths unknown)"
    tokens = float(frame["n_new_tokens"].mean() + prompt_share)
    flops_per_sample = flops["flops"] / flops["input_length"] * tokens
    if "wall_seconds" in meta:
        seconds, source = meta["wall_seconds"] / len(frame), f"measured: this run's generation of {len(frame)} samples"
        kind = "measured"
    elif stated:
        costs = model_costs(flops, stated=stated, time_unit=time_unit)
        seconds, source, kind = costs.seconds, costs.seconds_source, costs.seconds_kind
    else:
        raise InputError(f"{generations_path}: no timing in its provenance and no time stated in the config "
                         "(models.<name>.costs)")
    return Costs(flops=flops_per_sample, flops_source=f"measured: calflops per token x {tokens:.1f} {counted}",
                 seconds=seconds, seconds_source=source, seconds_kind=kind, tokens=tokens)


__all__ = ["BUDGET_TYPES", "Costs", "budget_types", "measured_costs", "model_costs", "normalised", "shared_scenarios", "unit"]
