"""Validate a workflow config and derive what it asks for: runs, shards, figures, targets.

The Snakefile and the CLI both start here, so a bad config fails the same way everywhere, in
well under a second, with the offending key named (``benchmarks.mbpp.n.tiny-s: -3 is less than
the minimum of 1``), never with a traceback from a later stage.  Only light modules are
imported: the Snakefile re-reads this on every invocation.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import best_match

from . import layout, paper
from .errors import UserError
from .benchmarks import count_problems
from .seeds import derive_seed

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMA = REPO_ROOT / "config" / "schema.yaml"

# Section 3.3 of the paper: temperature, new-token limit per benchmark; APPS's few-shot file;
# most CPU time per program (APPS: per test case, 4 s as the APPS evaluation).
KIND_DEFAULTS = {
    "humaneval": {"temperature": 0.8, "max_new_tokens": 512},
    "mbpp": {"temperature": 0.8, "max_new_tokens": 256},
    "apps": {"temperature": 0.6, "max_new_tokens": 256, "timeout_s": 4.0,
             "fewshot": "resources/prompts/apps_2shot.json"},
}
SAMPLING_KEYS = ("temperature", "top_p", "max_new_tokens")


class ConfigError(UserError, ValueError):
    """A config that cannot run; the message names the key."""


def _with_defaults(validator_class):
    """A validator that also fills in the schema's defaults, as snakemake.utils.validate does."""
    validate_properties = validator_class.VALIDATORS["properties"]

    def set_defaults(validator, properties, instance, schema):
        if isinstance(instance, dict):
            for name, subschema in properties.items():
                if "default" in subschema and name not in instance:
                    instance[name] = copy.deepcopy(subschema["default"])
        yield from validate_properties(validator, properties, instance, schema)

    return validators.extend(validator_class, {"properties": set_defaults})


_Validator = _with_defaults(Draft202012Validator)


def _key(path) -> str:
    return ".".join(str(p) for p in path) or "the top level"


def load_yaml(path: str | Path) -> dict:
    try:
        with open(path) as handle:
            data = yaml.safe_load(handle)
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {error}") from None
    return data or {}


def validate_config(config: dict, schema_path: str | Path = SCHEMA) -> dict:
    """A checked copy of ``config`` with defaults filled in, or ConfigError naming the key."""
    config = copy.deepcopy(config)
    validator = _Validator(load_yaml(schema_path))
    error = best_match(validator.iter_errors(config))
    if error is not None:
        if error.validator == "additionalProperties":
            unknown = sorted(set(error.instance) - set(error.schema.get("properties", {})))
            where = _key(error.absolute_path)
            raise ConfigError(f"config: unknown key {', '.join(map(repr, unknown))} in {where}")
        raise ConfigError(f"config: {_key(error.absolute_path)}: {error.message}")
    for benchmark in config["benchmarks"].values():
        for key, value in KIND_DEFAULTS[benchmark["kind"]].items():
            benchmark.setdefault(key, value)
        benchmark.setdefault("timeout_s", config["execution"]["timeout_s"])
    _check_references(config)
    return config


def _check_references(config: dict) -> None:
    models, families, benchmarks = config["models"], config["families"], config["benchmarks"]

    def need(names, known, where, what):
        unknown = [n for n in names if n not in known]
        if unknown:
            raise ConfigError(f"config: {where} names unknown {what} {', '.join(map(repr, unknown))}")

    def need_benchmarks(refs, where):
        for ref in refs:
            need([ref] if isinstance(ref, str) else ref, benchmarks, where, "benchmark")

    for family, members in families.items():
        need(members, models, f"families.{family}", "model")
    for name, bench in benchmarks.items():
        need(bench["n"], models, f"benchmarks.{name}.n", "model")
        if (bench["kind"] == "apps") != ("difficulty" in bench):
            raise ConfigError(f"config: benchmarks.{name}.difficulty is required for kind apps "
                              "and only allowed there")
    for name, model in models.items():
        if "build" in model and not Path(model["build"]).is_file():
            raise ConfigError(f"config: models.{name}.build: file not found: {model['build']}")
        _check_paper_names(name, model)
    for figure, spec in config["figures"].items():
        need([spec["family"]], families, f"figures.{figure}.family", "family")
    for table, spec in config["tables"].items():
        need(spec["families"], families, f"tables.{table}.families", "family")
    for where, ref in benchmark_references(config):
        need_benchmarks([ref], where)
    ranking = config.get("ranking")
    if ranking:
        need([ranking["generator"]] + ranking["rankers"], models, "ranking", "model")
        verifier = ranking.get("verifier")
        if verifier:
            need([verifier["model"]], models, "ranking.verifier.model", "model")


def benchmark_references(config: dict) -> list[tuple[str, str | list[str]]]:
    """Every place that names benchmarks, as (config key, reference); a reference is a name or a
    list of names of which the first available one is used."""
    ranking = config.get("ranking") or {}
    return [(f"figures.{f}.benchmark", spec["benchmark"]) for f, spec in config["figures"].items()] \
        + [(f"tables.{t}.benchmarks", ref) for t, spec in config["tables"].items()
           for ref in spec.get("benchmarks", [])] \
        + [("ranking.benchmarks", ref) for ref in ranking.get("benchmarks", [])] \
        + [("ranking.verifier.benchmarks", ref) for ref in (ranking.get("verifier") or {}).get("benchmarks", [])]


def _check_paper_names(name: str, model: dict) -> None:
    """A model's ``paper``/``paper_costs`` must name rows of the paper's tables: a typo would
    otherwise drop its overlay (and its published wall-time) without a word."""
    if "paper" in model and model["paper"] not in paper.model_names():
        raise ConfigError(f"config: models.{name}.paper: the paper reports no model {model['paper']!r} "
                          f"(it has {', '.join(paper.model_names())})")
    cost_name = model.get("paper_costs") or model.get("paper")
    if cost_name and cost_name not in paper.cost_names():
        key = "paper_costs" if "paper_costs" in model else "paper"
        raise ConfigError(f"config: models.{name}.{key}: the paper's Table 1 has no row {cost_name!r} "
                          f"(it has {', '.join(paper.cost_names())}); set paper_costs to the model "
                          "whose cost stands in")


@dataclass(frozen=True)
class BudgetFigure:
    figure: str
    benchmark: str
    family: str
    models: tuple[str, ...]


class Plan:
    """What a validated config asks for, in the terms the rules need."""

    def __init__(self, config: dict):
        self.config = config
        self.dropped: dict[str, str] = {}           # optional benchmark -> why it was left out
        self.paths: dict[str, str | None] = {}      # benchmark -> local file, None for the hub
        for name, bench in config["benchmarks"].items():
            path = self._resolve_path(name, bench)
            if path is not False:
                self.paths[name] = path
        used = {self.resolve(ref) for _, ref in benchmark_references(config)}
        for name in [b for b in self.paths if config["benchmarks"][b]["fallback"] and b not in used]:
            del self.paths[name]
            self.dropped[name] = "a fallback, and everything that could fall back to it has its first choice"

    def _resolve_path(self, name: str, bench: dict):
        if "path" not in bench:
            return None
        candidates = [bench["path"]] if isinstance(bench["path"], str) else bench["path"]
        for candidate in candidates:
            if Path(candidate).is_file():
                return candidate
        if bench["optional"]:
            self.dropped[name] = f"no file at {', '.join(candidates)}"
            return False
        raise ConfigError(f"config: benchmarks.{name}.path: no file at {', '.join(candidates)} "
                          "(set optional: true to skip this benchmark when it is absent)")

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

    def num_problems(self, name: str) -> int:
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

    def decodings(self) -> list[str]:
        return list(layout.DECODINGS) if self.config["generation"]["greedy"] else ["sampled"]

    def sampling(self, benchmark: str, model: str, decoding: str = "sampled") -> dict:
        """n, temperature, top_p, max_new_tokens of one generation run (greedy: n = 1, T = 0)."""
        bench = self.benchmark(benchmark)
        values = {key: bench[key] for key in SAMPLING_KEYS}
        values.update(self.config["models"][model].get("sampling", {}))
        if decoding == "greedy":
            return {"n": 1, "temperature": 0.0, "top_p": 1.0, "max_new_tokens": values["max_new_tokens"]}
        return {"n": bench["n"][model], **values}

    # ----------------------------------------------------------------- models
    def model(self, name: str) -> dict:
        return self.config["models"][name]

    def built_models(self) -> list[str]:
        return [m for m, spec in self.config["models"].items() if "build" in spec]

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

    def paper_cost_name(self, name: str) -> str | None:
        """Whose row of the paper's Table 1 stands in for this model's cost, if any."""
        model = self.model(name)
        return model.get("paper_costs") or model.get("paper")

    def cost_file(self, benchmark: str, model: str) -> str:
        """The per-sample costs budgets charge: the profiles' constant cost (cost_model: paper) or
        what this run's generation of ``model`` on ``benchmark`` spent (measured)."""
        if self.config["cost_model"] == "measured":
            return layout.MEASURED_COSTS.format(benchmark=benchmark, model=model)
        return layout.COSTS.format(model=model)

    def cost_models(self) -> list[str]:
        """Every model whose costs some figure or table needs."""
        names = {m for spec in self.budget_figures() for m in spec.models}
        for family in self.config["tables"].get("table1", {}).get("families", []):
            names.update(self.config["families"][family])
        for spec in self.rankings():
            names.update([spec["generator"], *spec["rankers"]])
        return sorted(names)

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

    def budget_figure_spec(self, name: str) -> dict:
        """What ``budget-realloc figure-budget`` reads for one figure: its runs' pass@k tables and
        costs, and the paper's published points of every model the paper also ran."""
        figure = next(f for f in self.budget_figures() if f.figure == name)
        models = figure.models
        paper_benchmark = self.benchmark(figure.benchmark).get("paper")
        return {
            "title": f"Figure {name[3:]}: {self.benchmark_title(figure.benchmark)}; "
                     f"{', '.join(self.label(m) for m in models)}",
            "models": list(models),        # the family's order (the rule's JSON sorts dict keys)
            "labels": {m: self.label(m) for m in models},
            "pass_at_k": {m: layout.PASS_AT_K.format(benchmark=figure.benchmark, model=m) for m in models},
            "costs": {m: self.cost_file(figure.benchmark, m) for m in models},
            "paper": {m: {"benchmark": paper_benchmark, "model": self.model(m)["paper"],
                          "costs": self.paper_cost_name(m)}
                      for m in models if paper_benchmark and "paper" in self.model(m)},
        }

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
        out += [layout.PASS_AT_K.format(benchmark=b, model=m) for b, m in self.runs()]
        out += [layout.GENERATIONS.format(benchmark=b, model=m, decoding=d)
                for b, m in self.runs() for d in self.decodings()]
        if self.budget_curves():
            out.append(layout.CROSSOVER)
        return out


def load_plan(config: dict, schema_path: str | Path = SCHEMA) -> Plan:
    return Plan(validate_config(config, schema_path))
