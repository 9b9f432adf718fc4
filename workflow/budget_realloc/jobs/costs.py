"""Costs per sample (Table 1): FLOPs with calflops, wall-time at the best batch size, the
constant or measured cost a model is charged, a run's hardware axes, and the roofline's
calibration to measured throughput."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .. import cluster, layout
from ..config import default
from .base import Job, reads, setting, writes

# cost models whose time axis is the roofline's (costs.axes)
MODELLED_TIME = ("idealized", "calibrated")


@dataclass(frozen=True)
class CountFlops(Job):
    KIND = "flops"
    HELP = "FLOPs of one forward pass (calflops, meta device)."
    ENV = "models"

    architecture: str = setting(help="a config.json, a model directory or a hub id")
    out: str = writes()
    reads: str | None = reads(default=None, help="the file or directory the architecture is read from, if local")
    input_length: int = setting(default("costs", "flops_input_length"))

    @classmethod
    def of(cls, plan, model: str):
        spec = plan.model(model)
        architecture = spec.architecture
        reads = architecture if Path(architecture).is_file() else (
            layout.MODEL_DIR.format(model=model) if spec.build else None)
        return cls(architecture=architecture, reads=reads, input_length=plan.config["costs"]["flops_input_length"],
                   out=layout.FLOPS.format(model=model))

    def run(self):
        from ..costs.flops import count_flops
        from ..io import write_json

        result = count_flops(self.architecture, self.input_length)
        write_json(result, self.out)
        return f"{result['flops'] / 1e12:.4f} TFLOPs per forward of {self.input_length} tokens -> {self.out}"


@dataclass(frozen=True)
class ProfileWalltime(Job):
    KIND = "walltime"
    HELP = "Wall-time profile: best batch size, then a timed run."
    ENV = "models"

    source: str = setting()
    prompts: str = reads()
    out: str = writes()
    model_dir: str | None = reads(default=None)
    samples: int = setting(default("costs", "walltime_samples"))
    new_tokens: int = setting(default("costs", "walltime_new_tokens"))
    batch_sizes: tuple[int, ...] = setting(tuple(default("costs", "walltime_batch_sizes")))
    device: str = setting(default("costs", "walltime_device"))
    dtype: str = setting(default("models", "*", "dtype"))
    seed: int = setting(default("seed"))
    architecture: str | None = setting(None, help="its config.json, to size a cluster request")

    @classmethod
    def of(cls, plan, model: str):
        spec, costs = plan.model(model), plan.config["costs"]
        return cls(source=spec.source, prompts=costs["walltime_prompts"],
                   model_dir=layout.MODEL_DIR.format(model=model) if spec.build else None,
                   samples=costs["walltime_samples"], new_tokens=costs["walltime_new_tokens"],
                   batch_sizes=tuple(costs["walltime_batch_sizes"]), device=costs["walltime_device"], dtype=spec.dtype,
                   seed=plan.config["seed"], architecture=spec.architecture_json, out=layout.WALLTIME.format(model=model))

    def resources(self, threads: int, hardware: dict) -> dict:
        tokens = self.samples * self.new_tokens * len(self.batch_sizes)
        return cluster.model_job(self.architecture, dtype=self.dtype, device=self.device, batch=max(self.batch_sizes),
                                 new_tokens=self.new_tokens, tokens=tokens, threads=threads, cluster=hardware)

    def run(self):
        from ..costs.walltime import profile_file

        result = profile_file(source=self.source, prompts_path=self.prompts, samples=self.samples,
                              new_tokens=self.new_tokens, batch_sizes=list(self.batch_sizes), required_device=self.device,
                              dtype=self.dtype, seed=self.seed, out=self.out)
        return str(result) if not result["measured"] else f"{result['seconds']:.2f} s for {self.samples} samples"


@dataclass(frozen=True)
class ModelCosts(Job):
    KIND = "costs"
    HELP = "A model's per-sample costs: from its profiles, or as measured in a generation run (--generations)."

    flops: str = reads()
    out: str = writes()
    walltime: str | None = reads(default=None, help="the wall-time profile (the paper's constant cost)")
    generations: str | None = reads(default=None, help="a gathered generations file (measured costs)")
    paper_name: str | None = setting(None, help="whose Table 1 time stands in where nothing better is known")
    stated: dict | None = setting(None, help="seconds_per_sample, devices, source of generations made elsewhere")
    time_unit: str = setting(default("costs", "time_unit"))

    @classmethod
    def of(cls, plan, model: str):
        """A model's constant costs read its FLOPs and, for a model with weights here, its
        wall-time profile; a model known only by its generations has its time stated in the config."""
        spec = plan.model(model)
        return cls(flops=plan.flops_file(model),
                   walltime=None if spec.made_elsewhere else layout.WALLTIME.format(model=model),
                   paper_name=spec.paper_cost_name, stated=spec.stated_costs,
                   time_unit=plan.config["costs"]["time_unit"], out=layout.COSTS.format(model=model))

    @classmethod
    def measured(cls, plan, benchmark: str, model: str):
        """What this run's generation spent (cost_model: measured)."""
        return cls(flops=plan.flops_file(model), stated=plan.model(model).stated_costs,
                   generations=layout.GENERATIONS.format(benchmark=benchmark, model=model, decoding="sampled"),
                   time_unit=plan.config["costs"]["time_unit"],
                   out=layout.MEASURED_COSTS.format(benchmark=benchmark, model=model))

    def run(self):
        from ..costs import measured_costs, model_costs
        from ..io import read_json

        if self.generations:
            result = measured_costs(self.generations, read_json(self.flops), self.stated, self.time_unit)
        else:
            result = model_costs(read_json(self.flops), read_json(self.walltime) if self.walltime else None,
                                 self.paper_name, self.stated, self.time_unit)
        result.write(self.out)


@dataclass(frozen=True)
class RunCosts(Job):
    KIND = "run-costs"
    HELP = "A run's budget axes: the model's costs, modelled times on accelerators, dollars."

    base: str = reads()
    out: str = writes()
    samples_per_prompt: int = setting()
    max_new_tokens: int = setting()
    architecture_file: str | None = reads(default=None)
    problems_file: str | None = reads(default=None, help="the benchmark's problems (none for published counts)")
    generations: str | None = reads(default=None)
    accelerators: tuple[str, ...] = setting(tuple(default("costs", "idealized_accelerators")))
    time_accelerator: str | None = setting(None, help="the accelerator of a modelled time axis")
    calibrated: bool = setting(False)
    engine: str = setting(default("costs", "engine"))
    usd_per_device_hour: float | None = setting(None)
    time_unit: str = setting(default("costs", "time_unit"))

    @classmethod
    def of(cls, plan, benchmark: str, model: str):
        costs, run = plan.config["costs"], plan.run(benchmark, model)
        n, sampling = plan.sampling(benchmark, model)
        architecture = plan.model(model).architecture
        return cls(base=plan.base_cost_file(benchmark, model), samples_per_prompt=n,
                   max_new_tokens=sampling.max_new_tokens, accelerators=tuple(costs["idealized_accelerators"]),
                   time_accelerator=costs["accelerator"] if plan.config["cost_model"] in MODELLED_TIME else None,
                   calibrated=plan.config["cost_model"] != "idealized", engine=costs["engine"],
                   usd_per_device_hour=costs.get("usd_per_device_hour"), time_unit=costs["time_unit"],
                   architecture_file=architecture if architecture.endswith(".json") else None,
                   problems_file=None if run.counts else layout.PROBLEMS.format(benchmark=benchmark),
                   generations=None if run.counts else layout.GENERATIONS.format(benchmark=benchmark, model=model,
                                                                                 decoding="sampled"),
                   out=layout.RUN_COSTS.format(benchmark=benchmark, model=model))

    def run(self):
        from ..costs.axes import write_run_costs

        write_run_costs(self)


@dataclass(frozen=True)
class Calibrate(Job):
    KIND = "calibrate"
    HELP = "Fit the roofline's efficiency to measured throughput; every row's error, in the fit and left out."

    json_out: str = writes()
    csv_out: str = writes()
    published: str | None = reads(default=None, help="measured_throughput.csv (../shared/data/throughput)")
    wizardcoder: str | None = reads(default=None, help="the WizardCoder authors' folder: wizard_he_throughput.csv "
                                                     "and answer/")
    profiles: dict = reads(default_factory=dict, help="model -> a wall-time profile of this run (costs.walltime)")
    architectures: dict = setting({}, help="model -> the architecture JSON of a profiled model")
    models: str = setting("resources/models", help="the architectures the measured rows name")

    @classmethod
    def of(cls, plan):
        sources = plan.calibration_sources()
        return cls(published=sources["published"], wizardcoder=sources["wizardcoder"],
                   profiles={m: layout.WALLTIME.format(model=m) for m, _ in sources["profiles"]},
                   architectures=dict(sources["profiles"]), json_out=layout.CALIBRATION,
                   csv_out=layout.CALIBRATION_TABLE)

    def run(self):
        from ..costs.axes import CHARS_PER_TOKEN
        from ..costs.calibration import measured_sets, write_calibration

        sets, skipped = measured_sets(models=Path(self.models), published=self.published, wizardcoder=self.wizardcoder,
                                      profiles=self.profiles, architectures=self.architectures,
                                      chars_per_token=CHARS_PER_TOKEN)
        report = write_calibration(sets, skipped, self.json_out, self.csv_out)
        return "\n".join(f"{s['name']}: {s['rows']} rows, {s['efficiency']}; |error| median "
                         f"{s['fit_median_error']:.1%}, worst {s['fit_worst_error']:.1%}; left out: median "
                         f"{s['left_out_median_error']:.1%}, worst {s['left_out_worst_error']:.1%}"
                         for s in report["sets"])


@dataclass(frozen=True)
class PredictThroughput(Job):
    KIND = "predict-throughput"
    HELP = "The roofline's generated tokens/s for a static batch, as JSON (to hold against a measurement of your own)."

    architecture: str = reads(help="a config.json (resources/models/*.json)")
    accelerator: str = setting(help="a name of resources/accelerators.yaml")
    batch: int = setting()
    input_tokens: int = setting()
    output_tokens: int = setting()
    devices: int = setting(1)
    dtype: str = setting("bf16", help="fp8, fp16, bf16 or fp32")
    calibrated: bool = setting(False, help="at the accelerator's calibrated efficiency, not the ideal")
    engine: str = setting(default("costs", "engine"), help="calibrated, efficient or as-written")

    def run(self):
        from ..costs.efficiency import ENGINES
        from ..costs.roofline import predict_throughput

        return json.dumps(predict_throughput(self.architecture, self.accelerator, batch=self.batch,
                                             input_tokens=self.input_tokens, output_tokens=self.output_tokens,
                                             devices=self.devices, dtype=self.dtype, calibrated=self.calibrated,
                                             engine=ENGINES[self.engine]), indent=1)
