"""What a validated config asks for: benchmarks, models and runs as typed values
(plan.values), where each run's samples come from (plan.sources), and the figures, tables and
targets drawn from them (plan.outputs).

A run is one model on one benchmark.  Its samples are generated here (a hub model or one built
with random weights), read from files made elsewhere, or — for published per-problem results —
not samples at all but counts, which skip execution.  Everything is resolved once, when the
Snakefile starts, so a missing file stops the run at once with the file and where it is
published named.  Only light modules are imported: the Snakefile re-reads this on every call.
"""

from __future__ import annotations

import math
from collections import Counter
from functools import cached_property
from pathlib import Path

from .. import layout
from ..benchmarks import COUNTS_ONLY, count_problems, load_problems
from ..config import ConfigError, benchmark_references
from ..generation.backend import Sampling
from ..generation.sample_files import counts_records, read_samples
from ..seeds import derive_seed
from .outputs import Outputs
from .sources import counts_rows, published, sample_source, test_files
from .values import Benchmark, Model, Run, SampleSource, TestFiles

__all__ = ["Benchmark", "Model", "Plan", "Run", "SampleSource", "TestFiles"]


class Plan(Outputs):
    """What a validated config asks for, in the terms the jobs need."""

    def __init__(self, config: dict):
        self.config = config
        self.models = {name: Model.of(name, entry) for name, entry in config["models"].items()}
        self.dropped: dict[str, str] = {}           # optional benchmark -> why it was left out
        self.sources: dict[tuple[str, str], SampleSource] = {}   # (benchmark, model) made elsewhere
        self._benchmarks: dict[str, Benchmark] = {}
        self._held: dict[tuple[str, str], int] = {}    # (benchmark, model) -> samples its files hold
        for name, entry in config["benchmarks"].items():
            self._add_benchmark(name, entry)
        used = {self.resolve(ref) for _, ref in benchmark_references(config)}
        for name in [b for b, bench in self._benchmarks.items() if bench.fallback and b not in used]:
            del self._benchmarks[name]
            self.dropped[name] = "a fallback, and everything that could fall back to it has its first choice"
        for name, bench in self._benchmarks.items():
            if bench.limit and not self.has_problems(name):
                raise ConfigError(f"config: benchmarks.{name}.limit: every run of {name} reads per-problem counts "
                                  "and the benchmark's file is not here, so its first problems cannot be told "
                                  "(drop limit, or give the file as path)")
        for name, bench in self._benchmarks.items():      # n: null, read now (paths are relative to here)
            for model in [m for m, n in bench.n.items() if n is None]:
                self._held_samples(name, model)
        if config["cost_model"] in ("measured", "idealized", "calibrated"):
            counted = [f"{r.model} on {r.benchmark}" for r in self.runs() if r.counts]
            if counted:
                raise ConfigError(f"config: cost_model: {config['cost_model']} needs each run's samples or prompts, "
                                  f"but {', '.join(counted)} are per-problem counts (use cost_model: paper)")

    def _add_benchmark(self, name: str, entry: dict) -> None:
        sources = {m: sample_source(m, name, self.models[m].samples.get(name))
                   for m in entry["n"] if self.models[m].made_elsewhere}
        unstated = [m for m, n in entry["n"].items() if n is None and m not in sources]
        if unstated:
            raise ConfigError(f"config: benchmarks.{name}.n.{unstated[0]}: null takes what sample files hold, but "
                              f"{unstated[0]} is sampled here: give its n")
        self.sources.update({(name, m): s for m, s in sources.items()})
        if entry["kind"] in COUNTS_ONLY:
            self._benchmarks[name] = self._counts_only_benchmark(name, entry, sources)
            return
        if "path" not in entry:
            self._benchmarks[name] = Benchmark.of(name, entry, None)
            return
        candidates = [entry["path"]] if isinstance(entry["path"], str) else entry["path"]
        found = next((c for c in candidates if Path(c).is_file()), None)
        if found is not None or (len(sources) == len(entry["n"]) and all(s.counts for s in sources.values())):
            self._benchmarks[name] = Benchmark.of(name, entry, found)   # None: counts only, no problems needed
        elif entry["optional"]:
            self.dropped[name] = f"no file at {', '.join(candidates)}"
        else:
            raise ConfigError(f"config: benchmarks.{name}.path: no file at {', '.join(candidates)}{published(entry)} "
                              "(set optional: true to skip this benchmark when it is absent)")

    def _counts_only_benchmark(self, name: str, entry: dict, sources: dict[str, SampleSource]) -> Benchmark:
        """A benchmark known only by its models' counts, its release window resolved: a date, or
        the latest training cutoff of its models."""
        uncounted = [m for m in entry["n"] if m not in sources or not sources[m].counts]
        if uncounted:
            raise ConfigError(f"config: benchmarks.{name}: a {entry['kind']} benchmark has no problems to generate "
                              f"for or execute; models.{uncounted[0]}.samples.{name} must be format: counts")
        after, why = entry.get("released_after"), ""
        if after == "training-cutoff":
            unknown = [m for m in entry["n"] if not self.models[m].training_cutoff]
            if unknown:
                raise ConfigError(f"config: benchmarks.{name}.released_after: training-cutoff needs "
                                  f"models.{unknown[0]}.training_cutoff")
            cutoffs = {m: self.models[m].training_cutoff for m in entry["n"]}
            after = max(cutoffs.values())
            why = f"the latest training cutoff of its models, {self.models[max(cutoffs, key=cutoffs.get)].label}'s"
        return Benchmark.of(name, entry, None, released_after=after, window_source=why)

    # ----------------------------------------------------------------- benchmarks
    @property
    def benchmarks(self) -> list[str]:
        return list(self._benchmarks)

    def benchmark(self, name: str) -> Benchmark:
        return self._benchmarks[name]

    def resolve(self, ref) -> str | None:
        """The first available benchmark of a reference (a name or a list of names)."""
        for name in [ref] if isinstance(ref, str) else ref:
            if name in self._benchmarks:
                return name
        return None

    def counts_only(self, name: str) -> bool:
        """Does every run of this benchmark read published counts (so nothing is executed)?"""
        return all(self.run(name, m).counts for m in self.benchmark(name).models)

    def has_problems(self, name: str) -> bool:
        """Are the benchmark's problems read (it executes something, or its file is here)?"""
        return not self.counts_only(name) or self.benchmark(name).path is not None

    def num_problems(self, name: str) -> int:
        return self._problem_counts[name]

    @cached_property
    def _problem_counts(self) -> dict[str, int]:
        counts = {}
        for name, bench in self._benchmarks.items():
            if not self.has_problems(name):
                model = bench.models[0]
                counts[name] = counts_rows(self.source(name, model).files[0], model, "sampled", bench.keep)
            else:
                counts[name] = count_problems(bench.kind, bench.path, bench.difficulty, bench.limit)
        return counts

    def benchmark_title(self, name: str) -> str:
        """The benchmark as figures name it, saying when only its first problems were run, or
        which of its counted problems it keeps (a difficulty, a release window)."""
        bench, count = self.benchmark(name), self.num_problems(name)
        subset = f"first {count} problems" if bench.limit else f"{count} problems"
        kept = bench.keep.describe() + (f": {bench.window_source}" if bench.window_source else "")
        return f"{bench.label} ({subset}{', ' + kept if kept else ''})"

    def bootstrap(self, name: str) -> dict:
        """Resamples and seed of the bootstrap over this benchmark's problems: one seed per
        benchmark, so every model on it is resampled alike."""
        settings = self.config["bootstrap"]
        root = settings.get("seed", self.config["seed"])
        return {"resamples": settings["resamples"], "seed": derive_seed(root, "bootstrap", name)}

    def shards(self, name: str) -> list[str]:
        count = math.ceil(self.num_problems(name) / self.benchmark(name).shard_size)
        return [layout.shard_name(i) for i in range(count)]

    # ----------------------------------------------------------------- runs
    def run(self, benchmark: str, model: str) -> Run:
        source = self.sources.get((benchmark, model))
        if source is not None:
            decodings = ("sampled", "greedy") if source.greedy else ("sampled",)
        else:
            decodings = layout.DECODINGS if self.config["generation"]["greedy"] else ("sampled",)
        return Run(benchmark, model, tuple(decodings), source)

    def runs(self) -> list[Run]:
        return [self.run(b, m) for b in self.benchmarks for m in self.benchmark(b).models]

    def executed(self) -> list[Run]:
        """Runs whose samples are executed here (all but published counts)."""
        return [r for r in self.runs() if not r.counts]

    def source(self, benchmark: str, model: str) -> SampleSource | None:
        """Where a run's samples made elsewhere are; None for a run generated here."""
        return self.sources.get((benchmark, model))

    def decodings(self, benchmark: str, model: str) -> tuple[str, ...]:
        return self.run(benchmark, model).decodings

    def sampling(self, benchmark: str, model: str, decoding: str = "sampled") -> tuple[int, Sampling]:
        """(n, how tokens are drawn) of one generation run (greedy: n = 1, T = 0).  For samples
        made elsewhere n is the most taken per problem (the first n in file order; with n: null
        in the config, what the files hold)."""
        bench = self.benchmark(benchmark)
        values = {"temperature": bench.temperature, "top_p": bench.top_p, "max_new_tokens": bench.max_new_tokens}
        values.update(self.models[model].sampling)
        if decoding == "greedy":
            return 1, Sampling(temperature=0.0, top_p=1.0, max_new_tokens=values["max_new_tokens"])
        return bench.n[model] or self._held_samples(benchmark, model), Sampling(**values)

    def _held_samples(self, benchmark: str, model: str) -> int:
        """The most samples any problem has in a run's files (its n where the config says null),
        read once."""
        if (benchmark, model) not in self._held:
            bench, source = self.benchmark(benchmark), self.source(benchmark, model)
            if source.counts:
                held = max(int(record["n"]) for _, record in counts_records(source.files[0], model))
            elif bench.path is None:
                raise ConfigError(f"config: benchmarks.{benchmark}.n.{model}: null reads the sample files, which "
                                  f"needs the benchmark's own file (path) to read them against: give n instead")
            else:
                problems = load_problems(bench.kind, bench.path, difficulty=bench.difficulty, limit=bench.limit)
                samples = read_samples(source.format, list(source.files), problems, source.prompts, bool(bench.limit))
                held = max(Counter(s.task_id for s in samples).values(), default=0)
                if not held:
                    raise ConfigError(f"config: models.{model}.samples.{benchmark}.files: no samples of its "
                                      f"problems in {', '.join(source.files[:3])}")
            self._held[(benchmark, model)] = held
        return self._held[(benchmark, model)]

    def tests_of(self, benchmark: str, model: str) -> TestFiles | None:
        return test_files(model, benchmark, self.models[model].samples.get(benchmark))

    # ----------------------------------------------------------------- models
    def model(self, name: str) -> Model:
        return self.models[name]

    def generated_models(self) -> list[str]:
        """Models this workflow samples from (hub or built), as opposed to files made elsewhere."""
        return [m for m, model in self.models.items() if not model.made_elsewhere]

    def label(self, name: str) -> str:
        return self.models[name].label

    def calibration_sources(self) -> dict:
        """The measurements at hand to calibrate the roofline on (costs.calibration): the config's
        published tables where their files exist, and (model, architecture JSON) of the family
        models built here whose wall-time profiles run on a CPU."""
        settings = self.config["costs"]["calibration"]
        profiles = []
        if self.config["costs"]["walltime_device"] == "cpu":
            members = dict.fromkeys(m for family in self.config["families"].values() for m in family)
            profiles = [(m, self.models[m].build) for m in members if self.models[m].build]
        return {"published": settings["published"] if Path(settings["published"]).is_file() else None,
                "wizardcoder": settings["wizardcoder"] if Path(settings["wizardcoder"]).is_dir() else None,
                "profiles": profiles}

    # ----------------------------------------------------------------- costs
    def flops_file(self, model: str) -> str:
        """The FLOPs count a model's costs read: counted once per architecture, under the first
        model of the config that has it (fine-tunes of one base share their base's count)."""
        architecture = self.models[model].architecture
        first = next(m for m, spec in self.models.items() if spec.architecture == architecture)
        return layout.FLOPS.format(model=first)

    def base_cost_file(self, benchmark: str, model: str) -> str:
        """A model's own costs per sample: the profiles' constant (cost_model: paper, idealized
        and calibrated) or what this run's generation spent (measured)."""
        if self.config["cost_model"] == "measured":
            return layout.MEASURED_COSTS.format(benchmark=benchmark, model=model)
        return layout.COSTS.format(model=model)

    def run_axes(self) -> bool:
        """Do budgets need per-run axes (a modelled time, other accelerators, dollars)?"""
        costs = self.config["costs"]
        return self.config["cost_model"] in ("idealized", "calibrated") or bool(costs["idealized_accelerators"]) \
            or "usd_per_device_hour" in costs

    def cost_file(self, benchmark: str, model: str) -> str:
        """The per-sample costs budgets charge: the model's own (:meth:`base_cost_file`), or,
        where the config asks for hardware axes, the run's (costs.axes)."""
        if self.run_axes():
            return layout.RUN_COSTS.format(benchmark=benchmark, model=model)
        return self.base_cost_file(benchmark, model)
