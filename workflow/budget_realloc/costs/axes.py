"""The budget axes of one run: the model's costs per sample, plus what the hardware would charge.

A model's constant costs (``results/costs/<model>.costs.json``) or measured ones are the start.
Three things depend on the run's benchmark and on hardware the run need not have touched:

- ``cost_model: idealized`` or ``calibrated``: the time axis is the roofline's device-seconds of
  a sample on ``costs.accelerator`` (costs.roofline) — at the ideal (a lower bound), or at the
  accelerator's calibrated efficiency and every corner of its range (costs.efficiency);
- ``costs.idealized_accelerators``: the calibrated time on other accelerators, as extra axes
  ``time@<accelerator>`` (a crossover per accelerator, to see whether the answer changes), each
  with its range;
- ``costs.usd_per_device_hour``: dollars, an axis ``usd`` = the time axis's device-seconds at
  that price.  At one price dollars rank models as device-seconds do; the axis puts the budget
  in money.

``costs.engine`` pins how grouped keys/values are read: ``efficient`` once per KV head,
``as-written`` at query width (an engine that expands them), ``calibrated`` as the accelerator's
range says.  Every sample is charged its own length: prompt tokens from its generation where
they were counted here, else its prompt's characters over CHARS_PER_TOKEN; generated tokens from
its generation where known (generated here, or files with token counts), else the benchmark's
token limit.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from . import Costs
from .accelerators import accelerator_spec, precision
from .architecture import read_architecture
from .efficiency import CENTRAL, ENGINES, IDEAL, EfficiencyRange
from .roofline import Workload, sample_cost

# Characters per Code Llama token in WizardCoder-Python's released HumanEval outputs (their
# `num_ids` against their text): prompt lengths where no tokenizer of the model is at hand.
CHARS_PER_TOKEN = 2.96


def run_lengths(problems, generations, max_new_tokens: int) -> tuple[np.ndarray, np.ndarray]:
    """(prompt tokens, new tokens) of every sample of the run (of every problem once where the
    run has no generations), as the module docstring says."""
    prompt_tokens = problems.set_index("task_id")["prompt"].str.len() / CHARS_PER_TOKEN
    if generations is None:
        return prompt_tokens.to_numpy(dtype=np.float64), np.full(len(prompt_tokens), float(max_new_tokens))
    if generations["n_prompt_tokens"].notna().all():
        prompt = generations["n_prompt_tokens"].to_numpy(dtype=np.float64)
    else:
        prompt = generations["task_id"].map(prompt_tokens).to_numpy(dtype=np.float64)
    if generations["n_new_tokens"].notna().all():
        new = generations["n_new_tokens"].to_numpy(dtype=np.float64)
    else:
        new = np.full(len(generations), float(max_new_tokens))
    return prompt, np.maximum(new, 1.0)


def hardware_costs(architecture: str, accelerator: str, lengths: tuple[np.ndarray, np.ndarray],
                   samples_per_prompt: int, *, calibrated: bool, engine: str, time_unit: str,
                   dtype: str = "bf16") -> tuple[dict[str, float], str]:
    """The cost of one sample of the run on ``accelerator`` under each efficiency scenario
    (only the central one at the ideal unless ``calibrated``), and a line saying what it is."""
    from ..errors import UserError

    if architecture is None:
        raise UserError("no architecture config.json to model it from")
    acc = accelerator_spec(accelerator, dtype)
    efficiency = acc.efficiency if calibrated else EfficiencyRange(IDEAL, IDEAL, IDEAL)
    efficiency = efficiency.pinned(**ENGINES[engine])
    arch, chosen = read_architecture(architecture), precision(dtype)
    work = Workload.of(*lengths, samples_per_prompt)
    wanted = efficiency.scenarios() if calibrated else {CENTRAL: efficiency.central}
    costs = {name: sample_cost(arch, acc, work, dtype=chosen, efficiency=e, count=time_unit)
             for name, e in wanted.items()}
    central = costs[CENTRAL]
    kind = "calibrated" if calibrated else "idealized"
    line = (f"{kind}: {central.accelerator_label}, {central.devices} device(s), batch {central.batch_size}, "
            f"{central.bound}-bound, {work.mean(work.prompt):.0f} prompt + {work.mean(work.new):.0f} new tokens "
            f"per sample on average ({time_unit}; engine {engine})")
    return {name: c.seconds_per_sample for name, c in costs.items()}, line


def run_costs(base: Costs, *, architecture: str | None, lengths: tuple[np.ndarray, np.ndarray] | None,
              samples_per_prompt: int, time_accelerator: str | None, accelerators: list[str],
              usd_per_device_hour: float | None, time_unit: str, calibrated: bool = True,
              engine: str = "calibrated") -> Costs:
    """``base`` with the run's modelled time (where ``time_accelerator`` is set: idealized, or
    ``calibrated`` with its scenarios), its ``time@<accelerator>`` axes (calibrated, with their
    scenarios) and its ``usd`` axis.  An architecture the roofline cannot read (not a family of
    costs.architecture) gets no hardware axes: they are left out of its family's comparisons,
    and the source says why."""
    from ..errors import UserError

    extra, scenarios = dict(base.extra), dict(base.scenarios)
    costs = base
    wanted = list(dict.fromkeys(([time_accelerator] if time_accelerator else []) + accelerators))
    if wanted and lengths is None:
        if time_accelerator:
            raise UserError("a modelled time needs the run's prompts (published counts have none)")
        wanted = []
        costs = dataclasses.replace(costs, seconds_source=f"{costs.seconds_source}; no modelled time: no prompts")
    priced = {}
    for accelerator in wanted:
        main = accelerator == time_accelerator
        try:
            priced[accelerator] = hardware_costs(
                architecture, accelerator, lengths, samples_per_prompt, calibrated=calibrated or not main,
                engine=engine, time_unit=time_unit)
        except UserError as error:              # an architecture the roofline does not model
            if main:
                raise
            costs = dataclasses.replace(costs, seconds_source=f"{costs.seconds_source}; no modelled time: {error}")
    if time_accelerator:
        values, line = priced[time_accelerator]
        costs = dataclasses.replace(costs, seconds=values[CENTRAL], seconds_source=line, seconds_kind="modelled")
        if len(values) > 1:
            scenarios["time"] = values
    for accelerator in accelerators:
        if accelerator in priced:
            values, _ = priced[accelerator]
            extra[f"time@{accelerator}"] = values[CENTRAL]
            scenarios[f"time@{accelerator}"] = values
    if usd_per_device_hour and costs.seconds is not None:
        extra["usd"] = costs.seconds * usd_per_device_hour / 3600.0
        if "time" in scenarios:
            scenarios["usd"] = {name: v * usd_per_device_hour / 3600.0 for name, v in scenarios["time"].items()}
    return dataclasses.replace(costs, extra=extra, scenarios=scenarios)


def write_run_costs(job) -> Costs:
    """results/<benchmark>/<model>/costs.json of a jobs.costs.RunCosts job."""
    import pandas as pd

    from ..io import read_parquet

    lengths = None
    if job.problems_file:
        generations = read_parquet(job.generations) if job.generations else None
        lengths = run_lengths(pd.read_parquet(job.problems_file), generations, job.max_new_tokens)
    costs = run_costs(Costs.read(job.base), architecture=job.architecture_file, lengths=lengths,
                      samples_per_prompt=job.samples_per_prompt, time_accelerator=job.time_accelerator,
                      accelerators=list(job.accelerators), usd_per_device_hour=job.usd_per_device_hour,
                      time_unit=job.time_unit, calibrated=job.calibrated, engine=job.engine)
    costs.write(job.out)
    return costs
