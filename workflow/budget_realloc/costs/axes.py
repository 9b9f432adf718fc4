"""The budget axes of one run: the model's costs per sample, plus what the hardware would charge.

A model's constant costs (``results/costs/<model>.costs.json``) or measured ones are the start.
Three things depend on the run's benchmark and on hardware the run need not have touched:

- ``cost_model: idealized``: the time axis is the roofline's idealized device-seconds of a sample
  on ``costs.accelerator`` (costs.roofline), for the benchmark's prompt and generation lengths;
- ``costs.idealized_accelerators``: the same on other accelerators, as extra axes
  ``time@<accelerator>`` (a crossover per accelerator, to see whether the answer changes);
- ``costs.usd_per_device_hour``: dollars, an axis ``usd`` = the time axis's device-seconds at
  that price.  At one price dollars rank models as device-seconds do; the axis puts the budget
  in money.

Lengths come from the run: prompt tokens from its generations where they were counted here,
else the prompts' characters over CHARS_PER_TOKEN; generated tokens from its generations where
known (generated here, or files with token counts), else the benchmark's token limit.
"""

from __future__ import annotations

import dataclasses

from . import Costs
from .roofline import idealized_cost

# Characters per Code Llama token in WizardCoder-Python's released HumanEval outputs (their
# `num_ids` against their text): prompt lengths where no tokenizer of the model is at hand.
CHARS_PER_TOKEN = 2.96


def run_lengths(problems, generations, max_new_tokens: int) -> tuple[float, float]:
    """(prompt tokens, new tokens) of a sample of the run, as the module docstring says."""
    if generations is not None and generations["n_prompt_tokens"].notna().all():
        prompt = float(generations["n_prompt_tokens"].mean())
    else:
        prompt = float(problems["prompt"].str.len().mean()) / CHARS_PER_TOKEN
    if generations is not None and generations["n_new_tokens"].notna().all():
        new = float(generations["n_new_tokens"].mean())
    else:
        new = float(max_new_tokens)
    return prompt, new


def run_costs(base: Costs, *, architecture: str | None, lengths: tuple[float, float] | None, samples_per_prompt: int,
              time_accelerator: str | None, accelerators: list[str], usd_per_device_hour: float | None,
              time_unit: str) -> Costs:
    """``base`` with the run's idealized time (where ``time_accelerator`` is set), its
    ``time@<accelerator>`` axes and its ``usd`` axis.  An architecture the roofline cannot read
    (not a Llama-family config) gets no idealized axes: they are left out of its family's
    comparisons, and the source says why."""
    extra = dict(base.extra)
    costs = base
    idealized = {}
    wanted = list(dict.fromkeys(([time_accelerator] if time_accelerator else []) + accelerators))
    if wanted and lengths is None:
        if time_accelerator:
            raise ValueError("an idealized time needs the run's prompts (published counts have none)")
        wanted = []
        costs = dataclasses.replace(costs, seconds_source=f"{costs.seconds_source}; no idealized time: no prompts")
    for accelerator in wanted:
        try:
            idealized[accelerator] = idealized_cost(architecture, accelerator, prompt_tokens=lengths[0],
                                                    new_tokens=lengths[1], samples_per_prompt=samples_per_prompt,
                                                    count=time_unit)
        except Exception as error:              # an architecture the roofline does not model
            if time_accelerator == accelerator:
                raise
            costs = dataclasses.replace(costs, seconds_source=f"{costs.seconds_source}; no idealized time: {error}")
    if time_accelerator:
        found = idealized[time_accelerator]
        costs = dataclasses.replace(costs, seconds=found["seconds_per_sample"], seconds_source=(
            f"idealized: {found['accelerator_label']}, {found['devices']} device(s), batch {found['batch_size']}, "
            f"{found['bound']}-bound, {lengths[0]:.0f} prompt + {lengths[1]:.0f} new tokens ({time_unit})"))
    for accelerator in accelerators:
        if accelerator in idealized:
            extra[f"time@{accelerator}"] = idealized[accelerator]["seconds_per_sample"]
    if usd_per_device_hour and costs.seconds is not None:
        extra["usd"] = costs.seconds * usd_per_device_hour / 3600.0
    return dataclasses.replace(costs, extra=extra)


def write_run_costs(spec: dict, out: str) -> Costs:
    """results/<benchmark>/<model>/costs.json from the spec of specs.run_costs."""
    import pandas as pd

    from ..io import read_parquet

    base = Costs.read(spec["base"])
    lengths = None
    if spec.get("problems_file"):
        generations = read_parquet(spec["generations"]) if spec.get("generations") else None
        lengths = run_lengths(pd.read_parquet(spec["problems_file"]), generations, spec["max_new_tokens"])
    costs = run_costs(base, architecture=spec.get("architecture_file"), lengths=lengths,
                      samples_per_prompt=spec["samples_per_prompt"], time_accelerator=spec.get("time_accelerator"),
                      accelerators=spec["accelerators"], usd_per_device_hour=spec.get("usd_per_device_hour"),
                      time_unit=spec["time_unit"])
    costs.write(out)
    return costs
