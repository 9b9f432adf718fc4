"""Validate a workflow config: its schema (with the defaults filled in) and its cross-references.

The Snakefile and the CLI both start here, so a bad config fails the same way everywhere, in
well under a second, with the offending key named (``benchmarks.mbpp.n.tiny-s: -3 is less than
the minimum of 1``), never with a traceback from a later stage.  What a valid config asks for
is derived in :mod:`budget_realloc.plan`.  Only light modules are imported: the Snakefile
re-reads this on every invocation.
"""

from __future__ import annotations

import copy
import datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

from . import paper
from .errors import UserError

SCHEMA = resources.files("budget_realloc") / "data" / "schema.yaml"     # config/schema.yaml links here

# Section 3.3 of the paper: temperature, new-token limit per benchmark; APPS's few-shot file;
# most CPU time per program (APPS: per test case, 4 s as the APPS evaluation).
KIND_DEFAULTS = {
    "humaneval": {"temperature": 0.8, "max_new_tokens": 512},
    "mbpp": {"temperature": 0.8, "max_new_tokens": 256},
    "apps": {"temperature": 0.6, "max_new_tokens": 256, "timeout_s": 4.0,
             "fewshot": "resources/prompts/apps_2shot.json"},
    # LiveCodeBench's leaderboard: n = 10 at T = 0.2, at most 1200 new tokens (its README and
    # runner defaults; ../shared/data/SOURCES.md §10)
    "livecodebench": {"temperature": 0.2, "max_new_tokens": 1200},
}
SAMPLING_KEYS = ("temperature", "top_p", "max_new_tokens")


class ConfigError(UserError, ValueError):
    """A config that cannot run; the message names the key."""


@lru_cache(maxsize=None)
def _validator_class():
    """A JSON-schema validator that also fills in the schema's defaults, as
    snakemake.utils.validate does (jsonschema is imported only to validate: the CLI reads
    defaults without it)."""
    from jsonschema import Draft202012Validator, validators

    validate_properties = Draft202012Validator.VALIDATORS["properties"]

    def set_defaults(validator, properties, instance, schema):
        if isinstance(instance, dict):
            for name, subschema in properties.items():
                if "default" in subschema and name not in instance:
                    instance[name] = copy.deepcopy(subschema["default"])
        yield from validate_properties(validator, properties, instance, schema)

    return validators.extend(Draft202012Validator, {"properties": set_defaults})


def _key(path) -> str:
    return ".".join(str(p) for p in path) or "the top level"


def load_yaml(path: str | Path) -> dict:
    try:
        with open(path) as handle:
            data = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))   # libyaml where built
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {error}") from None
    return data or {}


@lru_cache(maxsize=None)
def schema() -> dict:
    """The config schema, with the names that registries own filled in: benchmark kinds and
    APPS difficulties (budget_realloc.benchmarks), the paper's benchmarks (resources/paper),
    sample-file and generated-test formats, generation backends, time units and engines, the
    selectors of a selection study, cascade confidences and what becomes of unfinished
    generations.  Treat it as read-only."""
    from .benchmarks import COUNTS_ONLY, KINDS, apps
    from .costs import TIME_UNITS
    from .costs.efficiency import ENGINES
    from .generation.backend import BACKENDS
    from .generation.sample_files import FORMATS
    from .ranking.generated_tests import TEST_FORMATS
    from .ranking.selectors import CONFIDENCES, TEST_FREE, UNFINISHED

    loaded = copy.deepcopy(_defaults_schema())
    top = loaded["properties"]
    benchmark = top["benchmarks"]["additionalProperties"]["properties"]
    benchmark["kind"]["enum"] = list(KINDS) + list(COUNTS_ONLY)
    benchmark["difficulty"]["enum"] = list(dict.fromkeys([*apps.SIZES, *(d for ds in COUNTS_ONLY.values() for d in ds)]))
    benchmark["paper"]["enum"] = paper.benchmark_names()
    source = loaded["$defs"]["sample_source"]["properties"]
    source["format"]["enum"] = list(FORMATS)
    source["tests"]["properties"]["format"]["enum"] = list(TEST_FORMATS)
    top["generation"]["properties"]["backend"]["enum"] = list(BACKENDS)
    top["costs"]["properties"]["time_unit"]["enum"] = list(TIME_UNITS)
    top["costs"]["properties"]["engine"]["enum"] = list(ENGINES)
    top["ranking"]["properties"]["unfinished"]["enum"] = list(UNFINISHED)
    top["selection"]["properties"]["selectors"]["items"]["enum"] = list(TEST_FREE)
    top["selection"]["properties"]["confidence"]["enum"] = list(CONFIDENCES)
    return loaded


@lru_cache(maxsize=None)
def _defaults_schema() -> dict:
    """The schema as written: its defaults, without the names the registries fill in (which
    would import them, and the CLI reads defaults at every start)."""
    return load_yaml(SCHEMA)


def default(*keys: str):
    """The schema's default of a config key, e.g. ``default("execution", "memory_mb")``; ``*``
    steps into the entries of a map (``default("models", "*", "dtype")``).  Code that runs
    without a config (the CLI by hand, tests) takes its defaults from here, never restating them."""
    node = _defaults_schema()
    for key in keys:
        node = node["additionalProperties"] if key == "*" else node["properties"][key]
    return copy.deepcopy(node["default"])


def validate_config(config: dict) -> dict:
    """A checked copy of ``config`` with defaults filled in, or ConfigError naming the key."""
    from jsonschema.exceptions import best_match

    config = _dates_as_text(copy.deepcopy(config))
    validator = _validator_class()(schema())
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


def _dates_as_text(value):
    """YAML reads an unquoted 2023-09-01 as a date: the schema's dates are ISO text."""
    if isinstance(value, dict):
        return {key: _dates_as_text(v) for key, v in value.items()}
    if isinstance(value, list):
        return [_dates_as_text(v) for v in value]
    return value.isoformat() if isinstance(value, datetime.date) else value


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
        _check_kind(name, bench)
    for name, model in models.items():
        if "build" in model and not Path(model["build"]).is_file():
            raise ConfigError(f"config: models.{name}.build: file not found: {model['build']}")
        for benchmark in model.get("samples", {}):
            if benchmark not in benchmarks or name not in benchmarks[benchmark]["n"]:
                raise ConfigError(f"config: models.{name}.samples.{benchmark}: no benchmark {benchmark!r} "
                                  f"lists {name} in its n")
        _check_paper_names(name, model)
    for figure, spec in config["figures"].items():
        need([spec["family"]], families, f"figures.{figure}.family", "family")
    need(config["policies"]["families"], families, "policies.families", "family")
    selection = config.get("selection")
    if selection:
        need([selection["family"]], families, "selection.family", "family")
    from .costs.accelerators import accelerators

    costs = config["costs"]
    need([costs["accelerator"]], accelerators(), "costs.accelerator", "accelerator")
    need(costs["idealized_accelerators"], accelerators(), "costs.idealized_accelerators", "accelerator")
    for table, spec in config["tables"].items():
        need(spec.get("families", []), families, f"tables.{table}.families", "family")
    for where, ref in benchmark_references(config):
        need_benchmarks([ref], where)
    ranking = config.get("ranking")
    if ranking:
        need([ranking["generator"]] + ranking["rankers"], models, "ranking", "model")
        verifier = ranking.get("verifier")
        if verifier:
            need([verifier["model"]], models, "ranking.verifier.model", "model")
        scorers = ranking["rankers"] + ([verifier["model"]] if verifier else [])
        imported = [m for m in scorers if "samples" in models[m]]
        if imported:
            raise ConfigError(f"config: ranking: {', '.join(imported)} must score samples, but "
                              "no weights of a model whose generations were made elsewhere are here")


def _check_kind(name: str, bench: dict) -> None:
    """APPS needs a difficulty; a benchmark known only by counts has no problem file to read and
    is the only other kind that may keep problems by difficulty or release date."""
    from .benchmarks import COUNTS_ONLY, apps

    kind = bench["kind"]
    if kind == "apps" and bench.get("difficulty") not in apps.SIZES:
        raise ConfigError(f"config: benchmarks.{name}.difficulty: kind apps needs one of {', '.join(apps.SIZES)}")
    if kind in COUNTS_ONLY:
        given = [key for key in ("path", "hub", "limit") if key in bench]
        if given:
            raise ConfigError(f"config: benchmarks.{name}.{given[0]}: a {kind} benchmark is known only by its "
                              "models' per-problem counts (no problem file, statements or tests to read)")
        if bench.get("difficulty", COUNTS_ONLY[kind][0]) not in COUNTS_ONLY[kind]:
            raise ConfigError(f"config: benchmarks.{name}.difficulty: a {kind} problem is "
                              f"{', '.join(COUNTS_ONLY[kind])}")
        return
    for key in ("difficulty", "released_after"):
        if key in bench and (key, kind) != ("difficulty", "apps"):
            raise ConfigError(f"config: benchmarks.{name}.{key}: only for kind apps (difficulty) or a benchmark "
                              f"known only by counts ({', '.join(COUNTS_ONLY)})")


def benchmark_references(config: dict) -> list[tuple[str, str | list[str]]]:
    """Every place that names benchmarks, as (config key, reference); a reference is a name or a
    list of names of which the first available one is used."""
    ranking = config.get("ranking") or {}
    return [(f"figures.{f}.benchmark", spec["benchmark"]) for f, spec in config["figures"].items()] \
        + [(f"tables.{t}.benchmarks", ref) for t, spec in config["tables"].items()
           for ref in spec.get("benchmarks", [])] \
        + [("ranking.benchmarks", ref) for ref in ranking.get("benchmarks", [])] \
        + [("ranking.verifier.benchmarks", ref) for ref in (ranking.get("verifier") or {}).get("benchmarks", [])] \
        + [("selection.benchmarks", ref) for ref in (config.get("selection") or {}).get("benchmarks", [])]


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
