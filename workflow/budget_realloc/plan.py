"""What a validated config asks for: benchmarks, runs, where each run's samples come from,
shards, figures and targets, in the terms the rules need.

A run is one model on one benchmark.  Its samples are generated here (a hub model or one built
with random weights), read from files made elsewhere, or — for published per-problem results —
not samples at all but counts, which skip execution.  Everything is resolved once, when the
Snakefile starts, so a missing file stops the run at once with the file and where it is
published named.  Only light modules are imported: the Snakefile re-reads this on every call.
"""

from __future__ import annotations

import csv
import glob
import math
import re
from dataclasses import dataclass
from pathlib import Path

from . import layout
from .benchmarks import count_problems
from .config import SAMPLING_KEYS, ConfigError, benchmark_references
from .seeds import derive_seed

COUNTS = "counts"


@dataclass(frozen=True)
class SampleSource:
    """Where the samples of a run made elsewhere are (config key ``models.<m>.samples.<b>``)."""

    format: str
    files: tuple[str, ...]        # sampled generations, or the one counts file
    greedy: str | None            # greedy decodes (for counts: the same file, if it has greedy rows)
    prompts: str | None = None
    truncate: bool = False

    @property
    def counts(self) -> bool:
        return self.format == COUNTS


@dataclass(frozen=True)
class BudgetFigure:
    figure: str
    benchmark: str
    family: str
    models: tuple[str, ...]


def _natural(path: str):
    """Sort key that puts part_l10 after part_l9."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", path)]


def _published(entry: dict) -> str:
    return f" (published at {entry['published']})" if entry.get("published") else ""


def counts_rows(path: str, model: str, decoding: str) -> int:
    """How many rows of ``model`` and ``decoding`` a counts CSV holds (rows of a file without
    those columns are everyone's sampled counts)."""
    with open(path, newline="") as handle:
        return sum(1 for row in csv.DictReader(handle)
                   if row.get("model", model) == model and row.get("decoding", "sampled") == decoding)


class Plan:
    """What a validated config asks for, in the terms the rules need."""

    def __init__(self, config: dict):
        self.config = config
        self.dropped: dict[str, str] = {}           # optional benchmark -> why it was left out
        self.paths: dict[str, str | None] = {}      # benchmark -> local file, None for the hub or none needed
        self.sources: dict[tuple[str, str], SampleSource] = {}   # (benchmark, model) made elsewhere
        for name, bench in config["benchmarks"].items():
            self._add_benchmark(name, bench)
        used = {self.resolve(ref) for _, ref in benchmark_references(config)}
        for name in [b for b in self.paths if config["benchmarks"][b]["fallback"] and b not in used]:
            del self.paths[name]
            self.dropped[name] = "a fallback, and everything that could fall back to it has its first choice"
        for name in self.paths:
            if config["benchmarks"][name].get("limit") and not self.has_problems(name):
                raise ConfigError(f"config: benchmarks.{name}.limit: every run of {name} reads per-problem counts "
                                  "and the benchmark's file is not here, so its first problems cannot be told "
                                  "(drop limit, or give the file as path)")
        if config["cost_model"] in ("measured", "idealized", "calibrated"):
            counted = [f"{m} on {b}" for (b, m), s in self.sources.items() if s.counts and b in self.paths]
            if counted:
                raise ConfigError(f"config: cost_model: {config['cost_model']} needs each run's samples or prompts, "
                                  f"but {', '.join(counted)} are per-problem counts (use cost_model: paper)")

    def _add_benchmark(self, name: str, bench: dict) -> None:
        sources = {m: self._sample_source(name, m) for m in bench["n"] if "samples" in self.model(m)}
        self.sources.update({(name, m): s for m, s in sources.items()})
        if "path" not in bench:
            self.paths[name] = None
            return
        candidates = [bench["path"]] if isinstance(bench["path"], str) else bench["path"]
        found = next((c for c in candidates if Path(c).is_file()), None)
        if found is not None:
            self.paths[name] = found
        elif len(sources) == len(bench["n"]) and all(s.counts for s in sources.values()):
            self.paths[name] = None           # counts only: nothing to execute, no problems needed
        elif bench["optional"]:
            self.dropped[name] = f"no file at {', '.join(candidates)}"
        else:
            raise ConfigError(f"config: benchmarks.{name}.path: no file at {', '.join(candidates)}{_published(bench)} "
                              "(set optional: true to skip this benchmark when it is absent)")

    def _sample_source(self, benchmark: str, model: str) -> SampleSource:
        key = f"models.{model}.samples.{benchmark}"
        entry = self.model(model)["samples"].get(benchmark)
        if entry is None:
            raise ConfigError(f"config: benchmarks.{benchmark}.n names {model}, whose generations are made elsewhere, "
                              f"but {key} does not say where they are")
        patterns = [entry["files"]] if isinstance(entry["files"], str) else entry["files"]
        files = sorted({f for p in patterns for f in glob.glob(p)}, key=_natural)
        fmt = entry["format"]
        if not files and entry.get("fallback"):
            if not Path(entry["fallback"]).is_file():
                raise ConfigError(f"config: {key}: no file matches {', '.join(patterns)}{_published(entry)}, "
                                  f"and the fallback {entry['fallback']} is not there either")
            files, fmt = [entry["fallback"]], COUNTS
        elif not files:
            raise ConfigError(f"config: {key}.files: no file matches {', '.join(patterns)}{_published(entry)}")
        for field in ("greedy", "prompts"):
            if fmt != COUNTS and entry.get(field) and not Path(entry[field]).is_file():
                raise ConfigError(f"config: {key}.{field}: file not found: {entry[field]}{_published(entry)}")
        if fmt == COUNTS:
            if len(files) != 1:
                raise ConfigError(f"config: {key}.files: counts come from one CSV, but {len(files)} files match")
            greedy = files[0] if counts_rows(files[0], model, "greedy") else None
            return SampleSource(COUNTS, tuple(files), greedy)
        return SampleSource(fmt, tuple(files), entry.get("greedy"), entry.get("prompts"), entry["truncate"])

    # ----------------------------------------------------------------- benchmarks and runs
    @property
    def benchmarks(self) -> list[str]:
        return list(self.paths)

    def benchmark(self, name: str) -> dict:
        return self.config["benchmarks"][name]

    def resolve(self, ref) -> str | None:
        """The first available benchmark of a reference (a name or a list of names)."""
        for name in [ref] if isinstance(ref, str) else ref:
            if name in self.paths:
                return name
        return None

    def problem_source(self, name: str) -> dict:
        """Arguments of budget_realloc.benchmarks.load_problems for this benchmark."""
        bench = self.benchmark(name)
        return {"kind": bench["kind"], "path": self.paths[name], "hub": bench.get("hub"),
                "difficulty": bench.get("difficulty"), "limit": bench.get("limit"),
                "fewshot": bench.get("fewshot")}

    def counts_only(self, name: str) -> bool:
        """Does every run of this benchmark read published counts (so nothing is executed)?"""
        return all(self.source(name, m) is not None and self.source(name, m).counts for m in self.models_on(name))

    def has_problems(self, name: str) -> bool:
        """Are the benchmark's problems read (it executes something, or its file is here)?"""
        return not self.counts_only(name) or self.paths[name] is not None

    def num_problems(self, name: str) -> int:
        if not self.has_problems(name):
            model = self.models_on(name)[0]
            return counts_rows(self.source(name, model).files[0], model, "sampled")
        source = self.problem_source(name)
        return count_problems(source["kind"], source["path"], source["difficulty"], source["limit"])

    def benchmark_title(self, name: str) -> str:
        """The benchmark as figures name it, saying when only its first problems were run."""
        count = self.num_problems(name)
        subset = f"first {count} problems" if self.benchmark(name).get("limit") else f"{count} problems"
        return f"{self.benchmark(name).get('label', name)} ({subset})"

    def bootstrap(self, name: str) -> dict:
        """Resamples and seed of the bootstrap over this benchmark's problems: one seed per
        benchmark, so every model on it is resampled alike."""
        settings = self.config["bootstrap"]
        root = settings.get("seed", self.config["seed"])
        return {"resamples": settings["resamples"], "seed": derive_seed(root, "bootstrap", name)}

    def shards(self, name: str) -> list[str]:
        count = math.ceil(self.num_problems(name) / self.benchmark(name)["shard_size"])
        return [layout.shard_name(i) for i in range(count)]

    def models_on(self, benchmark: str) -> list[str]:
        return list(self.benchmark(benchmark)["n"])

    def runs(self) -> list[tuple[str, str]]:
        return [(b, m) for b in self.benchmarks for m in self.models_on(b)]

    def source(self, benchmark: str, model: str) -> SampleSource | None:
        """Where a run's samples made elsewhere are; None for a run generated here."""
        return self.sources.get((benchmark, model))

    def decodings(self, benchmark: str | None = None, model: str | None = None) -> list[str]:
        """The decodings of a run (of runs generated here, without arguments): greedy where the
        config asks for it here, or where the files made elsewhere have it."""
        source = self.source(benchmark, model) if model else None
        if source is not None:
            return ["sampled", "greedy"] if source.greedy else ["sampled"]
        return list(layout.DECODINGS) if self.config["generation"]["greedy"] else ["sampled"]

    def executed(self) -> list[tuple[str, str]]:
        """Runs whose samples are executed here (all but published counts)."""
        return [(b, m) for b, m in self.runs() if not (self.source(b, m) and self.source(b, m).counts)]

    def sampling(self, benchmark: str, model: str, decoding: str = "sampled") -> dict:
        """n, temperature, top_p, max_new_tokens of one generation run (greedy: n = 1, T = 0).
        For samples made elsewhere n is the most taken per problem (the first n in file order)."""
        bench = self.benchmark(benchmark)
        values = {key: bench[key] for key in SAMPLING_KEYS}
        values.update(self.config["models"][model].get("sampling", {}))
        if decoding == "greedy":
            return {"n": 1, "temperature": 0.0, "top_p": 1.0, "max_new_tokens": values["max_new_tokens"]}
        return {"n": bench["n"][model], **values}

    # ----------------------------------------------------------------- models
    def model(self, name: str) -> dict:
        return self.config["models"][name]

    def generated_models(self) -> list[str]:
        """Models this workflow samples from (hub or built), as opposed to files made elsewhere."""
        return [m for m, spec in self.config["models"].items() if "samples" not in spec]

    def model_source(self, name: str) -> str:
        """What from_pretrained loads: the built directory, or the hub id."""
        spec = self.model(name)
        return layout.MODEL_DIR.format(model=name) if "build" in spec else spec["hub_id"]

    def architecture(self, name: str) -> str:
        """What the FLOPs count builds on the meta device: a config.json, a built model's
        directory (its real vocabulary), or the hub id."""
        spec = self.model(name)
        return spec.get("architecture") or self.model_source(name)

    def label(self, name: str) -> str:
        return self.model(name).get("label", name)

    def calibration_sources(self) -> dict:
        """The measurements at hand to calibrate the roofline on (costs.calibration): the config's
        published tables where their files exist, and (model, architecture JSON) of the family
        models built here whose wall-time profiles run on a CPU."""
        settings = self.config["costs"]["calibration"]
        profiles = []
        if self.config["costs"]["walltime_device"] == "cpu":
            members = dict.fromkeys(m for family in self.config["families"].values() for m in family)
            profiles = [(m, self.model(m)["build"]) for m in members if "build" in self.model(m)]
        return {"published": settings["published"] if Path(settings["published"]).is_file() else None,
                "wizardcoder": settings["wizardcoder"] if Path(settings["wizardcoder"]).is_dir() else None,
                "profiles": profiles}

    def paper_cost_name(self, name: str) -> str | None:
        """Whose row of the paper's Table 1 stands in for this model's cost, if any."""
        model = self.model(name)
        return model.get("paper_costs") or model.get("paper")

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

    # ----------------------------------------------------------------- figures and tables
    def budget_figures(self) -> list[BudgetFigure]:
        out = []
        for figure, spec in self.config["figures"].items():
            benchmark = self.resolve(spec["benchmark"])
            if benchmark is None:
                continue
            members = [m for m in self.config["families"][spec["family"]]
                       if m in self.benchmark(benchmark)["n"]]
            if members:
                out.append(BudgetFigure(figure, benchmark, spec["family"], tuple(members)))
        return out

    def budget_curves(self) -> list[tuple[str, str]]:
        """(benchmark, family) pairs whose budget curves some figure needs."""
        return sorted({(f.benchmark, f.family) for f in self.budget_figures()})

    def family_on(self, benchmark: str, family: str) -> list[str]:
        return [m for m in self.config["families"][family] if m in self.benchmark(benchmark)["n"]]

    def rankings(self) -> list[dict]:
        """One entry per ranked benchmark: generator, rankers and the verifier if it applies."""
        ranking = self.config.get("ranking")
        if not ranking:
            return []
        verifier = ranking.get("verifier")
        verified = {self.resolve(r) for r in verifier["benchmarks"]} if verifier else set()
        out = []
        for ref in ranking["benchmarks"]:
            benchmark = self.resolve(ref)
            if benchmark is None or ranking["generator"] not in self.benchmark(benchmark)["n"]:
                continue
            out.append({"benchmark": benchmark, "generator": ranking["generator"],
                        "rankers": list(ranking["rankers"]),
                        "verifier": verifier["model"] if benchmark in verified else None})
        return out

    def selections(self) -> list[tuple[str, list[str]]]:
        """(benchmark, the family's models on it, smallest first) of each selection study; every one
        of those models needs its generated tests there (and HumanEval-style problems)."""
        selection = self.config.get("selection")
        if not selection:
            return []
        out = []
        for ref in selection["benchmarks"]:
            benchmark = self.resolve(ref)
            models = self.family_on(benchmark, selection["family"]) if benchmark else []
            if not models or self.counts_only(benchmark):
                continue
            untested = [m for m in models if not self.tests_of(benchmark, m)]
            if untested:
                raise ConfigError(f"config: selection: {', '.join(untested)} on {benchmark} need the tests they wrote "
                                  f"(models.<name>.samples.{benchmark}.tests)")
            if self.benchmark(benchmark)["kind"] != "humaneval":
                raise ConfigError(f"config: selection.benchmarks: {benchmark} is {self.benchmark(benchmark)['kind']}; "
                                  "generated tests are read for HumanEval-style problems (an entry point)")
            out.append((benchmark, models))
        return out

    def tests_of(self, benchmark: str, model: str) -> dict | None:
        """The generated tests of a model on a benchmark (files resolved), or None."""
        entry = (self.model(model).get("samples") or {}).get(benchmark, {}).get("tests")
        if not entry:
            return None
        patterns = [entry["files"]] if isinstance(entry["files"], str) else entry["files"]
        files = sorted({f for p in patterns for f in glob.glob(p)}, key=_natural)
        if not files:
            raise ConfigError(f"config: models.{model}.samples.{benchmark}.tests.files: no file matches "
                              f"{', '.join(patterns)}")
        return {"format": entry["format"], "files": files, "prompts": entry.get("prompts")}

    def passk_tables(self) -> dict[str, list[str]]:
        """Tables 2-4 that have at least one benchmark here, with the benchmarks they show."""
        out = {}
        for table in ("table2", "table3", "table4"):
            spec = self.config["tables"].get(table)
            if spec:
                benchmarks = [b for b in (self.resolve(r) for r in spec["benchmarks"]) if b]
                if benchmarks:
                    out[table] = benchmarks
        return out

    # ----------------------------------------------------------------- targets
    def figures(self) -> list[str]:
        names = [f.figure for f in self.budget_figures()]
        rankings = self.rankings()
        if rankings:
            names.append("fig8")
        if any(r["verifier"] for r in rankings):
            names.append("fig9")
        return names

    def tables(self) -> list[str]:
        names = list(self.passk_tables())
        if "table1" in self.config["tables"]:
            names.insert(0, "table1")
        return names

    def targets(self) -> list[str]:
        """Every artifact the config's benchmarks and models allow: the ``all`` target."""
        out = [layout.FIGURE.format(figure=f, ext=e) for f in self.figures() for e in layout.FIGURE_FORMATS]
        out += [layout.TABLE.format(table=t, ext=e) for t in self.tables() for e in layout.TABLE_FORMATS]
        out += [path.format(benchmark=b, model=m) for b, m in self.runs()
                for path in (layout.PASS_AT_K, layout.TASK_COUNTS, layout.EXTRAPOLATED)]
        out += [layout.GENERATIONS.format(benchmark=b, model=m, decoding=d)
                for b, m in self.executed() for d in self.decodings(b, m)]
        out += [layout.COUNTS.format(benchmark=b) for b in self.benchmarks if not self.counts_only(b)]
        if self.budget_curves():
            out += [layout.CROSSOVER, layout.CROSSOVER_SUMMARY, layout.CLAIMS, layout.MATCHES]
        if any(self.calibration_sources().values()):
            out += [layout.CALIBRATION, layout.CALIBRATION_TABLE]
        for benchmark, _ in self.selections():
            out += [layout.SELECTION.format(benchmark=benchmark)]
            out += [layout.SELECTION_FIGURE.format(benchmark=benchmark, ext=e) for e in layout.FIGURE_FORMATS]
        return out + [layout.PAPER_CLAIMS]

