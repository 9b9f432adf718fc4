"""A job as a value: what one workflow step reads, writes and is set to, in one frozen dataclass.

Why: a job's facts used to be carried by hand from the plan through the Snakefile's input
functions, shell flags and the CLI's argument lists to the stage, and back.  Now the plan builds
the job once (each kind's ``of``), and everything else reads it: the rule declares
:meth:`Job.inputs` and passes :meth:`Job.to_json` as its one parameter, ``budget-realloc job``
rebuilds it with :func:`from_json` and calls :meth:`Job.run`, and the flags for running the
same step by hand are generated from the same fields (:func:`arguments`), with the config
schema's defaults.  A field's role is in its metadata: ``input`` (a file, or a list or mapping
of files), ``output``, or a setting; settings may be typed values of their own (Limits,
Sampling), flattened into flags.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import types
import typing
from dataclasses import MISSING, dataclass, field
from typing import ClassVar

INPUT, OUTPUT = "input", "output"


def reads(help: str = "", flag: str | None = None, **options):
    """An input file field (a path, or a list or mapping of paths): the rule waits for it.
    ``flag``: its name on the command line (without dashes: a positional argument)."""
    return field(metadata={"role": INPUT, "help": help, "flag": flag}, **options)


def writes(help: str = "", flag: str | None = None):
    """An output file field."""
    return field(metadata={"role": OUTPUT, "help": help, "flag": flag})


def setting(default=MISSING, help: str = "", flag: str | None = None, **options):
    """A setting; ``default`` is usually the config schema's (budget_realloc.config.default)."""
    if default is not MISSING and isinstance(default, (list, dict)):
        options["default_factory"] = lambda value=default: type(value)(value)
        default = MISSING
    return field(default=default, metadata={"help": help, "flag": flag, **options.pop("metadata", {})}, **options)


@dataclass(frozen=True)
class Job:
    """One step of the workflow.  Subclasses set KIND (its name on the command line), HELP, and
    ENV (the conda environment, envs/<ENV>.yaml, that holds what :meth:`run` imports)."""

    KIND: ClassVar[str] = ""
    HELP: ClassVar[str] = ""
    ENV: ClassVar[str] = "execute"
    THREADS: ClassVar[str | None] = None        # the field Snakemake's threads fill (sandbox workers)

    def run(self) -> str | None:
        """Do the work; return a line to print (the log's summary), or None."""
        raise NotImplementedError

    def _files(self, role: str) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.metadata.get("role") == role}

    def inputs(self) -> dict[str, str | list[str]]:
        """Every input file by field name (lists and mappings of files, nested, flattened to the
        files, each once)."""
        found = {}
        for name, value in self._files(INPUT).items():
            if isinstance(value, (dict, list, tuple)):
                value = list(dict.fromkeys(_leaves(value)))
            if value:
                found[name] = value
        return found

    def outputs(self) -> dict[str, str]:
        return {name: value for name, value in self._files(OUTPUT).items() if value}

    def to_json(self) -> str:
        """The job as one JSON object: its kind under ``job``, then its fields (mappings keep the
        order the plan built them in, which is the order results are written in)."""
        return json.dumps({"job": self.KIND, **_plain(self)})


def _leaves(value):
    if isinstance(value, dict):
        value = value.values()
    for item in value:
        if isinstance(item, (dict, list, tuple)):
            yield from _leaves(item)
        elif item:
            yield item


def _plain(value):
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def build(cls, values: dict):
    """An instance of dataclass ``cls`` from plain values (JSON), nested dataclasses and tuples
    rebuilt from the field types."""
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name in values:
            kwargs[f.name] = _typed(hints[f.name], values[f.name])
    return cls(**kwargs)


def _typed(hint, value):
    if value is None:
        return None
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return _typed(next(a for a in args if a is not type(None)), value)
    if dataclasses.is_dataclass(hint):
        return build(hint, value)
    if origin is tuple:
        item = args[0] if args else typing.Any
        return tuple(_typed(item, v) for v in value)
    if origin is list:
        return [_typed(args[0], v) for v in value] if args else list(value)
    return value


# --------------------------------------------------------------------------- flags for use by hand
def arguments(cls, defaults=None) -> list[tuple[tuple[str, ...], dict]]:
    """argparse arguments for every field of a job kind (nested setting types flattened, their
    defaults those of the field's default value), each with its type, default and help;
    required where the field has no default."""
    hints = typing.get_type_hints(cls)
    out = []
    for f in dataclasses.fields(cls):
        hint = _unoptional(hints[f.name])
        if dataclasses.is_dataclass(hint):
            nested = f.default if f.default is not MISSING else (
                f.default_factory() if f.default_factory is not MISSING else None)
            out += arguments(hint, nested)
            continue
        flag = f.metadata.get("flag") or "--" + f.name.replace("_", "-")
        options = {"help": f.metadata.get("help") or None}
        if flag.startswith("-"):
            options["dest"] = f"{cls.__name__}.{f.name}"
        else:                                       # positional: its name is its dest
            flag, options["metavar"] = f"{cls.__name__}.{f.name}", f.name.upper()
        default = getattr(defaults, f.name) if defaults is not None else f.default if f.default is not MISSING else (
            f.default_factory() if f.default_factory is not MISSING else MISSING)
        if hint is bool:
            options["action"] = "store_true"
        else:
            options.update(_parser_type(hint))
            if "above" in f.metadata or "at_least" in f.metadata:
                options["type"] = bounded(hint, f.metadata.get("above"), f.metadata.get("at_least"))
            if default is not MISSING:
                options["default"] = default
            elif flag.startswith("-"):
                options["required"] = True
        out.append(((flag,), options))
    return out


def from_arguments(cls, namespace: dict):
    """The job (or nested setting) ``cls`` from parsed arguments (:func:`arguments`)."""
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for f in dataclasses.fields(cls):
        hint = _unoptional(hints[f.name])
        if dataclasses.is_dataclass(hint):
            kwargs[f.name] = from_arguments(hint, namespace)
        elif f"{cls.__name__}.{f.name}" in namespace:
            value = namespace[f"{cls.__name__}.{f.name}"]
            kwargs[f.name] = tuple(value) if typing.get_origin(hint) is tuple and value is not None else value
    return cls(**kwargs)


def _unoptional(hint):
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        rest = [a for a in typing.get_args(hint) if a is not type(None)]
        return rest[0] if len(rest) == 1 else hint
    return hint


def bounded(kind: type, above=None, at_least=None):
    """An argparse type for a number field with a bound (its metadata ``above`` or ``at_least``),
    so that a flag out of range stops at once, naming the flag, instead of deep in the job."""
    def parse(text: str):
        value = kind(text)
        if above is not None and not value > above:
            raise argparse.ArgumentTypeError(f"must be above {above}, got {text}")
        if at_least is not None and not value >= at_least:
            raise argparse.ArgumentTypeError(f"must be at least {at_least}, got {text}")
        return value

    parse.__name__ = kind.__name__            # argparse's "invalid int value" for what is not a number
    return parse


def _parser_type(hint) -> dict:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (list, tuple):
        return {"nargs": "+", "type": args[0] if args and args[0] in (int, float, str) else str}
    if origin is dict or hint is dict:
        return {"type": json.loads, "metavar": "JSON"}
    if hint in (int, float, str):
        return {"type": hint}
    return {"type": json.loads, "metavar": "JSON"}
