"""Benchmarks: prompts, programs and tests, loaded from the hub or from local files.

A benchmark entry of the config (kind, path or hub, difficulty, limit, few-shot file) becomes a
list of :class:`Problem`; the same records give the same problems whichever source they came
from.  Only the standard library is imported here, so the Snakefile can count problems when it
plans the shards.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from . import apps, humaneval, mbpp
from .problem import MODES, Problem, truncate_at_stop
from .records import RecordError, read_local

KINDS = {"humaneval": humaneval, "mbpp": mbpp, "apps": apps}
# Kinds known only by published per-problem counts, with the difficulties their counts name:
# nothing of theirs is loaded, generated or executed here; their problems (ids, difficulty,
# contest date) are the rows of their runs' counts files.
COUNTS_ONLY = {"livecodebench": ("easy", "medium", "hard")}
# benchmark name -> (kind, difficulty): the names ``evaluate`` and the paper's tables use
NAMED = {**{kind: (kind, None) for kind in KINDS if kind != "apps"},
         **{f"apps-{difficulty}": ("apps", difficulty) for difficulty in apps.SIZES}}

__all__ = ["COUNTS_ONLY", "KINDS", "MODES", "NAMED", "Problem", "RecordError", "count_problems", "load_problems",
           "read_problems", "truncate_at_stop", "write_problems"]


def load_problems(kind: str, path: str | None = None, hub: str | None = None,
                  difficulty: str | None = None, limit: int | None = None,
                  fewshot: str | None = None) -> list[Problem]:
    """The benchmark's problems in their canonical order, the first ``limit`` of them if given."""
    module = KINDS[kind]
    records = read_local(path) if path else module.hub_records(hub or module.HUB)
    examples = json.loads(Path(fewshot).read_text()) if fewshot else None
    problems = module.problems(records, examples, difficulty)
    return problems[:limit] if limit else problems


@lru_cache(maxsize=None)
def count_problems(kind: str, path: str | None = None, difficulty: str | None = None,
                   limit: int | None = None) -> int:
    """How many problems a benchmark has, without the network: local files are read, hub
    benchmarks have their published sizes."""
    if path:
        total = len(load_problems(kind, path, difficulty=difficulty))
    else:
        total = KINDS[kind].known_size(difficulty)
    return min(total, limit) if limit else total


def read_problems(path: str) -> list[Problem]:
    """The problems :func:`write_problems` wrote, in the benchmark's order."""
    from ..io import read_parquet

    return [Problem.from_row(row) for row in read_parquet(path).to_dict("records")]


def shard_slice(items: list, shard: int, shard_size: int) -> list:
    """The items of one shard: problems are cut into shards of ``shard_size`` in benchmark order,
    and every stage that works shard by shard (generation, execution, probes) cuts them here."""
    return items[shard * shard_size:(shard + 1) * shard_size]


def shard_problems(path: str, shard: int, shard_size: int) -> list[Problem]:
    return shard_slice(read_problems(path), shard, shard_size)


def write_problems(kind: str, path: str | None, hub: str | None, difficulty: str | None, limit: int | None,
                   fewshot: str | None, expect: int | None, out: str) -> int:
    """The benchmark's problems as ``results/<benchmark>/problems.parquet``; how many there are.
    ``expect``: the number the workflow planned with, so a source that changed since is caught."""
    import pandas as pd

    from ..errors import InputError
    from ..io import write_parquet

    problems = load_problems(kind, path, hub, difficulty, limit, fewshot)
    if expect is not None and len(problems) != expect:
        raise InputError(f"the benchmark has {len(problems)} problems where the workflow planned "
                         f"{expect}; its source changed since planning — run again to re-plan")
    write_parquet(pd.DataFrame([p.to_row() for p in problems]), out,
                  metadata={"kind": kind, "source": path or hub, "difficulty": difficulty})
    return len(problems)
